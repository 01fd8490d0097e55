import DiffusionSchedulers
import Foundation
import Testing
@testable import LitMath

/// The series of a parsed directive's plot, by label.
private func plot(_ text: String) throws -> (PlotFigure, [ValueRecord]) {
    let (page, diagnostics) = PageParser.parse(text: text, sourcePath: "t.md", displayPath: "content/t.md")
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let result = try #require(page.directives.first)
    guard case let .plot(plot) = result.output else { throw DirectiveKindFailure() }
    return (plot, result.records)
}

private struct DirectiveKindFailure: Error {}

private extension PlotFigure {
    func series(_ label: String) throws -> Series { try #require(series.first { $0.label == label }, "no series '\(label)'") }
}

private let twoModes = try! GaussianMixture(weights: [0.5, 0.5], means: [-1, 1], standardDeviations: [0.15, 0.15])

@Suite("scheduler trajectory with samplers")
struct SamplerPathTests {
    static let ddim = """
    ```scheduler trajectory
    data: {means: [-1, 1], std: [0.15, 0.15]}
    paths: 3
    seed: 2
    clip_sample: false
    samplers:
      - {label: DDIM 10, scheduler: DDIM, num_inference_steps: 10}
    show: [exact, sampler, x0_pred]
    ```
    """

    @Test("The sampler's path is the library's own loop: every state, every x̂₀, at its timestep, ending at clean data (t = −1)")
    func pathIsTheLibraryLoop() throws {
        let (figure, records) = try plot(Self.ddim)
        let scheduler = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: ["clip_sample": .bool(false)]))
        try scheduler.setTimesteps(10)
        let model = try twoModes.denoiser(predictionType: scheduler.config.predictionType, alphasCumprod: scheduler.alphasCumprod)
        var x = try TorchGenerator(seed: 2).randn(shape: [3, 1])
        var states = [x], predictions: [Tensor] = []
        for t in scheduler.timesteps {
            let output = try scheduler.step(modelOutput: model(x, timestep: t), timestep: t, sample: x)
            x = output.prevSample
            states.append(x)
            predictions.append(output.predOriginalSample)
        }
        for p in 0..<3 {
            let path = try figure.series("DDIM 10 path \(p + 1)")
            #expect(path.x == scheduler.timesteps.map(Double.init) + [-1])
            #expect(path.y == states.map { Double($0.scalars[p]) })
            let x0 = try figure.series("DDIM 10 x̂₀ path \(p + 1)")
            #expect(x0.y == predictions.map { Double($0.scalars[p]) })
        }
        #expect(records.map(\.key) == figure.series.map(\.label))
        #expect(figure.xDescending)
    }

    @Test("The exact path starts at the sampler's start and ends at the toolkit's exact probability-flow solution")
    func exactPathEndsAtTheExactSolution() throws {
        let (figure, _) = try plot(Self.ddim)
        let scheduler = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: ["clip_sample": .bool(false)]))
        try scheduler.setTimesteps(10)
        let start = try TorchGenerator(seed: 2).randn(shape: [3, 1])
        let exact = try twoModes.probabilityFlowSolution(
            points: start.scalars.map(Double.init), start: .variancePreserving(alphaCumprod: Double(scheduler.alphasCumprod[900])),
            end: NoiseLevel(alpha: 1, sigma: 0))
        for p in 0..<3 {
            let path = try figure.series("exact ODE path \(p + 1)")
            #expect(path.x.first == 900 && path.x.last == -1)
            #expect(path.y.first == Double(start.scalars[p]))
            // Both are RK4 solutions of one ODE (a chain of short solves against one long one), each within ~1e-7 of it.
            #expect(abs(path.y.last! - exact[p]) < 1e-5, "\(path.y.last!) against \(exact[p])")
        }
    }

    @Test("Step errors: local equals global at the first step; the global error at the end is the experiment's error; DPM-Solver++'s last step (σ_min → 0) has the largest local error")
    func stepErrors() throws {
        let (figure, records) = try plot("""
        ```scheduler trajectory
        data: {means: [-1, 1], std: [0.15, 0.15]}
        paths: 20
        y: step_error
        samplers:
          - {label: DPM-Solver++, scheduler: DPMSolverMultistep, num_inference_steps: 10}
        ```
        """)
        let local = try figure.series("DPM-Solver++: local error").y, global = try figure.series("DPM-Solver++: global error").y
        #expect(local.count == 10 && global.count == 10)
        #expect(local[0] == global[0])
        let run = try twoModes.sample(scheduler: SchedulerFactory.make(className: "DPMSolverMultistepScheduler"), steps: 10,
                                      start: TorchGenerator(seed: 0).randn(shape: [20, 1]))
        let experimentError = try run.error(against: twoModes)
        #expect(abs(global[9] - experimentError) < 1e-5, "\(global[9]) against \(experimentError)")
        #expect(local.last == local.max(), "\(local)")
        #expect(records.allSatisfy { $0.positionName == "step" && $0.positions == (1...10).map(Double.init) })
        #expect(figure.yScale == .log && figure.dataXName == "step")
    }

    @Test("DDIM's η reaches DDIMScheduler.step: η = 1 leaves the deterministic path")
    func eta() throws {
        let text = { (eta: String) in "```scheduler trajectory\ndata: {means: [-1, 1], std: 0.15}\npaths: 2\nclip_sample: false\nsamplers:\n  - {label: D, scheduler: DDIM, num_inference_steps: 5\(eta)}\n```\n" }
        let plain = try plot(text("")).0.series("D path 1").y
        let zero = try plot(text(", eta: 0")).0.series("D path 1").y
        let one = try plot(text(", eta: 1")).0.series("D path 1").y
        #expect(plain == zero)
        #expect(one.last != zero.last)
        #expect(one.first == zero.first)
    }
}

