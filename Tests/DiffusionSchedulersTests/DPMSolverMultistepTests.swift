import Foundation
import Testing
@testable import DiffusionSchedulers

/// DPMSolverMultistepScheduler against diffusers 0.42.1.
@Suite struct DPMSolverMultistepParityTests {
    static let className = DPMSolverMultistepSchedulerConfiguration.className

    @Test(arguments: SolverFixtures.schedules(className))
    func timestepsAndSigmasAreBitIdentical(_ fixture: SolverScheduleCase) throws {
        try checkSchedule(fixture)
    }

    @Test(arguments: SolverFixtures.loops(className))
    func samplingLoopsMatchDiffusers(_ fixture: SolverLoopCase) throws {
        try checkLoop(fixture)
    }
}

/// DPMSolverMultistepScheduler configuration decoding, validation and API behaviour.
@Suite struct DPMSolverMultistepBehaviourTests {
    @Test func decodesADiffusersConfigWithInfinityAndRenamedOptions() throws {
        let json = """
            {"_class_name": "DPMSolverMultistepScheduler", "_diffusers_version": "0.21.0",
             "algorithm_type": "deis", "solver_type": "bh2", "lambda_min_clipped": -Infinity,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
             "use_karras_sigmas": true, "variance_type": null, "trained_betas": null}
            """
        let config = try DPMSolverMultistepSchedulerConfiguration(json: Data(json.utf8))
        #expect(config.algorithmType == .dpmsolverPlusPlus)
        #expect(config.solverType == .midpoint)
        #expect(config.lambdaMinClipped == -.infinity)
        #expect(config.useKarrasSigmas)
        let again = try DPMSolverMultistepSchedulerConfiguration(json: try config.jsonData())
        #expect(again == config)
    }

    @Test func rejectsBadOptionsNamingTheKey() throws {
        func error(_ values: [String: ConfigValue]) -> SchedulerError? {
            do {
                _ = try DPMSolverMultistepScheduler(config: DPMSolverMultistepSchedulerConfiguration(values: values))
                return nil
            } catch { return error }
        }
        #expect(error(["algorithm_type": "dpmsolver+++"])?.suggestion == "dpmsolver++")
        #expect(error(["solver_ordr": 2])?.suggestion == "solver_order")
        #expect(error(["solver_order": 4])?.key == "solver_order")
        #expect(error(["beta_schedule": "sigmoid"])?.key == "beta_schedule")
        #expect(error(["use_karras_sigmas": true, "use_exponential_sigmas": true])?.key == "use_exponential_sigmas")
        #expect(error(["algorithm_type": "dpmsolver"])?.key == "final_sigmas_type")
        #expect(error(["algorithm_type": "dpmsolver", "final_sigmas_type": "sigma_min"]) == nil)
        #expect(error(["prediction_type": "flow"])?.key == "prediction_type")
        #expect(error(["lambda_min_clipped": "minus infinity"])?.key == "lambda_min_clipped")
    }

    @Test func stepBeforeSetTimestepsAndPastTheEndThrow() throws {
        let s = try DPMSolverMultistepScheduler()
        let x = dummySampleDeter()
        #expect(throws: SchedulerError.self) { try s.step(modelOutput: x, timestep: 999, sample: x) }
        try s.setTimesteps(2)
        for t in s.timesteps { _ = try s.step(modelOutput: x, timestep: t, sample: x) }
        #expect(throws: SchedulerError.self) { try s.step(modelOutput: x, timestep: 0, sample: x) }
        #expect(throws: SchedulerError.self) { try s.setTimesteps(0) }
        #expect(throws: SchedulerError.self) { try s.setBeginIndex(5) }
    }

    @Test func sdeNeedsNoiseAndFlowPredictionNeedsDataPrediction() throws {
        var config = DPMSolverMultistepSchedulerConfiguration()
        config.algorithmType = .sdeDpmsolverPlusPlus
        let sde = try DPMSolverMultistepScheduler(config: config)
        try sde.setTimesteps(5)
        let x = dummySampleDeter()
        #expect(throws: SchedulerError.self) { try sde.step(modelOutput: x, timestep: sde.timesteps[0], sample: x) }
        // varianceNoise replaces the generator and gives the same result as drawing it.
        let generator = TorchGenerator(seed: 3)
        let noise = try TorchGenerator(seed: 3).randn(shape: x.shape)
        let drawn = try DPMSolverMultistepScheduler(config: config)
        try drawn.setTimesteps(5)
        let a = try sde.step(modelOutput: x, timestep: sde.timesteps[0], sample: x, varianceNoise: noise)
        let b = try drawn.step(modelOutput: x, timestep: drawn.timesteps[0], sample: x, generator: generator)
        #expect(a == b)

        config = DPMSolverMultistepSchedulerConfiguration()
        config.algorithmType = .dpmsolver
        config.finalSigmasType = .sigmaMin
        config.predictionType = .flowPrediction
        let flow = try DPMSolverMultistepScheduler(config: config)
        try flow.setTimesteps(5)
        #expect(throws: SchedulerError.self) { try flow.step(modelOutput: x, timestep: flow.timesteps[0], sample: x) }
    }

    @Test func muNeedsDynamicShiftingAndPersistsAsFlowShift() throws {
        var config = DPMSolverMultistepSchedulerConfiguration()
        config.useFlowSigmas = true
        config.predictionType = .flowPrediction
        let plain = try DPMSolverMultistepScheduler(config: config)
        #expect(throws: SchedulerError.self) { try plain.setTimesteps(10, mu: 1) }
        config.useDynamicShifting = true
        let dynamic = try DPMSolverMultistepScheduler(config: config)
        try dynamic.setTimesteps(10, mu: 1)
        #expect(dynamic.config.flowShift == Foundation.exp(1.0))
    }

    @Test func intoVariantReusesStorageAndMatchesTheAllocatingStep() throws {
        let a = try DPMSolverMultistepScheduler()
        let b = try DPMSolverMultistepScheduler()
        try a.setTimesteps(10)
        try b.setTimesteps(10)
        var x = dummySampleDeter()
        var y = x
        var out = Tensor.empty
        for t in a.timesteps {
            let m = solverDummyModel(x, Double(t))
            x = try a.step(modelOutput: m, timestep: t, sample: x).prevSample
            try b.step(modelOutput: solverDummyModel(y, Double(t)), timestep: t, sample: y, into: &out)
            swap(&y, &out)
        }
        #expect(x == y)
    }

    @Test func addNoiseAfterSetBeginIndexUsesTheBeginSigma() throws {
        let s = try DPMSolverMultistepScheduler()
        try s.setTimesteps(10)
        try s.setBeginIndex(3)
        let x = dummySampleDeter(), n = dummyNoiseDeter()
        let viaBegin = try s.addNoise(originalSamples: x, noise: n, timesteps: [0])
        let t = try DPMSolverMultistepScheduler()
        try t.setTimesteps(10)
        let viaLookup = try t.addNoise(originalSamples: x, noise: n, timesteps: [t.timesteps[3]])
        #expect(viaBegin == viaLookup)
    }
}
