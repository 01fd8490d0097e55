import Foundation
import Testing
@testable import DiffusionSchedulers

/// Decoding diffusers' scheduler_config.json, encoding it back, and the errors bad input raises.
@Suite struct ConfigurationTests {
    /// A real Stable Diffusion 1.5 scheduler config as diffusers saves it (PNDM keys removed).
    static let stableDiffusionDDIM = """
        {"_class_name": "DDIMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
         "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false,
         "num_train_timesteps": 1000, "set_alpha_to_one": false, "steps_offset": 1, "trained_betas": null}
        """

    @Test func decodesADiffusersConfigAndRoundTrips() throws {
        let config = try DDIMSchedulerConfiguration(json: Data(Self.stableDiffusionDDIM.utf8))
        #expect(config.betaSchedule == .scaledLinear)
        #expect(config.betaStart == 0.00085)
        #expect(config.stepsOffset == 1)
        #expect(config.setAlphaToOne == false)
        #expect(config.clipSample == false)
        let scheduler = try DDIMScheduler(config: config)
        try scheduler.setTimesteps(10)
        #expect(scheduler.timesteps == [901, 801, 701, 601, 501, 401, 301, 201, 101, 1])
        let encoded = try config.jsonData()
        let decoded = try DDIMSchedulerConfiguration(json: encoded)
        #expect(decoded == config)
        let object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any]
        #expect(object?["_class_name"] as? String == "DDIMScheduler")
        #expect(object?["beta_schedule"] as? String == "scaled_linear")
    }

    @Test func codableRoundTripOfDDPMConfiguration() throws {
        var config = DDPMSchedulerConfiguration()
        config.varianceType = .learnedRange
        config.trainedBetas = [0.1, 0.2]
        config.numTrainTimesteps = 2
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(DDPMSchedulerConfiguration.self, from: data) == config)
    }

    @Test(arguments: [
        (["beta_shedule": "linear"], "beta_shedule", "beta_schedule"),
        (["num_train_steps": 1000], "num_train_steps", "num_train_timesteps"),
        (["beta_schedule": "cosine"], "beta_schedule", "squaredcos_cap_v2"),
        (["prediction_type": "v-prediction"], "prediction_type", "v_prediction"),
        (["variance_type": "fixed_smal"], "variance_type", "fixed_small"),
        (["timestep_spacing": "trailling"], "timestep_spacing", "trailing"),
    ] as [([String: ConfigValue], String, String)])
    func unknownKeysAndValuesSuggestAFix(values: [String: ConfigValue], key: String, suggestion: String) {
        #expect {
            _ = try DDPMSchedulerConfiguration(values: values)
        } throws: { error in
            let error = error as! SchedulerError
            return error.key == key && error.suggestion == suggestion && error.description.contains(suggestion)
        }
    }

    @Test(arguments: [
        (["beta_start": "small"], "beta_start", "'small'"),
        (["num_train_timesteps": 10.5], "num_train_timesteps", "10.5"),
        (["clip_sample": 1], "clip_sample", "1"),
        (["trained_betas": [0.1, "x"]], "trained_betas", "'x'"),
        (["beta_schedule": 3], "beta_schedule", "3"),
    ] as [([String: ConfigValue], String, String)])
    func illTypedValuesNameKeyAndValue(values: [String: ConfigValue], key: String, literal: String) {
        #expect {
            _ = try DDPMSchedulerConfiguration(values: values)
        } throws: { error in
            let error = error as! SchedulerError
            return error.key == key && error.message.contains(key) && error.message.contains(literal)
        }
    }

    @Test func ddimRejectsDDPMOnlySchedules() {
        #expect(throws: SchedulerError(
            key: "beta_schedule", message: "beta_schedule 'sigmoid' is not implemented for DDIMScheduler; choose linear, scaled_linear or squaredcos_cap_v2")
        ) {
            _ = try DDIMSchedulerConfiguration(values: ["beta_schedule": "sigmoid"])
        }
    }
}

@Suite struct BadInputTests {
    func expectError(key: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("no error for \(key)")
        } catch let error as SchedulerError {
            #expect(error.key == key, "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func badStepCounts() throws {
        let ddpm = try DDPMScheduler()
        let ddim = try DDIMScheduler()
        for n in [0, -3, 1001] {
            expectError(key: "num_inference_steps") { try ddpm.setTimesteps(n) }
            expectError(key: "num_inference_steps") { try ddim.setTimesteps(n) }
        }
        var config = DDIMSchedulerConfiguration()
        config.stepsOffset = 5
        let offset = try DDIMScheduler(config: config)
        expectError(key: "steps_offset") { try offset.setTimesteps(1000) }
    }

    @Test func badCustomTimesteps() throws {
        let s = try DDPMScheduler()
        expectError(key: "timesteps") { try s.setTimesteps(timesteps: [10, 20]) }
        expectError(key: "timesteps") { try s.setTimesteps(timesteps: [5, 5]) }
        expectError(key: "timesteps") { try s.setTimesteps(timesteps: [1000, 1]) }
        expectError(key: "timesteps") { try s.setTimesteps(timesteps: []) }
        expectError(key: "timesteps") { try s.setTimesteps(timesteps: [3, -1]) }
        try s.setTimesteps(timesteps: [999, 500, 3])
        #expect(try s.previousTimestep(500) == 3)
        #expect(try s.previousTimestep(3) == -1)
        expectError(key: "timestep") { _ = try s.previousTimestep(7) }
    }