@Suite("scheduler density")
struct DensityDirectiveTests {
    @Test("p_t is the closed-form noised mixture at the schedule's ᾱ and integrates to 1 on its grid")
    func noisedDensity() throws {
        let (figure, records) = try plot("```scheduler density\ndata: {means: [-1, 1], std: [0.15, 0.15]}\nt: [0, 500, 999]\n```\n")
        let schedule = try NoiseSchedule()
        #expect(figure.series.map(\.label) == ["t = 0", "t = 500", "t = 999"])
        for (series, t) in zip(figure.series, [0, 500, 999]) {
            let integral = zip(series.x.dropFirst(), series.x).enumerated().reduce(0.0) { sum, item in
                sum + (item.element.0 - item.element.1) * (series.y[item.offset] + series.y[item.offset + 1]) / 2
            }
            #expect(abs(integral - 1) < 1e-3, "t = \(t): ∫ p = \(integral)")
            // N(x; α·μ, α²s² + σ²) per component, written out here rather than asked of the toolkit.
            let a = Double(schedule.alphasCumprod[t])
            for i in stride(from: 0, to: series.x.count, by: 37) {
                let x = series.x[i]
                let expected = [-1.0, 1.0].reduce(0.0) { sum, mean in
                    let variance = a * 0.15 * 0.15 + (1 - a)
                    return sum + 0.5 * exp(-(x - a.squareRoot() * mean) * (x - a.squareRoot() * mean) / (2 * variance)) / (2 * Double.pi * variance).squareRoot()
                }
                #expect(abs(series.y[i] - expected) <= 1e-12 + 1e-9 * expected, "t = \(t), x = \(x)")
            }
        }
        #expect(records.allSatisfy { $0.positionName == "x" })
        #expect(figure.panelTitles == nil && figure.dataXName == "x")
    }

