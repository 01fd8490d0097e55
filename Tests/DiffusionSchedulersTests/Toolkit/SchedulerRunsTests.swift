import Foundation
import Testing
@testable import DiffusionSchedulers

/// `sample(scheduler:…)` beyond DDPM, DDIM and DPM-Solver multistep: every other scheduler class against
/// the exact probability-flow ODE solution from the same start.
@Suite struct SchedulerRunsTests {
    static let stepCounts = [10, 20, 40]
    /// x_T ~ N(0, I) for 64 points, the same for every run.
    static let start = try! TorchGenerator(seed: 3).randn(shape: [64, 2])

    static func errors(_ make: () throws -> any DiffusionScheduler) throws -> [Double] {
        try stepCounts.map { steps in
            try Toy.mixture2D.sample(scheduler: make(), steps: steps, start: start)
                .error(against: Toy.mixture2D, referenceSteps: 200)
        }
    }

    static func slope(_ e: [Double]) throws -> Double {
        try SampleMetrics.convergenceSlope(steps: stepCounts, errors: e)
    }

    static func falls(_ e: [Double]) -> Bool { zip(e, e.dropFirst()).allSatisfy { $0 > $1 } }

    @Test func everyDeterministicSchedulerConvergesToTheProbabilityFlowSolution() throws {
        let ddim = try Self.errors { try DDIMScheduler(config: Toy.ddimConfig) }
        // diffusers' defaults. With linspace timesteps the solvers' last step, from t ≈ T/n straight
        // to σ = 0, is first order and dominates (as for DPM-Solver multistep in SamplerConvergenceTests),
        // so only Euler's and flow matching's orders show on them.
        let euler = try Self.errors { try EulerDiscreteScheduler() }
        let heun = try Self.errors { try HeunDiscreteScheduler() }
        let uniPC = try Self.errors { try UniPCMultistepScheduler() }
        let singlestep = try Self.errors { try DPMSolverSinglestepScheduler() }
        let flow = try Self.errors { try FlowMatchEulerDiscreteScheduler() }
        // Exponential sigmas (equal steps in log σ, i.e. in λ): the spacing the higher orders are stated for.
        let heunExp = try Self.errors {
            var c = HeunDiscreteSchedulerConfiguration(); c.useExponentialSigmas = true
            return try HeunDiscreteScheduler(config: c)
        }
        let uniPCExp = try Self.errors {
            var c = UniPCMultistepSchedulerConfiguration(); c.useExponentialSigmas = true
            return try UniPCMultistepScheduler(config: c)
        }
        let singlestepExp = try Self.errors {
            var c = DPMSolverSinglestepSchedulerConfiguration(); c.useExponentialSigmas = true
            return try DPMSolverSinglestepScheduler(config: c)
        }
        let runs = [
            ("DDIM", ddim), ("Euler", euler), ("Heun", heun), ("UniPC", uniPC), ("DPM-Solver singlestep", singlestep),
            ("FlowMatchEuler", flow), ("Heun, exponential sigmas", heunExp), ("UniPC, exponential sigmas", uniPCExp),
            ("DPM-Solver singlestep, exponential sigmas", singlestepExp),
        ]
        print(runs.map { name, e in
            "\(name): errors \(e.map { String(format: "%.4g", $0) }) slope \(String(format: "%.3f", try! Self.slope(e)))"
        }.joined(separator: "\n"))

        for (name, e) in runs { #expect(Self.falls(e), "\(name): more steps, smaller error") }
        // First order: Euler (VE) and flow-matching Euler.
        let eulerSlope = try Self.slope(euler), flowSlope = try Self.slope(flow)
        #expect(eulerSlope >= 0.85 && eulerSlope <= 1.3)
        #expect(flowSlope >= 0.85 && flowSlope <= 1.3)
        // Higher order: below DDIM at every step count, and steeper on exponential sigmas.
        for (name, e) in [("Heun", heun), ("Heun exp", heunExp), ("UniPC exp", uniPCExp), ("singlestep exp", singlestepExp)] {
            #expect(zip(e, ddim).allSatisfy { $0 < $1 }, "\(name) below DDIM")
        }
        #expect(uniPC[0] < ddim[0] && singlestep[0] < ddim[0])
        #expect(try Self.slope(heun) >= 1.5)
        #expect(try Self.slope(heunExp) >= 1.6)
        #expect(try Self.slope(uniPCExp) >= 2.5)
        #expect(try Self.slope(singlestepExp) >= 1.6)
    }

    @Test func varianceExplodingRunsStartAtInitNoiseSigmaAndEndInDataSpace() throws {
        let euler = try EulerDiscreteScheduler()
        let run = try Toy.mixture2D.sample(scheduler: euler, steps: 10, start: Self.start)
        let sigmaMax = euler.sigmas[0]
        #expect(euler.initNoiseSigma == sigmaMax)  // linspace spacing
        #expect(run.start == run.states[0] && run.start.scalars == Self.start.scalars.map { $0 * sigmaMax })
        #expect(run.startLevel == NoiseLevel(uncheckedAlpha: 1, sigma: Double(sigmaMax)))
        #expect(run.endLevel == Toy.clean && run.states.count == 11)

        // Heun: two model calls per step but the last, each state at the sigma it stepped to.
        let heun = try HeunDiscreteScheduler()
        let heunRun = try Toy.mixture2D.sample(scheduler: heun, steps: 10, start: Self.start)
        #expect(heunRun.timesteps.count == 19 && heunRun.states.count == 20)
        #expect(heunRun.timesteps[1] == heunRun.timesteps[2])
        #expect(heunRun.startLevel == NoiseLevel(uncheckedAlpha: 1, sigma: Double(heun.sigmas[0])) && heunRun.endLevel == Toy.clean)
        #expect(heunRun.start.scalars == Self.start.scalars.map { $0 * heun.initNoiseSigma })

        // Euler ancestral is stochastic: reproducible from the generator, and far from the ODE solution.
        let ancestral = { () throws -> SamplingRun in
            try Toy.mixture2D.sample(
                scheduler: EulerAncestralDiscreteScheduler(), steps: 20, start: Self.start, generator: TorchGenerator(seed: 5))
        }
        let a = try ancestral(), b = try ancestral()
        #expect(a.samples == b.samples && a.endLevel == Toy.clean)
        #expect(try a.error(against: Toy.mixture2D, referenceSteps: 200) > 5 * run.error(against: Toy.mixture2D, referenceSteps: 200))

        // Flow matching starts from pure noise (α = 0) and ends on the data.
        let flow = try Toy.mixture2D.sample(scheduler: FlowMatchEulerDiscreteScheduler(), steps: 10, start: Self.start)
        #expect(flow.startLevel == NoiseLevel(uncheckedAlpha: 0, sigma: 1) && flow.endLevel == Toy.clean)
        #expect(flow.start == Self.start)
    }

    @Test func unsupportedConfigurationsThrow() throws {
        #expect(throws: SchedulerError.self) {
            _ = try Toy.mixture2D.sample(scheduler: LCMScheduler(), steps: 4, start: Self.start)
        }
        // invert_sigmas, use_flow_sigmas and dynamic shifting run: see FlowRunsTests.
    }
}
