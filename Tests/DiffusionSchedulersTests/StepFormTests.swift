import Testing
@testable import DiffusionSchedulers

/// The step forms (returning, `into:`, in place with and without x₀) compute the same bits.
@Suite struct StepFormTests {
    @Test(arguments: Fixtures.steps)
    func everyFormGivesTheSameBits(_ fixture: StepCase) throws {
        let forms = try (0..<4).map { form in
            let scheduler = try TestScheduler(
                name: fixture.scheduler, config: fixture.config, steps: fixture.num_inference_steps)
            let generator = TorchGenerator(seed: fixture.seed)
            return try fixture.steps.map { expected -> [UInt32] in
                let sample = dummySampleDeter()
                let m = dummyModel(sample, expected.timestep, learned: scheduler.learned)
                let eta = fixture.eta ?? 0, clipped = fixture.use_clipped_model_output ?? false
                switch form {
                case 0:
                    let out = try scheduler.step(m, expected.timestep, sample, eta: eta, clipped: clipped, generator: generator)
                    return (out.prevSample.scalars + out.predOriginalSample.scalars).map(\.bitPattern)
                case 1:
                    var out = SchedulerOutput(prevSample: m, predOriginalSample: m)  // storage of another shape
                    try scheduler.step(m, expected.timestep, sample, eta: eta, clipped: clipped, generator: generator, into: &out)
                    return (out.prevSample.scalars + out.predOriginalSample.scalars).map(\.bitPattern)
                case 2:
                    var x = sample
                    var x0 = try Tensor(repeating: .nan, shape: [2])
                    try scheduler.stepInPlace(
                        m, expected.timestep, &x, eta: eta, clipped: clipped, generator: generator, original: &x0)
                    return (x.scalars + x0.scalars).map(\.bitPattern)
                default:
                    var x = sample
                    try scheduler.stepInPlace(m, expected.timestep, &x, eta: eta, clipped: clipped, generator: generator)
                    // x₀ is not kept in this form: only x_{t−1} to compare.
                    return x.scalars.map(\.bitPattern)
                }
            }
        }
        for (index, expected) in fixture.steps.enumerated() {
            let returning = forms[0][index]
            #expect(forms[1][index] == returning, "into: at t=\(expected.timestep)")
            #expect(forms[2][index] == returning, "in place with x0 at t=\(expected.timestep)")
            #expect(forms[3][index] == Array(returning.prefix(returning.count / 2)), "in place at t=\(expected.timestep)")
        }
    }

    @Test(arguments: Fixtures.loops)
    func inPlaceLoopsMatchDiffusers(_ fixture: LoopCase) throws {
        let scheduler = try TestScheduler(name: fixture.scheduler, config: fixture.config, steps: fixture.num_inference_steps)
        let generator = TorchGenerator(seed: fixture.seed)
        var sample = dummySampleDeter()
        for t in scheduler.timesteps {
            let m = dummyModel(sample, t, learned: scheduler.learned)
            try scheduler.stepInPlace(m, t, &sample, eta: fixture.eta ?? 0, clipped: false, generator: generator)
        }
        #expect(relativeError(sample, fixture.result) <= 1e-5)
        // Same bits as the returning form, whose loop parity LoopParityTests checks.
        let reference = try TestScheduler(name: fixture.scheduler, config: fixture.config, steps: fixture.num_inference_steps)
        let referenceGenerator = TorchGenerator(seed: fixture.seed)
        var x = dummySampleDeter()
        for t in reference.timesteps {
            let m = dummyModel(x, t, learned: reference.learned)
            x = try reference.step(m, t, x, eta: fixture.eta ?? 0, clipped: false, generator: referenceGenerator).prevSample
        }
        #expect(sample.scalars.map(\.bitPattern) == x.scalars.map(\.bitPattern))
    }

    @Test func varianceNoiseIsTheGeneratorsNoise() throws {
        // DDIM with eta > 0: passing randn(shape) as varianceNoise equals drawing it, in every form.
        var config = DDIMSchedulerConfiguration()
        config.clipSample = false
        let scheduler = try DDIMScheduler(config: config)
        try scheduler.setTimesteps(10)
        let sample = dummySampleDeter()
        let m = dummyModel(sample, 500, learned: nil)
        let drawn = try scheduler.step(
            modelOutput: m, timestep: 500, sample: sample, eta: 0.7, generator: TorchGenerator(seed: 3))
        let noise = try TorchGenerator(seed: 3).randn(shape: sample.shape)
        let given = try scheduler.step(modelOutput: m, timestep: 500, sample: sample, eta: 0.7, varianceNoise: noise)
        var inPlace = sample
        var x0 = sample
        try scheduler.step(
            modelOutput: m, timestep: 500, sample: &inPlace, eta: 0.7, varianceNoise: noise, predOriginalSample: &x0)
        #expect(given == drawn)
        #expect(inPlace == drawn.prevSample && x0 == drawn.predOriginalSample)
    }

    @Test func modelOutputSharingTheSamplesStorageIsNotOverwritten() throws {
        // step(modelOutput: x, sample: &x): the in-place write must not change the model output it reads.
        let scheduler = try DDIMScheduler()
        try scheduler.setTimesteps(10)
        var x = dummySampleDeter()
        let expected = try scheduler.step(modelOutput: x, timestep: 900, sample: x)
        try scheduler.step(modelOutput: x, timestep: 900, sample: &x)
        #expect(x == expected.prevSample)
    }
}

extension TestScheduler {
    func stepInPlace(
        _ m: Tensor, _ t: Int, _ x: inout Tensor, eta: Double, clipped: Bool, generator: TorchGenerator,
        original: inout Tensor
    ) throws {
        switch self {
        case .ddpm(let s):
            try s.step(modelOutput: m, timestep: t, sample: &x, generator: generator, predOriginalSample: &original)
        case .ddim(let s):
            try s.step(
                modelOutput: m, timestep: t, sample: &x, eta: eta, useClippedModelOutput: clipped, generator: generator,
                predOriginalSample: &original)
        }
    }

    func stepInPlace(_ m: Tensor, _ t: Int, _ x: inout Tensor, eta: Double, clipped: Bool, generator: TorchGenerator) throws {
        switch self {
        case .ddpm(let s): try s.step(modelOutput: m, timestep: t, sample: &x, generator: generator)
        case .ddim(let s):
            try s.step(modelOutput: m, timestep: t, sample: &x, eta: eta, useClippedModelOutput: clipped, generator: generator)
        }
    }
}