    @Test func badSchedules() {
        expectError(key: "trained_betas") { _ = try NoiseSchedule(numTrainTimesteps: 2, trainedBetas: [0.1, .nan]) }
        expectError(key: "trained_betas") { _ = try NoiseSchedule(numTrainTimesteps: 3, trainedBetas: [0.1, 0.2]) }
        expectError(key: "num_train_timesteps") { _ = try NoiseSchedule(numTrainTimesteps: -1) }
        expectError(key: "beta_start") { _ = try NoiseSchedule(betaStart: -0.1) }
        expectError(key: "rescale_betas_zero_snr") { _ = try NoiseSchedule(numTrainTimesteps: 1, rescaleBetasZeroSnr: true) }
        expectError(key: "dynamic_thresholding_ratio") {
            var c = DDPMSchedulerConfiguration()
            c.dynamicThresholdingRatio = 1.5
            _ = try DDPMScheduler(config: c)
        }
    }

    @Test func badStepArguments() throws {
        let sample = dummySampleDeter()
        let ddpm = try DDPMScheduler()
        expectError(key: "timestep") { _ = try ddpm.step(modelOutput: sample, timestep: 1000, sample: sample) }
        expectError(key: "generator") { _ = try ddpm.step(modelOutput: sample, timestep: 10, sample: sample) }
        let wrong = try Tensor(repeating: 0, shape: [4, 3, 8, 7])
        expectError(key: "modelOutput") { _ = try ddpm.step(modelOutput: wrong, timestep: 0, sample: sample) }
        let ddim = try DDIMScheduler()
        expectError(key: "num_inference_steps") { _ = try ddim.step(modelOutput: sample, timestep: 10, sample: sample) }
        try ddim.setTimesteps(10)
        expectError(key: "eta") { _ = try ddim.step(modelOutput: sample, timestep: 900, sample: sample, eta: -1) }
        expectError(key: "generator") { _ = try ddim.step(modelOutput: sample, timestep: 900, sample: sample, eta: 1) }
        expectError(key: "varianceNoise") {
            _ = try ddim.step(
                modelOutput: sample, timestep: 900, sample: sample, eta: 1, generator: TorchGenerator(seed: 0),
                varianceNoise: sample)
        }
        expectError(key: "timesteps") { _ = try ddim.addNoise(originalSamples: sample, noise: sample, timesteps: [1, 2]) }
        expectError(key: "scalars") { _ = try Tensor(shape: [2, 2], scalars: [1]) }
        expectError(key: "shape") { _ = try Tensor(repeating: 0, shape: [-1]) }
    }

    @Test func fixedLargeLogIsNaNAsInDiffusers() throws {
        var c = DDPMSchedulerConfiguration()
        c.varianceType = .fixedLargeLog
        let s = try DDPMScheduler(config: c)
        let x = dummySampleDeter()
        let out = try s.step(modelOutput: x, timestep: 500, sample: x, generator: TorchGenerator(seed: 0))
        let allNaN = out.prevSample.scalars.allSatisfy { $0.isNaN }
        #expect(allNaN)
    }
}

@Suite struct ForwardProcessTests {
    @Test func addNoiseAndVelocityUseTorchOperationOrder() throws {
        let s = try DDPMScheduler()
        let x = dummySampleDeter()
        let noise = try Tensor(shape: x.shape, scalars: TorchGenerator(seed: 3).randn(count: x.count))
        let noisy = try s.addNoise(originalSamples: x, noise: noise, timesteps: [10, 200, 500, 999])
        let velocity = try s.getVelocity(sample: x, noise: noise, timesteps: [700])
        let item = x.count / 4
        for (b, t) in [10, 200, 500, 999].enumerated() {
            let a = TorchNumerics.sqrt(s.alphasCumprod[t]), c = TorchNumerics.sqrt(1 - s.alphasCumprod[t])
            let i = b * item + 5
            #expect(noisy.scalars[i] == a * x.scalars[i] + c * noise.scalars[i])
        }
        let a = TorchNumerics.sqrt(s.alphasCumprod[700]), c = TorchNumerics.sqrt(1 - s.alphasCumprod[700])
        #expect(velocity.scalars[100] == a * noise.scalars[100] - c * x.scalars[100])
    }

    @Test func stepIntoReusesTheSameResult() throws {
        let s = try DDIMScheduler()
        try s.setTimesteps(50)
        let x = dummySampleDeter()
        let m = dummyModel(x, 500, learned: nil)
        let fresh = try s.step(modelOutput: m, timestep: 500, sample: x)
        var reused = try s.step(modelOutput: x, timestep: 980, sample: m)
        try s.step(modelOutput: m, timestep: 500, sample: x, into: &reused)
        #expect(reused == fresh)
    }
}
