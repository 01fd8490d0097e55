import Foundation
import Testing
@testable import DiffusionSchedulers

/// Issue 4's acceptance: with the exact Gaussian-mixture model, real schedulers against the exact
/// probability-flow ODE solution from the same start.
@Suite struct SamplerConvergenceTests {
    static let stepCounts = [10, 20, 40, 80]
    /// The same 256 starting points for every run (x_T ~ N(0, I), as a pipeline draws it). The
    /// slope is a property of the error averaged over starts; fewer points make it noisier
    /// (0.92–1.03 over seeds with 128 points, 0.97–1.03 with 256, 1.00–1.03 with 512).
    static let start = try! TorchGenerator(seed: 1).randn(shape: [256, 2])
    /// RK4 steps of the exact solution: its error is below 1e-5, under a thousandth of the smallest sampler error here.
    static let referenceSteps = 200

    @Test func ddimBeatsDDPMAtTenStepsAndConvergesAtFirstOrder() throws {
        let ddim = try Self.stepCounts.map { steps in
            try Toy.mixture2D.sampleDDIM(config: Toy.ddimConfig, steps: steps, start: Self.start).error(against: Toy.mixture2D, referenceSteps: Self.referenceSteps)
        }
        let ddpmRun = try Toy.mixture2D.sampleDDPM(
            config: Toy.ddpmConfig, steps: 10, start: Self.start, generator: TorchGenerator(seed: 7))
        let ddpm = try ddpmRun.error(against: Toy.mixture2D, referenceSteps: Self.referenceSteps)
        let slope = try SampleMetrics.convergenceSlope(steps: Self.stepCounts, errors: ddim)
        print("DDIM errors at \(Self.stepCounts) steps: \(ddim), slope \(slope); DDPM(10) error \(ddpm)")
        #expect(ddim[0] < ddpm)
        #expect(slope >= 0.9)
        #expect(zip(ddim, ddim.dropFirst()).allSatisfy { $0 > $1 }, "more steps, smaller error")
    }

    @Test func runsRecordTheirPathAndLevels() throws {
        let run = try Toy.mixture2D.sampleDDIM(config: Toy.ddimConfig, steps: 10, start: Self.start)
        #expect(run.timesteps == [900, 800, 700, 600, 500, 400, 300, 200, 100, 0])
        #expect(run.states.count == 11 && run.states[0] == Self.start)
        #expect(try run.startLevel == NoiseLevel.variancePreserving(alphaCumprod: Double(NoiseSchedule().alphasCumprod[900])))
        #expect(run.endLevel == Toy.clean)
        var unaligned = Toy.ddimConfig
        unaligned.setAlphaToOne = false
        let short = try Toy.mixture2D.sampleDDIM(config: unaligned, steps: 10, start: Self.start)
        #expect(short.endLevel.sigma > 0)
        #expect(throws: SchedulerError.self) {
            _ = try Toy.mixture2D.sampleDDIM(config: Toy.ddimConfig, steps: 10, start: Tensor(repeating: 0, shape: [4, 3]))
        }
    }
}
