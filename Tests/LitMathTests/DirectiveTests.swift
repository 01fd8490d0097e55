import Foundation
import DiffusionSchedulers
import Testing
@testable import LitMath

@Suite("Scheduler directives")
struct DirectiveTests {
    static let plot = """
    # Plot

    ```scheduler plot
    title: Signal
    y: alpha_cumprod
    y_scale: log
    series:
      - {label: linear, beta_schedule: linear}
      - {label: cosine, beta_schedule: squaredcos_cap_v2}
    ```
    """

    @Test("A plot has one path per series, its title and description, and decade ticks on a log axis")
    func plotStructure() {
        let (html, diagnostics) = TestSite.article(Self.plot)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.occurrences(of: "<path ") == 2)
        #expect(html.contains("<title id=\"fig-plot-1-title\">Signal</title>"))
        #expect(html.contains("<desc id=\"fig-plot-1-desc\">"))
        #expect(html.contains(">10⁻⁵</text>"))
        #expect(html.contains(">linear</text>") && html.contains(">cosine</text>"))
    }

    @Test("A plotted line goes through the library's values")
    func plotFollowsTheLibrary() throws {
        let (html, _) = TestSite.article("""
        ```scheduler plot
        y: beta
        ```
        """)
        // The linear schedule's betas rise from beta_start to beta_end; the y axis gets the nice
        // bounds 0 and 0.02, so the path starts at the library's first beta and ends at the top.
        let schedule = try NoiseSchedule()
        let top = 16.0, height = 320.0, left = 78.0
        let y0 = top + height * (1 - Double(schedule.betas[0]) / 0.02)
        let d = try #require(html.components(separatedBy: "<path d=\"").dropFirst().first?.prefix(while: { $0 != "\"" }))
        #expect(d.hasPrefix("M\(SVGPlotRenderer.fmt(left)) \(SVGPlotRenderer.fmt(y0))L"), "\(d.prefix(40))")
        #expect(String(d).occurrences(of: "L") == schedule.betas.count - 1)
        #expect(d.hasSuffix("L696 16"))
    }

    @Test("A table shows the library's numbers at the requested timesteps")
    func tableNumbers() throws {
        let (html, diagnostics) = TestSite.article("""
        ```scheduler table
        t: [0, 999]
        columns: [beta, alpha_cumprod]
        digits: 4
        ```
        """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let schedule = try NoiseSchedule()
        // Each column takes one notation from its whole range (both stay within 1e-5…1e5: fixed).
        let format = NumberFormat(digits: 4)
        for column in [[schedule.betas[0], schedule.betas[999]], [schedule.alphasCumprod[0], schedule.alphasCumprod[999]]].map({ $0.map(Double.init) }) {
            let chosen = format.forColumn(column)
            for value in column { #expect(html.contains(chosen.html(value).rendered)) }
        }
        // 1e-4 … 0.9999: fixed decimals for both columns, none in scientific notation.
        #expect(html.contains(">0.00004036<"))
        #expect(!html.contains("<sup>"))
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var name: String
        var body: String
        var expected: String
        var note: String?
        var description: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(name: "misspelt configuration key", body: "y: beta\nbeta_shedule: linear\n",
                expected: "content/x.md:5:1: error: unknown key 'beta_shedule' in 'scheduler plot'", note: "did you mean 'beta_schedule'?"),
        BadCase(name: "misspelt plot key", body: "y: beta\ny_scael: log\n",
                expected: "content/x.md:5:1: error: unknown key 'y_scael' in 'scheduler plot'", note: "did you mean 'y_scale'?"),
        BadCase(name: "bad YAML", body: "y: beta\nseries: [a, b\n",
                expected: "content/x.md:6:1: error: invalid YAML in 'scheduler plot':", note: nil),
        BadCase(name: "unknown beta schedule", body: "y: beta\nbeta_schedule: cosine\n",
                expected: "content/x.md:5:1: error:", note: nil),
        BadCase(name: "unknown quantity", body: "y: alpha_cumprd\n",
                expected: "content/x.md:4:4: error: unknown quantity 'alpha_cumprd'", note: "did you mean 'alpha_cumprod'?"),
        BadCase(name: "missing y", body: "title: nothing to plot\n",
                expected: "content/x.md:4:1: error: 'scheduler plot' needs a 'y' key", note: nil),
        BadCase(name: "bad scale", body: "y: beta\ny_scale: logarithmic\n",
                expected: "content/x.md:5:10: error: 'logarithmic' is not a valid 'y_scale'", note: nil),
        BadCase(name: "unknown scheduler", body: "y: beta\nscheduler: DPPM\n",
                expected: "content/x.md:5:12: error: unknown scheduler 'DPPM'", note: "did you mean 'DDPM'?"),
    ]

    @Test("Malformed directives are errors at the offending line and column", arguments: badCases)
    func badDirective(_ bad: BadCase) {
        let markdown = "# Title\n\n```scheduler plot\n" + bad.body + "```\n"
        let (_, diagnostics) = TestSite.article(markdown)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1, "\(diagnostics)")
        #expect(errors.first?.description.hasPrefix(bad.expected) == true, "\(errors.first?.description ?? "no error")")
        if let note = bad.note {
            #expect(errors.first?.notes.contains(note) == true, "\(errors.first?.notes ?? [])")
        }
    }

    @Test("Every bad block of a page is reported, not only the first")
    func allErrorsCollected() {
        let markdown = "```scheduler plot\ny: bta\n```\n\ntext\n\n```scheduler table\nt: [0]\ncolumns: [alpa]\n```\n\n```scheduler histogram\n```\n"
        let (_, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.filter { $0.severity == .error }.map(\.location?.line) == [2, 9, 12])
    }

    @Test("A timestep outside the schedule is an error at that timestep")
    func timestepOutOfRange() {
        let (_, diagnostics) = TestSite.article("```scheduler table\nt: [0, 1000]\ncolumns: [beta]\n```\n")
        #expect(diagnostics.map(\.description) == ["content/x.md:2:8: error: timestep 1000 is outside the schedule (0…999)"])
    }
}

