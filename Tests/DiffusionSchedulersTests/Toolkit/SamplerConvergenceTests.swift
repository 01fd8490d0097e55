import Foundation
import Testing
@testable import DiffusionSchedulers

/// Issue 4's acceptance: with the exact Gaussian-mixture model, real schedulers against the exact
/// probability-flow ODE solution from the same start.
@Suite struct SamplerConvergenceTests {
    static let stepCounts = [10, 20, 40, 80]
    /// The same 256 starting points for every run (x_T ~ N(0, I), as a pipeline draws it). The
    /// slope is a property of the error averaged over starts; fewer points make it noisier
    /// (DDIM: 0.92–1.03 over seeds with 128 points, 0.97–1.03 with 256, 1.00–1.03 with 512).
    static let start = try! TorchGenerator(seed: 1).randn(shape: [256, 2])
    /// RK4 steps of the exact solution: its error is below 1e-5 (see ProbabilityFlowReferenceTests),
    /// under a fiftieth of the smallest sampler error here.
    static let referenceSteps = 200

    /// The error of a run against the exact solution; solutions are shared between runs with the same levels.
    final class Errors {
        var solutions: [String: Tensor] = [:]

        func of(_ run: SamplingRun) throws -> Double {
            let key = "\(run.startLevel) → \(run.endLevel)"
            if solutions[key] == nil {
                solutions[key] = try run.exactSolution(Toy.mixture2D, referenceSteps: SamplerConvergenceTests.referenceSteps)
            }
            return try SampleMetrics.meanDistance(run.samples, solutions[key]!)
        }

        func of(steps: [Int], _ make: () throws -> any DiffusionScheduler) throws -> [Double] {
            try steps.map { try of(Toy.mixture2D.sample(scheduler: make(), steps: $0, start: SamplerConvergenceTests.start)) }
        }
    }

    static func dpmSolver(_ configure: (inout DPMSolverMultistepSchedulerConfiguration) -> Void = { _ in })
        throws -> DPMSolverMultistepScheduler
    {
        var config = DPMSolverMultistepSchedulerConfiguration()
        configure(&config)
        return try DPMSolverMultistepScheduler(config: config)
    }

    @Test func dpmSolverBeatsDDIMBeatsDDPMAndEachConvergesAtItsOrder() throws {
        let errors = Errors()
        let ddim = try errors.of(steps: Self.stepCounts) { try DDIMScheduler(config: Toy.ddimConfig) }
        let ddpm = try errors.of(
            Toy.mixture2D.sample(
                scheduler: DDPMScheduler(config: Toy.ddpmConfig), steps: 10, start: Self.start,
                generator: TorchGenerator(seed: 7)))
        // DPM-Solver++ 2M (diffusers' defaults: solver_order 2, dpmsolver++, midpoint, linspace timesteps,
        // lower_order_final, final sigma 0).
        let dpmDefault = try errors.of(steps: Self.stepCounts) { try Self.dpmSolver() }
        // The same solver on steps of equal length in λ = log(α/σ) (use_lu_lambdas), the spacing its
        // order is stated for: with linspace timesteps the last step, from t ≈ T/n straight to σ = 0,
        // is first order by design and dominates the error on this mixture.
        let dpmUniformLambda = try errors.of(steps: Self.stepCounts) { try Self.dpmSolver { $0.useLuLambdas = true } }
        // First-order DPM-Solver++ (DDIM in λ) on the same spacing: the slope test tells the orders apart.
        let firstOrderUniformLambda = try errors.of(steps: Self.stepCounts) {
            try Self.dpmSolver { $0.useLuLambdas = true; $0.solverOrder = 1 }
        }

        let slope = { (e: [Double]) in try SampleMetrics.convergenceSlope(steps: Self.stepCounts, errors: e) }
        let report = [
            ("DDIM", ddim), ("DPM-Solver++ 2M", dpmDefault), ("DPM-Solver++ 2M, uniform λ", dpmUniformLambda),
            ("DPM-Solver++ 1, uniform λ", firstOrderUniformLambda),
        ].map { name, e in "\(name): errors \(e.map { String(format: "%.4g", $0) }) slope \(String(format: "%.3f", try! slope(e)))" }
        print((report + ["DDPM (10 steps): error \(String(format: "%.4g", ddpm))"]).joined(separator: "\n"))

        // The ordering at 10 steps.
        #expect(dpmDefault[0] < ddim[0])
        #expect(dpmUniformLambda[0] < ddim[0])
        #expect(ddim[0] < ddpm)
        // The orders, from 10 to 80 steps.
        #expect(try slope(ddim) >= 0.9)
        #expect(try slope(dpmUniformLambda) >= 1.7)
        let firstOrder = try slope(firstOrderUniformLambda)
        #expect(firstOrder >= 0.8 && firstOrder <= 1.3)
        for e in [ddim, dpmDefault, dpmUniformLambda, firstOrderUniformLambda] {
            #expect(zip(e, e.dropFirst()).allSatisfy { $0 > $1 }, "more steps, smaller error")
        }
    }

    @Test func runsRecordTheirPathAndLevels() throws {
        let run = try Toy.mixture2D.sampleDDIM(config: Toy.ddimConfig, steps: 10, start: Self.start)
        #expect(run.timesteps == [900, 800, 700, 600, 500, 400, 300, 200, 100, 0])
        #expect(run.states.count == 11 && run.states[0] == Self.start)
        #expect(try run.startLevel == NoiseLevel.variancePreserving(alphaCumprod: Double(NoiseSchedule().alphasCumprod[900])))
        #expect(run.endLevel == Toy.clean)
        // The same run through the shared scheduler interface.
        let generic = try Toy.mixture2D.sample(scheduler: DDIMScheduler(config: Toy.ddimConfig), steps: 10, start: Self.start)
        #expect(generic.states == run.states && generic.startLevel == run.startLevel && generic.endLevel == run.endLevel)
        var unaligned = Toy.ddimConfig
        unaligned.setAlphaToOne = false
        let short = try Toy.mixture2D.sampleDDIM(config: unaligned, steps: 10, start: Self.start)
        #expect(short.endLevel.sigma > 0)
        // DPM-Solver starts at timestep 999 and, with final sigma 0, ends on the data.
        let dpm = try Toy.mixture2D.sample(scheduler: Self.dpmSolver(), steps: 10, start: Self.start)
        #expect(dpm.timesteps.first == 999 && dpm.endLevel == Toy.clean)
        #expect(try abs(dpm.startLevel.alpha - NoiseLevel.variancePreserving(alphaCumprod: Double(NoiseSchedule().alphasCumprod[999])).alpha) < 1e-9)
        #expect(throws: SchedulerError.self) {
            _ = try Toy.mixture2D.sampleDDIM(config: Toy.ddimConfig, steps: 10, start: Tensor(repeating: 0, shape: [4, 3]))
        }
        #expect(throws: SchedulerError.self) {
            // v_prediction gives no x₀ on flow-sigma levels.
            _ = try Toy.mixture2D.sample(
                scheduler: Self.dpmSolver { $0.useFlowSigmas = true; $0.predictionType = .vPrediction }, steps: 10,
                start: Self.start)
        }
    }
}
