/// One run of a real scheduler with a ``GaussianMixture``'s exact model, from a given start to its last
/// step, with everything needed to compare it against the exact probability-flow ODE solution.
public struct SamplingRun: Sendable {
    /// The points the run started from.
    public let start: Tensor
    /// The noise level of `start`: that of the scheduler's first timestep.
    public let startLevel: NoiseLevel
    /// The noise level of the final samples (α = 1, σ = 0 unless the scheduler stops short of clean data).
    public let endLevel: NoiseLevel
    /// The timesteps the scheduler visited, in order (integers for the DDPM family).
    public let timesteps: [Double]
    /// The sample before the first step and after every step: `states.count == timesteps.count + 1`.
    public let states: [Tensor]

    /// The final samples.
    public var samples: Tensor { states[states.count - 1] }

    /// The exact probability-flow ODE solution from `start` at `startLevel` to `endLevel` (see
    /// ``GaussianMixture/probabilityFlowSolution(from:start:end:steps:)``).
    public func exactSolution(_ mixture: GaussianMixture, referenceSteps: Int = 400) throws(SchedulerError) -> Tensor {
        try mixture.probabilityFlowSolution(from: start, start: startLevel, end: endLevel, steps: referenceSteps)
    }

    /// The mean distance of the final samples to the exact probability-flow ODE solution from the same start.
    public func error(against mixture: GaussianMixture, referenceSteps: Int = 400) throws(SchedulerError) -> Double {
        try SampleMetrics.meanDistance(samples, exactSolution(mixture, referenceSteps: referenceSteps))
    }
}

