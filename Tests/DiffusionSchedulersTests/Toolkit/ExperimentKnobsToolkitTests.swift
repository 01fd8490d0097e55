import Foundation
import Testing
@testable import DiffusionSchedulers

/// The toolkit behind the experiment's knobs: guidance, η, churn, img2img and the per-step errors.
@Suite("Toolkit experiment knobs")
struct ExperimentKnobsToolkitTests {
    /// Stable Diffusion's training schedule.
    static let sd: [String: ConfigValue] = [
        "beta_schedule": .string("scaled_linear"), "beta_start": .double(0.00085), "beta_end": .double(0.012),
    ]

    static func make(_ name: String, _ extra: [String: ConfigValue] = [:]) throws -> any DiffusionScheduler {
        try SchedulerFactory.make(className: name, config: sd.merging(extra) { $1 })
    }

    static let start = try! TorchGenerator(seed: 1).randn(shape: [64, 2])

    /// The largest element difference relative to the largest element.
    static func relativeDifference(_ a: Tensor, _ b: Tensor) -> Double {
        let scale = b.scalars.map { abs(Double($0)) }.max() ?? 1
        return zip(a.scalars, b.scalars).map { abs(Double($0) - Double($1)) }.max()! / scale
    }

    @Test("The guided model is u + w·(c − u) of the exact unconditional and class-conditional models")
    func guidedModel() throws {
        let m = Toy.mixture2D
        let conditional = try GaussianMixture(components: [m.components[1], m.components[2]])
        let level = try NoiseLevel.variancePreserving(alphaCumprod: 0.3)
        let points = try m.points(of: Self.start, key: "x")
        for target in [DenoiserTarget.epsilon, .sample, .vPrediction] {
            let u = try m.predict(target, points: points, level: level), c = try conditional.predict(target, points: points, level: level)
            for w in [0.0, 1.0, 7.5] {
                let guided = try GuidedGaussianMixture(mixture: m, classes: [0, 1, 1], guidedClass: 1, scale: w)
                let g = try guided.predict(target, points: points, level: level)
                let expected = zip(u, c).map { $0 + w * ($1 - $0) }
                #expect(zip(g, expected).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
            }
        }
        #expect(throws: SchedulerError.self) { try GuidedGaussianMixture(mixture: m, classes: [0, 1], guidedClass: 1, scale: 7.5) }
        #expect(throws: SchedulerError.self) { try GuidedGaussianMixture(mixture: m, classes: [0, 1, 1], guidedClass: 2, scale: 7.5) }
    }

    @Test("The guided reference ODE is converged: 400 and 1600 RK4 steps give the same error to float32 digits")
    func guidedReferenceConverges() throws {
        let guided = try GuidedGaussianMixture(mixture: Toy.mixture2D, classes: [0, 1, 1], guidedClass: 1, scale: 7.5)
        let run = try guided.sample(scheduler: Self.make("DPMSolverMultistepScheduler"), steps: 20, start: Self.start)
        let coarse = try run.exactSolution(guided), fine = try run.exactSolution(guided, referenceSteps: 1600)
        #expect(Self.relativeDifference(coarse, fine) < 1e-6)
        #expect(try run.error(against: guided) > 1e-3)
    }

    @Test("DDIM ≡ EulerDiscrete (leading, steps_offset 1) and DDIM ≡ DPM-Solver++ order 1 (trailing): the same samples to float32 rounding")
    func firstOrderSolversAgree() throws {
        let m = Toy.mixture2D
        let leading: [String: ConfigValue] = ["timestep_spacing": .string("leading"), "steps_offset": .int(1)]
        let trailing: [String: ConfigValue] = ["timestep_spacing": .string("trailing")]
        let noClip: [String: ConfigValue] = ["clip_sample": .bool(false)]
        for n in [10, 20] {
            let ddim = try m.sample(scheduler: Self.make("DDIMScheduler", leading.merging(noClip) { $1 }), steps: n, start: Self.start)
            let euler = try m.sample(scheduler: Self.make("EulerDiscreteScheduler", leading), steps: n, start: Self.start)
            #expect(ddim.timesteps == euler.timesteps)
            #expect(Self.relativeDifference(euler.samples, ddim.samples) < 1e-5, "n = \(n)")
            let ddimTrailing = try m.sample(scheduler: Self.make("DDIMScheduler", trailing.merging(noClip) { $1 }), steps: n, start: Self.start)
            let dpm = try m.sample(scheduler: Self.make("DPMSolverMultistepScheduler", trailing.merging(["solver_order": .int(1)]) { $1 }),
                                   steps: n, start: Self.start)
            #expect(ddimTrailing.timesteps == dpm.timesteps)
            #expect(Self.relativeDifference(dpm.samples, ddimTrailing.samples) < 1e-5, "n = \(n)")
            // Why no single configuration gives all three: DPM-Solver's 'leading' divides by n + 1,
            // so its timesteps are not DDIM's.
            let dpmLeading = try m.sample(scheduler: Self.make("DPMSolverMultistepScheduler", leading.merging(["solver_order": .int(1)]) { $1 }),
                                          steps: n, start: Self.start)
            #expect(dpmLeading.timesteps != ddim.timesteps)
        }
    }

