import Foundation
import Testing
@testable import DiffusionSchedulers

/// Schedules and timesteps: bit-identical to diffusers.
@Suite struct ScheduleParityTests {
    @Test(arguments: Fixtures.schedules)
    func scheduleIsBitIdentical(_ fixture: ScheduleFixture) throws {
        let config = try DDPMSchedulerConfiguration(values: fixture.config)
        let scheduler = try DDPMScheduler(config: config)
        let sqrtSensitive = config.rescaleBetasZeroSnr
        // Zero-SNR rescaling takes square roots, which torch computes with MKL (see TorchNumerics.sqrt).
        try #require(scheduler.betas.count == floatsFromHex(fixture.betas).count)
        let pairs: [(String, [Float], [Float])] = [
            ("betas", scheduler.betas, floatsFromHex(fixture.betas)),
            ("alphas", scheduler.alphas, floatsFromHex(fixture.alphas)),
            ("alphas_cumprod", scheduler.alphasCumprod, floatsFromHex(fixture.alphas_cumprod)),
        ]
        for (name, got, want) in pairs {
            let mismatches = zip(got, want).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
            #expect(mismatches.isEmpty, "\(name): \(mismatches.count) of \(want.count) differ, first at \(mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
            _ = sqrtSensitive
        }
    }

    @Test func timestepsAreIdenticalForEverySpacingStepCountAndOffset() throws {
        var checked = 0
        for fixture in Fixtures.timesteps {
            var config = DDPMSchedulerConfiguration()
            config.numTrainTimesteps = fixture.num_train_timesteps
            config.timestepSpacing = try #require(TimestepSpacing(rawValue: fixture.timestep_spacing))
            config.stepsOffset = fixture.steps_offset
            let got: [Int]
            if fixture.scheduler == "DDPMScheduler" {
                let s = try DDPMScheduler(config: config)
                try s.setTimesteps(fixture.num_inference_steps)
                got = s.timesteps
            } else {
                var ddim = DDIMSchedulerConfiguration()
                ddim.numTrainTimesteps = config.numTrainTimesteps
                ddim.timestepSpacing = config.timestepSpacing
                ddim.stepsOffset = config.stepsOffset
                let s = try DDIMScheduler(config: ddim)
                try s.setTimesteps(fixture.num_inference_steps)
                got = s.timesteps
            }
            #expect(got == fixture.timesteps, "\(fixture)")
            checked += 1
        }
        #expect(checked > 500)
    }
}

/// Builds the scheduler of a fixture case from its diffusers config dictionary.
enum TestScheduler {
    case ddpm(DDPMScheduler)
    case ddim(DDIMScheduler)

    init(name: String, config: [String: ConfigValue], steps: Int?) throws {
        switch name {
        case "DDPMScheduler": self = .ddpm(try DDPMScheduler(config: DDPMSchedulerConfiguration(values: config)))
        case "DDIMScheduler": self = .ddim(try DDIMScheduler(config: DDIMSchedulerConfiguration(values: config)))
        default: throw SchedulerError(key: "_class_name", message: "unknown scheduler \(name)")
        }
        if let steps {
            switch self {
            case .ddpm(let s): try s.setTimesteps(steps)
            case .ddim(let s): try s.setTimesteps(steps)
            }
        }
    }

    var timesteps: [Int] {
        switch self {
        case .ddpm(let s): s.timesteps
        case .ddim(let s): s.timesteps
        }
    }

    var learned: String? {
        switch self {
        case .ddpm(let s): s.config.varianceType.rawValue
        case .ddim: nil
        }
    }

    func step(_ m: Tensor, _ t: Int, _ x: Tensor, eta: Double, clipped: Bool, generator: TorchGenerator) throws -> SchedulerOutput {
        switch self {
        case .ddpm(let s): try s.step(modelOutput: m, timestep: t, sample: x, generator: generator)
        case .ddim(let s):
            try s.step(modelOutput: m, timestep: t, sample: x, eta: eta, useClippedModelOutput: clipped, generator: generator)
        }
    }
}

/// Single steps over the configuration grid: ≤ 1e-6 relative to diffusers.
@Suite struct StepParityTests {
    @Test(arguments: Fixtures.steps)
    func singleStepsMatchDiffusers(_ fixture: StepCase) throws {
        let scheduler = try TestScheduler(name: fixture.scheduler, config: fixture.config, steps: fixture.num_inference_steps)
        let generator = TorchGenerator(seed: fixture.seed)
        let sample = dummySampleDeter()
        for expected in fixture.steps {
            let m = dummyModel(sample, expected.timestep, learned: scheduler.learned)
            let out = try scheduler.step(
                m, expected.timestep, sample, eta: fixture.eta ?? 0, clipped: fixture.use_clipped_model_output ?? false,
                generator: generator)
            let prevError = relativeError(out.prevSample, expected.prev_sample)
            let originalError = relativeError(out.predOriginalSample, expected.pred_original_sample)
            #expect(prevError <= 1e-6, "prev_sample at t=\(expected.timestep): \(prevError)")
            #expect(originalError <= 1e-6, "pred_original_sample at t=\(expected.timestep): \(originalError)")
            ParityReport.shared.record(
                "step", error: max(prevError, originalError),
                bitExact: fnv1a64(out.prevSample.scalars) == expected.prev_sample.fnv1a
                    && fnv1a64(out.predOriginalSample.scalars) == expected.pred_original_sample.fnv1a)
        }
    }

    @Test func gridCoversAtLeastTwoHundredConfigurations() {
        #expect(Fixtures.steps.count >= 200)
        #expect(Set(Fixtures.steps.map(\.testDescription)).count == Fixtures.steps.count)
    }
}

/// Chained sampling loops (deterministic and seeded stochastic): ≤ 1e-5 relative to diffusers.
@Suite struct LoopParityTests {
    @Test(arguments: Fixtures.loops)
    func fullLoopMatchesDiffusers(_ fixture: LoopCase) throws {
        let scheduler = try TestScheduler(name: fixture.scheduler, config: fixture.config, steps: fixture.num_inference_steps)
        let generator = TorchGenerator(seed: fixture.seed)
        var sample = dummySampleDeter()
        for t in scheduler.timesteps {
            let m = dummyModel(sample, t, learned: scheduler.learned)
            sample = try scheduler.step(m, t, sample, eta: fixture.eta ?? 0, clipped: false, generator: generator).prevSample
        }
        let error = relativeError(sample, fixture.result)
        #expect(error <= 1e-5, "\(fixture.name): \(error)")
        ParityReport.shared.record("loop", error: error, bitExact: fnv1a64(sample.scalars) == fixture.result.fnv1a)
    }
}

/// Collects the measured parity figures and prints them once, for the report.
final class ParityReport: @unchecked Sendable {
    static let shared = ParityReport()
    private let lock = NSLock()
    private var worst: [String: Double] = [:]
    private var counts: [String: (total: Int, exact: Int)] = [:]

    func record(_ kind: String, error: Double, bitExact: Bool) {
        lock.lock()
        defer { lock.unlock() }
        worst[kind] = max(worst[kind] ?? 0, error)
        let c = counts[kind] ?? (0, 0)
        counts[kind] = (c.total + 1, c.exact + (bitExact ? 1 : 0))
        if ProcessInfo.processInfo.environment["PARITY_REPORT"] != nil {
            print("parity \(kind): n=\(counts[kind]!.total) bit-exact=\(counts[kind]!.exact) max-rel-err=\(worst[kind]!)")
        }
    }
}