@Suite("Number formatting")
struct NumberFormatTests {
    @Test("Significant digits, scientific notation outside [1e-3, 1e5), Unicode minus", arguments: [
        (4.035830352222547e-05, "4.036×10⁻⁵"), (0.07858723402023315, "0.07859"), (0.9998999834060669, "0.9999"),
        (1.0, "1.000"), (123456.0, "1.235×10⁵"), (-0.5, "−0.5000"), (0.0, "0"),
    ])
    func formatting(_ value: Double, _ expected: String) {
        #expect(NumberFormat(digits: 4).string(value) == expected)
    }
}

@Suite("Plot data, markers and best values")
struct FigureExtrasTests {
    @Test("Each plot's data is written beside its page as CSV, one column per series")
    func csv() throws {
        let (pages, report) = TestSite.render(["p.md": "```scheduler plot\ny: beta\nseries:\n  - {label: 'linear, 1e-4', beta_schedule: linear}\n  - {label: cosine, beta_schedule: squaredcos_cap_v2}\n```\n"])
        #expect(!report.diagnostics.containsErrors)
        #expect(pages["p.html"]?.contains("href=\"p.plot-1.csv\"") == true)
        let builder = SiteBuilder(contentDirectory: URL(fileURLWithPath: "/nonexistent"), outputDirectory: URL(fileURLWithPath: "/nonexistent"))
        let (files, _) = builder.render([(path: "p.md", display: "content/p.md", text: "```scheduler plot\ny: beta\nseries:\n  - {label: 'linear, 1e-4', beta_schedule: linear}\n  - {label: cosine, beta_schedule: squaredcos_cap_v2}\n```\n")])
        let csv = String(decoding: try #require(files["p.plot-1.csv"]), as: UTF8.self)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 1001)
        #expect(lines[0] == "t,\"linear, 1e-4\",cosine")
        let schedule = try NoiseSchedule()
        #expect(lines[1] == "0,\(Double(schedule.betas[0])),\(Double(try NoiseSchedule(betaSchedule: .squaredcosCapV2).betas[0]))")
    }

    @Test("markers: true draws a circle per point; best: min emphasises each column's smallest value")
    func markersAndBest() {
        let (plot, _) = TestSite.article("```scheduler plot\ny: beta\nmarkers: true\nnum_train_timesteps: 10\n```\n")
        #expect(plot.occurrences(of: "<circle ") == 10)
        let (table, diagnostics) = TestSite.article("```scheduler table\nt: [0, 5, 9]\ncolumns: [beta, alpha_cumprod]\nbest: min\nnum_train_timesteps: 10\n```\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(table.occurrences(of: "lm-best") == 2)
        // The smallest beta is at t = 0, the smallest alpha_cumprod at t = 9.
        let rows = table.components(separatedBy: "<tr>").dropFirst(2)
        #expect(rows.first?.components(separatedBy: "<td").dropFirst().first?.contains("lm-best") == true)
        #expect(rows.last?.components(separatedBy: "<td").dropFirst().last?.contains("lm-best") == true)
    }
}

@Suite("scheduler experiment")
struct ExperimentDirectiveTests {
    static let experiment = """
    ```scheduler experiment
    data: {means: [-0.5, 0.6], std: [0.15, 0.2]}
    samplers:
      - {label: DDPM, scheduler: DDPM, clip_sample: false}
      - {label: DDIM, scheduler: DDIM, clip_sample: false}
      - {label: 2M, scheduler: DPMSolverMultistep, use_lu_lambdas: true}
    steps: [10, 20]
    samples: 64
    seed: 3
    ```
    """

    @Test("Runs the real samplers with the exact model: at 10 steps DPM-Solver++ 2M beats DDIM, which beats DDPM")
    func ordering() throws {
        let (page, diagnostics) = PageParser.parse(text: Self.experiment, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let result = try #require(page.directives.first)
        let errors = Dictionary(result.records.map { ($0.key, $0.values) }, uniquingKeysWith: { a, _ in a })
        let ddpm = try #require(errors["DDPM"]), ddim = try #require(errors["DDIM"]), dpm = try #require(errors["2M"])
        #expect(dpm[0] < ddim[0] && ddim[0] < ddpm[0])
        #expect(ddim[1] < ddim[0] && dpm[1] < dpm[0])
        #expect((errors["2M slope"]?.first ?? 0) > 1.5)
        guard case let .plot(plot) = result.output else { Issue.record("an experiment renders as a plot"); return }
        #expect(plot.series.map(\.x) == [[10, 20], [10, 20], [10, 20]])
        #expect(plot.companionTable?.rows.map { $0[0] } == [10, 20])
    }

    @Test("Bad data and sampler keys are errors at their place", arguments: [
        ("data: {means: [-0.5, 0.6], std: [0.15]}", "content/e.md:2:33: error: 'std' has 1 values but there are 2 means"),
        ("data: {means: [-0.5, 0.6], stdev: 0.1}", "content/e.md:2:28: error: unknown key 'stdev' in experiment 'data'"),
        ("data: {means: [-0.5, 0.6], std: -1}", "content/e.md:2:33: error: each 'std' must be a positive number, not -1.0"),
        ("data: {means: [-0.5, 0.6], std: 0.1, weights: [1, -1]}", "content/e.md:2:7: error: invalid mixture:"),
    ])
    func badData(_ line: String, _ expected: String) {
        let text = "```scheduler experiment\n\(line)\nsamplers: [{scheduler: DDIM}]\nsteps: [5]\n```\n"
        let (_, diagnostics) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.first?.description.hasPrefix(expected) == true, "\(diagnostics)")
    }

    @Test("A sampler's configuration is checked by the library, with the key's position")
    func badSamplerOption() {
        let text = "```scheduler experiment\ndata: {means: [0], std: 1}\nsamplers:\n  - {scheduler: DPMSolverMultistep, solver_order: 7}\nsteps: [5]\n```\n"
        let (_, diagnostics) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.first?.location == SourceLocation(file: "content/e.md", line: 4, column: 37), "\(diagnostics)")
        #expect(diagnostics.first?.message.contains("solver_order") == true)
    }

    @Test("mu reaches set_timesteps: the top one for every sampler, a sampler's own instead")
    func muIsPassedToSetTimesteps() throws {
        let text = """
        ```scheduler experiment
        data: {means: [-0.5, 0.6], std: [0.15, 0.2]}
        scheduler: FlowMatchEulerDiscrete
        use_dynamic_shifting: true
        mu: 0.5
        samplers:
          - {label: top}
          - {label: own, mu: 1.15}
          - {label: UniPC, scheduler: UniPCMultistep, use_flow_sigmas: true, prediction_type: flow_prediction}
        steps: [4, 8]
        samples: 16
        ```
        """
        let (page, diagnostics) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let records = try #require(page.directives.first?.records)
        let errors = Dictionary(records.map { ($0.key, $0.values) }, uniquingKeysWith: { a, _ in a })

        // The same runs made with the library directly.
        let mixture = try GaussianMixture(components: [
            GaussianComponent(weight: 0.5, mean: [-0.5], standardDeviation: 0.15),
            GaussianComponent(weight: 0.5, mean: [0.6], standardDeviation: 0.2),
        ])
        let start = try TorchGenerator(seed: 0).randn(shape: [16, 1])
        func expected(mu: Double, _ make: () throws -> any DiffusionScheduler) throws -> [Double] {
            try [4, 8].map { try mixture.sample(scheduler: make(), steps: $0, start: start, mu: mu).error(against: mixture) }
        }
        let flow = try FlowMatchEulerDiscreteSchedulerConfiguration(values: ["use_dynamic_shifting": .bool(true)])
        let uniPC = try UniPCMultistepSchedulerConfiguration(values: [
            "use_dynamic_shifting": .bool(true), "use_flow_sigmas": .bool(true), "prediction_type": .string("flow_prediction"),
        ])
        #expect(errors["top"] == (try expected(mu: 0.5) { try FlowMatchEulerDiscreteScheduler(config: flow) }))
        #expect(errors["own"] == (try expected(mu: 1.15) { try FlowMatchEulerDiscreteScheduler(config: flow) }))
        #expect(errors["UniPC"] == (try expected(mu: 0.5) { try UniPCMultistepScheduler(config: uniPC) }))
        #expect(errors["top"] != errors["own"])
    }

    @Test("A bad mu, a mu the scheduler cannot take and a missing one are errors at their place", arguments: [
        ("mu: high\nsamplers: [{scheduler: FlowMatchEulerDiscrete, use_dynamic_shifting: true}]",
         "content/e.md:3:5: error: 'mu' must be a finite number such as 1.15, not 'high'"),
        ("samplers:\n  - {scheduler: DDIM, mu: 1}",
         "content/e.md:4:23: error: DDIMScheduler has no dynamic shifting to pass mu to"),
        ("mu: 1\nsamplers: [{scheduler: DPMSolverMultistep, use_flow_sigmas: true, prediction_type: flow_prediction}]",
         "content/e.md:3:1: error: mu needs use_dynamic_shifting with time_shift_type 'exponential'"),
        ("samplers:\n  - {scheduler: FlowMatchEulerDiscrete, use_dynamic_shifting: true}",
         "content/e.md:4:41: error: mu must be passed when use_dynamic_shifting is true"),
    ])
    func badMu(_ lines: String, _ expected: String) {
        let text = "```scheduler experiment\ndata: {means: [0], std: 1}\n\(lines)\nsteps: [5]\n```\n"
        let (_, diagnostics) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.count == 1 && diagnostics.first?.description.hasPrefix(expected) == true, "\(diagnostics)")
    }

