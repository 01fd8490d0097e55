import Foundation
import Testing
@testable import DiffusionSchedulers

/// Exact sampling runs on flow-matching levels x = (1 − σ)·x₀ + σ·ε: DPM-Solver and UniPC with
/// `use_flow_sigmas`, flow-matching Euler with `invert_sigmas`, and `use_dynamic_shifting` with μ passed
/// through the run. Each converges to the exact probability-flow solution from the same start.
@Suite struct FlowRunsTests {
    static let stepCounts = SchedulerRunsTests.stepCounts
    static let start = SchedulerRunsTests.start

    static func errors(mu: Double? = nil, _ make: () throws -> any DiffusionScheduler) throws -> [Double] {
        try stepCounts.map { steps in
            try Toy.mixture2D.sample(scheduler: make(), steps: steps, start: start, mu: mu)
                .error(against: Toy.mixture2D, referenceSteps: 200)
        }
    }

    static func report(_ runs: [(String, [Double])]) {
        print(runs.map { name, e in
            "\(name): errors \(e.map { String(format: "%.4g", $0) }) slope \(String(format: "%.3f", try! SchedulerRunsTests.slope(e)))"
        }.joined(separator: "\n"))
    }

    static func flowUniPC(shift: Double = 1, dynamic: Bool = false) throws -> UniPCMultistepScheduler {
        var c = UniPCMultistepSchedulerConfiguration()
        c.useFlowSigmas = true
        c.flowShift = shift
        c.useDynamicShifting = dynamic
        c.predictionType = .flowPrediction
        return try UniPCMultistepScheduler(config: c)
    }

    static func flowDPM(order: Int = 2, prediction: SolverPredictionType = .flowPrediction) throws -> DPMSolverMultistepScheduler {
        var c = DPMSolverMultistepSchedulerConfiguration()
        c.useFlowSigmas = true
        c.solverOrder = order
        c.predictionType = prediction
        return try DPMSolverMultistepScheduler(config: c)
    }

    static func flowMatch(_ configure: (inout FlowMatchEulerDiscreteSchedulerConfiguration) -> Void) throws
        -> FlowMatchEulerDiscreteScheduler
    {
        var c = FlowMatchEulerDiscreteSchedulerConfiguration()
        configure(&c)
        return try FlowMatchEulerDiscreteScheduler(config: c)
    }