    @Test("η: 0, 0.5 and 1 give different samples; η = 1 with DDPM's generator draws is DDPM, sample for sample")
    func eta() throws {
        let m = Toy.mixture2D
        let noClip: [String: ConfigValue] = ["clip_sample": .bool(false)]
        let ddpm = try m.sample(scheduler: Self.make("DDPMScheduler", noClip), steps: 10, start: Self.start, generator: TorchGenerator(seed: 5))
        var runs: [Tensor] = []
        for eta in [0.0, 0.5, 1.0] {
            var options = SamplingOptions()
            options.eta = eta
            runs.append(try m.sample(scheduler: Self.make("DDIMScheduler", noClip), steps: 10, start: Self.start,
                                     generator: TorchGenerator(seed: 5), options: options).samples)
        }
        #expect(try SampleMetrics.meanDistance(runs[0], runs[1]) > 0.01)
        #expect(try SampleMetrics.meanDistance(runs[1], runs[2]) > 0.01)
        #expect(try SampleMetrics.meanDistance(runs[2], ddpm.samples) < 1e-5)
        #expect(try SampleMetrics.meanDistance(runs[0], ddpm.samples) > 0.05)
        var options = SamplingOptions()
        options.eta = 0.5
        #expect(throws: SchedulerError(key: "eta", message: "eta is an argument of DDIMScheduler.step, not of EulerDiscreteScheduler.step")) {
            try m.sample(scheduler: Self.make("EulerDiscreteScheduler"), steps: 10, start: Self.start, options: options)
        }
    }

    @Test("Euler's churn reaches step: s_churn > 0 changes the samples, and other schedulers refuse it")
    func churn() throws {
        let m = Toy.mixture2D
        let plain = try m.sample(scheduler: Self.make("EulerDiscreteScheduler"), steps: 10, start: Self.start)
        var options = SamplingOptions()
        options.sChurn = 40
        let churned = try m.sample(scheduler: Self.make("EulerDiscreteScheduler"), steps: 10, start: Self.start,
                                   generator: TorchGenerator(seed: 3), options: options)
        #expect(try SampleMetrics.meanDistance(plain.samples, churned.samples) > 0.01)
        #expect(throws: SchedulerError.self) {
            try m.sample(scheduler: Self.make("DDIMScheduler"), steps: 10, start: Self.start, options: options)
        }
    }

    @Test("img2img: strength keeps the last ⌊n·strength⌋ steps, sets the begin index and starts from noised data")
    func strength() throws {
        let m = Toy.mixture2D
        let data = try m.sample(count: 64, generator: TorchGenerator(seed: 11))
        var options = SamplingOptions()
        options.strength = 0.5
        options.originalSamples = data
        let scheduler = try Self.make("DPMSolverMultistepScheduler")
        let full = try m.sample(scheduler: Self.make("DPMSolverMultistepScheduler"), steps: 20, start: Self.start)
        let run = try m.sample(scheduler: scheduler, steps: 20, start: Self.start, options: options)
        #expect(run.timesteps == Array(full.timesteps.suffix(10)))
        #expect((scheduler as? DPMSolverMultistepScheduler)?.beginIndex == 10)
        let level = run.startLevel
        let expected = zip(data.scalars, Self.start.scalars).map { Float(level.alpha * Double($0) + level.sigma * Double($1)) }
        #expect(run.start.scalars == expected)
        #expect(level == full.levels[10])
        // The reference starts where the run starts: the error is the solver's over the kept steps.
        #expect(try run.exactSolution(m).shape == run.samples.shape)
        let error = try run.error(against: m)
        #expect(error > 0 && error < 0.1)
        options.strength = 0.01
        #expect(throws: SchedulerError.self) { try m.sample(scheduler: Self.make("DDIMScheduler"), steps: 20, start: Self.start, options: options) }
    }

    @Test("Per-step errors telescope: the shares add up to 1, the final error is the run's own, and Heun's call pairs are one step")
    func stepErrorsTelescope() throws {
        let m = Toy.mixture2D
        let run = try m.sample(scheduler: Self.make("DPMSolverMultistepScheduler"), steps: 12, start: Self.start)
        let steps = try run.stepErrors(m)
        #expect(steps.local.count == 12 && steps.shares.count == 12)
        #expect(abs(steps.shares.reduce(0, +) - 1) < 1e-9)
        #expect(abs(steps.finalError - (try run.error(against: m))) < 1e-6)
        #expect(steps.local.allSatisfy { $0 >= 0 })
        // Heun's predictor and corrector calls make one step of the schedule: 6 steps, 11 model calls.
        let heun = try m.sample(scheduler: Self.make("HeunDiscreteScheduler"), steps: 6, start: Self.start)
        #expect(heun.timesteps.count == 11)
        let heunSteps = try heun.stepErrors(m)
        #expect(heunSteps.local.count == 6)
        #expect(abs(heunSteps.shares.reduce(0, +) - 1) < 1e-9)
    }
}