    @Test("Without mu, a dynamic-shifting sampler's error says where mu goes")
    func missingMuNote() {
        let text = "```scheduler experiment\ndata: {means: [0], std: 1}\nsamplers:\n  - {scheduler: FlowMatchEulerDiscrete, use_dynamic_shifting: true}\nsteps: [5]\n```\n"
        let (_, diagnostics) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.first?.notes.first?.hasPrefix("add 'mu' to the sampler or to the experiment") == true, "\(diagnostics)")
    }
}

@Suite("scheduler trajectory")
struct TrajectoryDirectiveTests {
    @Test("ODE and SDE paths start together; ODE paths never cross; one legend entry per kind")
    func paths() throws {
        let text = "```scheduler trajectory\ndata: {means: [-1, 1], std: [0.1, 0.1]}\npaths: 4\nsteps: 100\nseed: 4\n```\n"
        let (page, diagnostics) = PageParser.parse(text: text, sourcePath: "t.md", displayPath: "content/t.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        guard case let .plot(plot)? = page.directives.first?.output else { Issue.record("a trajectory is a plot"); return }
        let ode = plot.series.filter { $0.style == 0 }, sde = plot.series.filter { $0.style == 1 }
        #expect(ode.count == 4 && sde.count == 4)
        #expect(ode.map { $0.y[0] } == sde.map { $0.y[0] })
        // Deterministic flows preserve order: the ranking of the starts is the ranking of the ends.
        let startOrder = ode.indices.sorted { ode[$0].y.first! < ode[$1].y.first! }
        let endOrder = ode.indices.sorted { ode[$0].y.last! < ode[$1].y.last! }
        #expect(startOrder == endOrder)
        #expect(ode.allSatisfy { abs(abs($0.y.last!) - 1) < 0.6 }, "ODE paths end near a mode")
        let (html, _) = TestSite.article(text)
        #expect(html.occurrences(of: "lm-legend-label") == 2)
    }

    @Test("2-D data is refused with a clear error")
    func twoDimensional() {
        let (_, diagnostics) = TestSite.article("```scheduler trajectory\ndata: {means: [[0, 1]], std: 0.1}\n```\n")
        #expect(diagnostics.first?.description.hasPrefix("content/x.md:2:7: error: trajectories are drawn for 1-D data") == true, "\(diagnostics)")
    }
}

@Suite("Axis labels with math")
struct AxisLabelMathTests {
    @Test("An axis label with math is typeset inside the SVG; a plain one stays SVG text")
    func typesetLabel() {
        let (html, diagnostics) = TestSite.article("```scheduler plot\ny: alpha_cumprod\ny_label: '$\\bar\\alpha_t$ left'\nx_label: timestep\n```\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.texAnnotations == ["\\bar\\alpha_t"])
        #expect(html.occurrences(of: "<foreignObject") == 1)
        #expect(html.contains(">timestep</text>"))
        #expect(html.contains("Line plot of \\bar\\alpha_t left (linear scale) against timestep"))
    }
}

@Suite("Inference schedules in directives")
struct InferenceQuantityTests {
    @Test("timesteps and inference_sigmas come from set_timesteps of any scheduler class")
    func inferenceQuantities() throws {
        let text = """
        ```scheduler table
        t: [0, 1, 9]
        num_inference_steps: 10
        columns:
          - {label: leading, quantity: timesteps, scheduler: DDIM}
          - {label: trailing, quantity: timesteps, scheduler: DDIM, timestep_spacing: trailing}
          - {label: karras, quantity: inference_sigmas, scheduler: EulerDiscrete, use_karras_sigmas: true}
        ```
        """
        let (page, diagnostics) = PageParser.parse(text: text, sourcePath: "i.md", displayPath: "content/i.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let records = try #require(page.directives.first?.records)
        let leading = try DDIMScheduler(config: DDIMSchedulerConfiguration())
        try leading.setTimesteps(10)
        let trailing = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: ["timestep_spacing": .string("trailing")]))
        try trailing.setTimesteps(10)
        let euler = try EulerDiscreteScheduler(config: EulerDiscreteSchedulerConfiguration(values: ["use_karras_sigmas": .bool(true)]))
        try euler.setTimesteps(10)
        #expect(records[0].values == [0, 1, 9].map { Double(leading.timesteps[$0]) })
        #expect(records[1].values == [0, 1, 9].map { Double(trailing.timesteps[$0]) })
        #expect(records[2].values == [0, 1, 9].map { Double(euler.sigmas[$0]) })
    }

