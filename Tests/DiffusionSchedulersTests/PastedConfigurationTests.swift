import DiffusionSchedulers
import Testing

/// A real `scheduler_config.json` builds as diffusers' `from_config` builds it: keys of other
/// diffusers classes are ignored and named, a key no class has is an error, and `.strict` refuses
/// everything that is not the class's own.
@Suite("Pasted scheduler_config.json")
struct PastedConfigurationTests {
    /// Stable Diffusion 1.5's `scheduler/scheduler_config.json`, as the model repository ships it.
    static let stableDiffusion15: [String: ConfigValue] = [
        "_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012, "beta_schedule": "scaled_linear",
        "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true,
        "steps_offset": 1, "trained_betas": .null, "clip_sample": false,
    ]

    @Test("DDIMScheduler.from_config(SD 1.5's PNDM config): skip_prk_steps is ignored and named, the rest configures DDIM")
    func stableDiffusionAsDDIM() throws {
        let scheduler = try SchedulerFactory.make(className: "DDIMScheduler", config: Self.stableDiffusion15)
        let ignored = SchedulerFactory.ignoredKeys(className: "DDIMScheduler", config: Self.stableDiffusion15)
        #expect(ignored == [IgnoredConfigurationKey(key: "skip_prk_steps", className: "DDIMScheduler", owners: ["PNDMScheduler"])])
        #expect(ignored.first?.description == "'skip_prk_steps' is a key of PNDMScheduler, not of DDIMScheduler: ignored, as diffusers' from_config ignores it")
        // The same options written as DDIM's own must give the same scheduler.
        let own = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: [
            "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
            "set_alpha_to_one": false, "steps_offset": 1, "trained_betas": .null, "clip_sample": false,
        ]))
        let ddim = try #require(scheduler as? DDIMScheduler)
        #expect(ddim.configValues == own.configValues)
        #expect(ddim.alphasCumprod == own.alphasCumprod)
        #expect(ddim.finalAlphaCumprod == ddim.alphasCumprod[0], "set_alpha_to_one: false was applied")
        try ddim.setTimesteps(10)
        #expect(ddim.timestepValues.first == 901, "steps_offset: 1 was applied")
    }

    @Test("_class_name of a class without a port is an error that says so")
    func unportedClass() {
        #expect {
            _ = try SchedulerFactory.make(config: Self.stableDiffusion15)
        } throws: { error in
            let error = error as! SchedulerError
            return error.key == "_class_name" && error.message.hasPrefix("DiffusionSchedulers has no port of PNDMScheduler")
        }
    }

    @Test("A key of other classes: ignored by default, refused by .strict with both classes named")
    func strict() throws {
        let values: [String: ConfigValue] = ["set_alpha_to_one": false, "_diffusers_version": "0.42.1"]
        let scheduler = try SchedulerFactory.make(className: "DPMSolverMultistepScheduler", config: values)
        #expect(scheduler.configValues["set_alpha_to_one"] == nil)
        #expect(throws: SchedulerError(
            key: "set_alpha_to_one",
            message: "'set_alpha_to_one' is not a key of DPMSolverMultistepScheduler (it is a key of DDIMScheduler, LCMScheduler and PNDMScheduler)")
        ) {
            _ = try SchedulerFactory.make(className: "DPMSolverMultistepScheduler", config: values, unknownKeys: .strict)
        }
        // The configuration types themselves are strict: they are one class's options.
        #expect(throws: SchedulerError.self) { _ = try DPMSolverMultistepSchedulerConfiguration(values: values) }
    }

    @Test("A key no diffusers class has is an error under both policies, naming the class, with a did-you-mean",
          arguments: [UnknownKeyPolicy.ignoreOtherClasses, .strict])
    func keyOfNoClass(_ policy: UnknownKeyPolicy) {
        #expect(throws: SchedulerError(key: "beta_shedule", message: "'beta_shedule' is not a key of DDIMScheduler", suggestion: "beta_schedule")) {
            _ = try SchedulerFactory.make(className: "DDIMScheduler", config: ["beta_shedule": "linear"], unknownKeys: policy)
        }
    }

    @Test("The catalog knows which classes have a key, ported or not")
    func owners() {
        #expect(SchedulerCatalog.classes(withKey: "skip_prk_steps") == ["PNDMScheduler"])
        #expect(SchedulerCatalog.classes(withKey: "set_alpha_to_one") == ["DDIMScheduler", "LCMScheduler", "PNDMScheduler"])
        #expect(SchedulerCatalog.classes(withKey: "beta_shedule").isEmpty)
        #expect(SchedulerCatalog.diffusersKeys.isSuperset(of: SchedulerCatalog.allKeys))
        #expect(SchedulerCatalog.diffusersKeys.contains("skip_prk_steps") && !SchedulerCatalog.allKeys.contains("skip_prk_steps"))
    }

    @Test("A first timestep that repeats is named when the schedule runs out")
    func repeatedFirstTimestep() throws {
        let scheduler = try SchedulerFactory.make(className: "DPMSolverMultistepScheduler", config: [
            "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "use_beta_sigmas": true,
        ])
        try scheduler.setTimesteps(40)
        let timesteps = scheduler.timestepValues
        #expect(timesteps[0] == 998 && timesteps[1] == 998)
        var x = try Tensor(shape: [1, 2], scalars: [0.5, -0.5])
        var failure: SchedulerError?
        for t in timesteps {
            do throws(SchedulerError) {
                x = try scheduler.step(modelOutput: x, timestep: t, sample: x, generator: nil).prevSample
            } catch {
                failure = error
                break
            }
        }
        #expect(failure?.message.hasPrefix("step 40 is past the last of 40 steps: the first timestep, 998, occurs 2 times") == true, "\(String(describing: failure))")
    }
}