    @Test("Panels: one small multiple per timestep, sharing axes, each titled, with CSV data")
    func panels() throws {
        let text = "```scheduler density\ndata: {means: [-1, 1], std: 0.15}\nt: [0, 250, 500, 750, 999]\nlayout: panels\n```\n"
        let (figure, _) = try plot(text)
        #expect(figure.panelTitles == ["t = 0", "t = 250", "t = 500", "t = 750", "t = 999"])
        #expect(figure.series.map(\.panel) == [0, 1, 2, 3, 4])
        let (html, diagnostics) = TestSite.article(text)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.occurrences(of: "class=\"lm-panel\"") == 5)
        #expect(html.occurrences(of: "class=\"lm-panel-title\"") == 5)
        #expect(html.contains(">t = 750</text>"))
        #expect(html.contains("role=\"img\"") && html.contains("<desc id=\"fig-density-1-desc\">5 panels"))
        #expect(html.contains("href=\"x.density-1.csv\""))
    }

    @Test("Histograms: the samplers' own final samples in ⌈√n⌉ shared bins, each a density that sums to 1, drawn as bars")
    func histograms() throws {
        let text = """
        ```scheduler density
        data: {means: [-1, 1], std: [0.15, 0.15]}
        samples: 400
        seed: 3
        clip_sample: false
        samplers:
          - {label: DDIM, scheduler: DDIM, num_inference_steps: 20}
          - {label: DDPM, scheduler: DDPM, num_inference_steps: 20}
        ```
        """
        let (figure, _) = try plot(text)
        #expect(figure.panelTitles == ["DDIM", "DDPM"])
        let ddim = try figure.series("DDIM: samples"), ddpm = try figure.series("DDPM: samples")
        #expect(ddim.bars && ddim.x.count == 20 && ddim.x == ddpm.x)
        let width = ddim.x[1] - ddim.x[0]
        for bars in [ddim, ddpm] {
            #expect(abs(bars.y.reduce(0, +) * width - 1) < 1e-9)
        }
        // The same run through the library's API, counted into the plot's bins.
        let config = try DDIMSchedulerConfiguration(values: ["clip_sample": .bool(false)])
        let run = try twoModes.sampleDDIM(config: config, steps: 20, start: TorchGenerator(seed: 3).randn(shape: [400, 1]))
        let lower = ddim.x[0] - width / 2
        var counts = [Int](repeating: 0, count: 20)
        for v in run.samples.scalars.map(Double.init) { counts[min(max(Int((v - lower) / width), 0), 19)] += 1 }
        for (height, count) in zip(ddim.y, counts) {
            #expect(abs(height - Double(count) / (400 * width)) < 1e-9)
        }
        let (html, _) = TestSite.article(text)
        let rects = html.components(separatedBy: "lm-bars").dropFirst().map { $0.components(separatedBy: "</g>")[0].occurrences(of: "<rect ") }
        #expect(rects == [ddim.y.filter { $0 > 0 }.count, ddpm.y.filter { $0 > 0 }.count])
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var name: String
        var text: String
        var expected: String
        var note: String?
        var description: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(name: "misspelt kind", text: "```scheduler densty\n```\n",
                expected: "content/x.md:1:1: error: unknown directive kind 'densty'", note: "did you mean 'density'?"),
        BadCase(name: "timestep past the schedule", text: "```scheduler density\ndata: {means: [0], std: 1}\nt: [0, 1000]\n```\n",
                expected: "content/x.md:3:8: error: timestep 1000 is outside the schedule (0…999)"),
        BadCase(name: "misspelt layout", text: "```scheduler density\ndata: {means: [0], std: 1}\nt: [0]\nlayout: panel\n```\n",
                expected: "content/x.md:4:9: error: 'panel' is not a valid 'layout'", note: "did you mean 'panels'?"),
        BadCase(name: "t and samplers together", text: "```scheduler density\ndata: {means: [0], std: 1}\nt: [0]\nsamplers: [{scheduler: DDIM, num_inference_steps: 5}]\n```\n",
                expected: "content/x.md:3:4: error: 't' draws p_t and 'samplers' draws histograms of final samples: give one of them"),
        BadCase(name: "bins that are not a number", text: "```scheduler density\ndata: {means: [0], std: 1}\nbins: many\nsamplers: [{scheduler: DDIM, num_inference_steps: 5}]\n```\n",
                expected: "content/x.md:3:7: error: 'bins' must be auto or an integer from 1 to 500, not 'many'"),
        BadCase(name: "misspelt density key", text: "```scheduler density\ndata: {means: [0], std: 1}\nt: [0]\nx_rnge: [0, 1]\n```\n",
                expected: "content/x.md:4:1: error: unknown key 'x_rnge' in 'scheduler density'", note: "did you mean 'x_range'?"),
        BadCase(name: "sampler without steps", text: "```scheduler trajectory\ndata: {means: [0], std: 1}\nsamplers:\n  - {scheduler: DDIM}\n```\n",
                expected: "content/x.md:4:5: error: a trajectory sampler needs 'num_inference_steps', the argument of set_timesteps"),
        BadCase(name: "misspelt show", text: "```scheduler trajectory\ndata: {means: [0], std: 1}\nsamplers: [{scheduler: DDIM, num_inference_steps: 5}]\nshow: [exact, x0pred]\n```\n",
                expected: "content/x.md:4:7: error: 'x0pred' is not a valid 'show' with samplers", note: "did you mean 'x0_pred'?"),
        BadCase(name: "misspelt sampler key", text: "```scheduler trajectory\ndata: {means: [0], std: 1}\nsamplers:\n  - {scheduler: DDIM, num_inference_step: 5}\n```\n",
                expected: "content/x.md:4:23: error: unknown key 'num_inference_step' in a trajectory sampler", note: "did you mean 'num_inference_steps'?"),
        BadCase(name: "eta for a scheduler without one", text: "```scheduler trajectory\ndata: {means: [0], std: 1}\nsamplers:\n  - {scheduler: DPMSolverMultistep, num_inference_steps: 5, eta: 1}\n```\n",
                expected: "content/x.md:4:61: error: 'eta' is an argument of DDIMScheduler.step; DPMSolverMultistepScheduler has none"),
        BadCase(name: "misspelt y", text: "```scheduler trajectory\ndata: {means: [0], std: 1}\nsamplers: [{scheduler: DDIM, num_inference_steps: 5}]\ny: step_eror\n```\n",
                expected: "content/x.md:4:4: error: 'step_eror' is not a valid 'y'", note: "did you mean 'step_error'?"),
    ]

    @Test("Bad density and sampler-path blocks are errors at the exact line and column, with a did-you-mean", arguments: badCases)
    func bad(_ bad: BadCase) {
        let (_, diagnostics) = TestSite.article(bad.text)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1, "\(diagnostics)")
        #expect(errors.first?.description == bad.expected, "\(errors.first?.description ?? "no error")")
        if let note = bad.note {
            #expect(errors.first?.notes.first == note, "\(errors.first?.notes ?? [])")
        }
    }
}