    @Test("Without num_inference_steps, or on a scheduler without sigmas, the error says why")
    func errors() {
        let (_, d1) = TestSite.article("```scheduler plot\ny: timesteps\nscheduler: DDIM\n```\n")
        #expect(d1.first?.message == "'timesteps' needs 'num_inference_steps', the argument of set_timesteps")
        let (_, d2) = TestSite.article("```scheduler plot\ny: inference_sigmas\nscheduler: DDIM\nnum_inference_steps: 5\n```\n")
        #expect(d2.first?.message == "DDIMScheduler has no inference sigmas; use 'timesteps'")
    }

    @Test("A flow-matching scheduler can be defined: its inference sigmas are quantities, its missing ᾱ an error where it is used")
    func flowMatchingDefinition() throws {
        let definition = "```scheduler define\nname: sd3\nscheduler: FlowMatchEulerDiscrete\nshift: 3\nnum_inference_steps: 28\n```\n\n"
        let (page, diagnostics) = PageParser.parse(text: definition + "{value}`sd3.inference_sigmas[1] = 0.99`\n",
                                                   sourcePath: "f.md", displayPath: "content/f.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let scheduler = try FlowMatchEulerDiscreteScheduler(config: FlowMatchEulerDiscreteSchedulerConfiguration(values: ["shift": .double(3)]))
        try scheduler.setTimesteps(28)
        #expect(page.inlineValues.first?.computed == Double(scheduler.sigmas[1]))

        let (_, bad) = PageParser.parse(text: definition + "{value}`sd3.alpha_cumprod[1] = 0.99`\n", sourcePath: "f.md", displayPath: "content/f.md")
        #expect(bad.first?.description.hasPrefix("content/f.md:8:9: error: FlowMatchEulerDiscreteScheduler has no discrete ᾱ schedule") == true, "\(bad)")
    }
}