    @Test func flowSigmaSolversConvergeToTheFlowMatchingSolutionAtTheirOrder() throws {
        let uniPC = try Self.errors { try Self.flowUniPC() }
        let dpm = try Self.errors { try Self.flowDPM() }
        let dpmEpsilon = try Self.errors { try Self.flowDPM(prediction: .epsilon) }
        let dpmFirstOrder = try Self.errors { try Self.flowDPM(order: 1) }
        let singlestep = try Self.errors {
            var c = DPMSolverSinglestepSchedulerConfiguration()
            c.useFlowSigmas = true
            c.predictionType = .flowPrediction
            return try DPMSolverSinglestepScheduler(config: c)
        }
        Self.report([
            ("UniPC, flow sigmas", uniPC), ("DPM-Solver++ 2M, flow sigmas", dpm), ("the same, epsilon", dpmEpsilon),
            ("DPM-Solver++ 1, flow sigmas", dpmFirstOrder), ("DPM-Solver singlestep, flow sigmas", singlestep),
        ])
        for e in [uniPC, dpm, dpmEpsilon, dpmFirstOrder, singlestep] { #expect(SchedulerRunsTests.falls(e)) }
        // First order (DDIM in λ on flow levels), and the higher orders below it at every step count.
        let first = try SchedulerRunsTests.slope(dpmFirstOrder)
        #expect(first >= 0.85 && first <= 1.3)
        for e in [uniPC, dpm, singlestep] { #expect(zip(e, dpmFirstOrder).allSatisfy { $0 < $1 }) }
        #expect(try SchedulerRunsTests.slope(uniPC) >= 1.8)
        #expect(try SchedulerRunsTests.slope(dpm) >= 1.7)
        #expect(try SchedulerRunsTests.slope(singlestep) >= 1.3)
        // ε on flow levels is the same solver: x₀ = (x − σ·ε)/α instead of x − σ·v; only rounding differs.
        for (a, b) in zip(dpmEpsilon, dpm) { #expect(abs(a - b) <= 1e-3 * b) }

        let run = try Toy.mixture2D.sample(scheduler: Self.flowUniPC(), steps: 10, start: Self.start)
        #expect(run.states[0] == Self.start)  // init_noise_sigma is 1 on flow sigmas
        #expect(run.startLevel.alpha + run.startLevel.sigma == 1 && run.startLevel.sigma > 0.99)
        #expect(run.endLevel == Toy.clean)
    }

    @Test func invertedSigmasRunTheSameODEFromNoiseToData() throws {
        for shift in [1.0, 3.0] {
            let inverted = try Self.errors { try Self.flowMatch { $0.shift = shift; $0.invertSigmas = true } }
            Self.report([("FlowMatchEuler, invert_sigmas, shift \(shift)", inverted)])
            #expect(SchedulerRunsTests.falls(inverted))
            let slope = try SchedulerRunsTests.slope(inverted)
            #expect(slope >= 0.85 && slope <= 1.3, "shift \(shift)")

            // s = 1 − σ rises from 0 to 1 and the model returns x₀ − ε: in exact arithmetic the same Euler
            // steps as the standard schedule, so the two runs agree to float32 rounding.
            for steps in [10, 40] {
                let s = try Self.flowMatch { $0.shift = shift; $0.invertSigmas = true }
                let run = try Toy.mixture2D.sample(scheduler: s, steps: steps, start: Self.start)
                #expect(s.sigmas.first! < 1e-6 && s.sigmas.last == 1)
                #expect(run.startLevel == NoiseLevel(uncheckedAlpha: 0, sigma: 1) && run.endLevel == Toy.clean)
                let standard = try Toy.mixture2D.sample(
                    scheduler: Self.flowMatch { $0.shift = shift }, steps: steps, start: Self.start)
                #expect(try SampleMetrics.meanDistance(run.samples, standard.samples) < 1e-5)
                #expect(try run.error(against: Toy.mixture2D, referenceSteps: 200) > 1e-3)  // far above that agreement
            }
        }
    }

    @Test func dynamicShiftingRunsTakeMuAndConverge() throws {
        let config = FlowMatchEulerDiscreteSchedulerConfiguration()
        let mu = config.mu(imageSeqLen: 1024)
        let flow = try Self.errors(mu: mu) { try Self.flowMatch { $0.useDynamicShifting = true } }
        let uniPC = try Self.errors(mu: mu) { try Self.flowUniPC(dynamic: true) }
        Self.report([("FlowMatchEuler, mu \(mu)", flow), ("UniPC, flow sigmas, mu \(mu)", uniPC)])
        #expect(SchedulerRunsTests.falls(flow) && SchedulerRunsTests.falls(uniPC))
        let slope = try SchedulerRunsTests.slope(flow)
        #expect(slope >= 0.85 && slope <= 1.3)
        #expect(zip(uniPC, flow).allSatisfy { $0 < $1 })
        #expect(try SchedulerRunsTests.slope(uniPC) >= 1.3)

        // The run uses μ: its schedule is the one set_timesteps(n, mu:) gives, and another μ gives another.
        let reference = try Self.flowMatch { $0.useDynamicShifting = true }
        try reference.setTimesteps(12, mu: mu)
        let run = try Toy.mixture2D.sample(
            scheduler: Self.flowMatch { $0.useDynamicShifting = true }, steps: 12, start: Self.start, mu: mu)
        #expect(run.timesteps == reference.timestepValues)
        let other = try Toy.mixture2D.sample(
            scheduler: Self.flowMatch { $0.useDynamicShifting = true }, steps: 12, start: Self.start, mu: 2 * mu)
        #expect(other.timesteps != run.timesteps && other.samples != run.samples)
    }

    @Test func missingOrMisplacedMuAndTargetsWithoutAnX0Throw() throws {
        let cases: [(String, () throws -> SamplingRun)] = [
            ("mu", { try Toy.mixture2D.sample(scheduler: Self.flowMatch { $0.useDynamicShifting = true }, steps: 4, start: Self.start) }),
            ("mu", { try Toy.mixture2D.sample(scheduler: Self.flowUniPC(dynamic: true), steps: 4, start: Self.start) }),
            ("mu", { try Toy.mixture2D.sample(scheduler: DDIMScheduler(config: Toy.ddimConfig), steps: 4, start: Self.start, mu: 1) }),
            ("prediction_type", { try Toy.mixture2D.sample(scheduler: Self.flowDPM(prediction: .vPrediction), steps: 4, start: Self.start) }),
            ("prediction_type", {
                var c = UniPCMultistepSchedulerConfiguration()
                c.predictionType = .flowPrediction
                return try Toy.mixture2D.sample(scheduler: UniPCMultistepScheduler(config: c), steps: 4, start: Self.start)
            }),
        ]
        for (key, run) in cases {
            do {
                _ = try run()
                Issue.record("no error; expected one naming \(key)")
            } catch let error as SchedulerError {
                #expect(error.key == key, "\(error)")
            }
        }
    }
}