@Suite("TimestepAxis")
struct TimestepAxisTests {
    @Test("Integer timesteps are the ᾱ table's levels; fractional ones interpolate σ/α as the exact denoiser does; −1 is clean data")
    func roundTrip() throws {
        let schedule = try NoiseSchedule()
        let axis = try TimestepAxis(alphasCumprod: schedule.alphasCumprod)
        let denoiser = try twoModes.denoiser(target: .epsilon, alphasCumprod: schedule.alphasCumprod)
        for t in [0.0, 1, 37.25, 500, 998.5, 999] {
            let level = try axis.level(at: t), reference = try denoiser.noiseLevel(timestep: t)
            #expect(abs(level.sigma / level.alpha - reference.sigma / reference.alpha) < 1e-12 * (reference.sigma / reference.alpha), "t = \(t)")
            #expect(abs(try axis.timestep(of: reference) - t) < 1e-9, "t = \(t)")
        }
        #expect(try axis.timestep(of: NoiseLevel(alpha: 1, sigma: 0)) == -1)
        #expect(try axis.level(at: -1).sigma == 0)
        #expect(abs(try axis.timestep(of: axis.level(at: -0.5)) + 0.5) < 1e-12)
        #expect(throws: SchedulerError.self) { try axis.timestep(of: NoiseLevel(alpha: 0, sigma: 1)) }
        #expect(throws: SchedulerError.self) { try axis.level(at: 999.5) }
    }
}