extension GaussianMixture {
    /// Runs DDIM with this mixture's exact model for `steps` inference steps from `start`.
    ///
    /// The model returns the configuration's `prediction_type`. Note diffusers' default `clip_sample: true`
    /// clamps x₀ to ±1 at every step; for a mixture reaching beyond [−1, 1] turn it off to see the sampler's
    /// own error. With η > 0 the run draws its noise from `generator`.
    public func sampleDDIM(
        config: DDIMSchedulerConfiguration, steps: Int, start: Tensor, eta: Double = 0, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> SamplingRun {
        let scheduler = try DDIMScheduler(config: config)
        try scheduler.setTimesteps(steps)
        let model = try denoiser(predictionType: config.predictionType, alphasCumprod: scheduler.alphasCumprod)
        _ = try points(of: start, key: "start")
        var states = [start]
        var x = start
        for t in scheduler.timesteps {
            x = try scheduler.step(
                modelOutput: model(x, timestep: t), timestep: t, sample: x, eta: eta, generator: generator
            ).prevSample
            states.append(x)
        }
        return SamplingRun(
            start: start, startLevel: try model.noiseLevel(timestep: scheduler.timesteps[0]),
            endLevel: try .variancePreserving(alphaCumprod: Double(scheduler.finalAlphaCumprod)),
            timesteps: scheduler.timesteps.map(Double.init), states: states)
    }

    /// Runs DDPM ancestral sampling with this mixture's exact model for `steps` inference steps from
    /// `start`, drawing each step's noise from `generator` as diffusers does.
    public func sampleDDPM(
        config: DDPMSchedulerConfiguration, steps: Int, start: Tensor, generator: TorchGenerator
    ) throws(SchedulerError) -> SamplingRun {
        let scheduler = try DDPMScheduler(config: config)
        try scheduler.setTimesteps(steps)
        let model = try denoiser(predictionType: config.predictionType, alphasCumprod: scheduler.alphasCumprod)
        _ = try points(of: start, key: "start")
        var states = [start]
        var x = start
        for t in scheduler.timesteps {
            x = try scheduler.step(modelOutput: model(x, timestep: t), timestep: t, sample: x, generator: generator)
                .prevSample
            states.append(x)
        }
        // DDPM's last step goes to ᾱ = 1 (diffusers' `one`).
        return SamplingRun(
            start: start, startLevel: try model.noiseLevel(timestep: scheduler.timesteps[0]),
            endLevel: NoiseLevel(uncheckedAlpha: 1, sigma: 0), timesteps: scheduler.timesteps.map(Double.init), states: states)
    }
}

extension GaussianMixture {
    /// Runs any variance-preserving scheduler of this library (DDPM, DDIM, DPM-Solver multistep) from
    /// `start` for `steps` inference steps with this mixture's exact model.
    ///
    /// At each step the model returns the scheduler's `prediction_type` at the noise level the
    /// scheduler assumes for its sample: ᾱ of the integer timestep for DDPM and DDIM, the step's sigma
    /// for DPM-Solver. So the measured error is the solver's alone, even where DPM-Solver rounds
    /// Karras, exponential, Lu or beta sigmas to integer timesteps (with the default `linspace`
    /// timesteps the two levels coincide). `start` is x_T itself (these schedulers' `init_noise_sigma`
    /// is 1). Stochastic schedulers (DDPM, SDE variants of DPM-Solver) draw their noise from
    /// `generator`. Flow-sigma configurations and sigma-space schedulers (Euler, Heun, flow matching) throw.
    public func sample(
        scheduler: any DiffusionScheduler, steps: Int, start: Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> SamplingRun {
        guard case .string(let predictionName)? = scheduler.configValues["prediction_type"],
              let target = DenoiserTarget(rawValue: predictionName)
        else {
            throw SchedulerError(key: "prediction_type", message: "the scheduler's prediction_type has no exact denoiser")
        }
        _ = try points(of: start, key: "start")
        try scheduler.setTimesteps(steps)
        let timesteps = scheduler.timestepValues
        guard !timesteps.isEmpty else {
            throw SchedulerError(key: "num_inference_steps", message: "the scheduler produced no timesteps")
        }
        // levels[i] is the level of the sample entering step i; levels[timesteps.count] that of the result.
        var levels: [NoiseLevel] = []
        switch scheduler {
        case let s as DDPMScheduler:
            for t in s.timesteps { levels.append(try .variancePreserving(alphaCumprod: Double(s.alphasCumprod[t]))) }
            levels.append(NoiseLevel(uncheckedAlpha: 1, sigma: 0))  // DDPM's last step goes to ᾱ = 1
        case let s as DDIMScheduler:
            for t in s.timesteps { levels.append(try .variancePreserving(alphaCumprod: Double(s.alphasCumprod[t]))) }
            levels.append(try .variancePreserving(alphaCumprod: Double(s.finalAlphaCumprod)))
        case let s as DPMSolverMultistepScheduler:
            if s.config.useFlowSigmas {
                throw SchedulerError(
                    key: "use_flow_sigmas", message: "exact sampling runs do not support use_flow_sigmas yet")
            }
            // VE sigmas σ (0 with final_sigmas_type 'zero'): α = 1/√(1 + σ²), σ_vp = σ·α.
            for sigma in s.sigmas.map(Double.init) {
                let alpha = 1 / (1 + sigma * sigma).squareRoot()
                levels.append(try NoiseLevel(alpha: alpha, sigma: sigma * alpha))
            }
        default:
            throw SchedulerError(
                key: "scheduler",
                message: "exact sampling runs support DDPM, DDIM and DPMSolverMultistep, not \(type(of: scheduler).className)")
        }
        guard levels.count == timesteps.count + 1 else {
            throw SchedulerError(key: "scheduler", message: "the scheduler's sigmas do not match its timesteps")
        }
        var states = [start]
        states.reserveCapacity(timesteps.count + 1)
        var x = start
        for (i, t) in timesteps.enumerated() {
            let input = try scheduler.scaleModelInput(x, timestep: t)
            let output = try predict(target, sample: input, level: levels[i])
            x = try scheduler.step(modelOutput: output, timestep: t, sample: x, generator: generator).prevSample
            states.append(x)
        }
        return SamplingRun(
            start: start, startLevel: levels[0], endLevel: levels[timesteps.count], timesteps: timesteps, states: states)
    }
}
