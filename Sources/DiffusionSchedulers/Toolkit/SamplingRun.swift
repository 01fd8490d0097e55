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
    /// The noise level of each of `states`, in the scheduler's coordinates: `levels[0] == startLevel`,
    /// `levels.last == endLevel`. A path can be compared step by step with the exact probability-flow
    /// ODE from one state's level to the next.
    public let levels: [NoiseLevel]
    /// The scheduler's own x₀ estimate at each step (`pred_original_sample`, after any clipping or
    /// thresholding), for the schedulers whose step reports one; nil at the steps of those that do not.
    /// `predictions.count == timesteps.count`.
    public let predictions: [Tensor?]

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
        var predictions: [Tensor?] = []
        var x = start
        for t in scheduler.timesteps {
            let output = try scheduler.step(
                modelOutput: model(x, timestep: t), timestep: t, sample: x, eta: eta, generator: generator)
            x = output.prevSample
            states.append(x)
            predictions.append(output.predOriginalSample)
        }
        var levels: [NoiseLevel] = []
        for t in scheduler.timesteps { levels.append(try model.noiseLevel(timestep: t)) }
        levels.append(try .variancePreserving(alphaCumprod: Double(scheduler.finalAlphaCumprod)))
        return SamplingRun(
            start: start, startLevel: levels[0], endLevel: levels[levels.count - 1],
            timesteps: scheduler.timesteps.map(Double.init), states: states, levels: levels, predictions: predictions)
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
        var predictions: [Tensor?] = []
        var x = start
        for t in scheduler.timesteps {
            let output = try scheduler.step(modelOutput: model(x, timestep: t), timestep: t, sample: x, generator: generator)
            x = output.prevSample
            states.append(x)
            predictions.append(output.predOriginalSample)
        }
        var levels: [NoiseLevel] = []
        for t in scheduler.timesteps { levels.append(try model.noiseLevel(timestep: t)) }
        // DDPM's last step goes to ᾱ = 1 (diffusers' `one`).
        levels.append(NoiseLevel(uncheckedAlpha: 1, sigma: 0))
        return SamplingRun(
            start: start, startLevel: levels[0], endLevel: levels[levels.count - 1],
            timesteps: scheduler.timesteps.map(Double.init), states: states, levels: levels, predictions: predictions)
    }
}

extension GaussianMixture {
    /// Runs a scheduler of this library from `start` for `steps` inference steps with this mixture's exact
    /// model: DDPM, DDIM, DPM-Solver multistep and singlestep, UniPC (variance preserving, or flow
    /// matching with `use_flow_sigmas`), Euler, Euler ancestral and Heun (variance exploding) and
    /// flow-matching Euler (with or without `invert_sigmas`).
    ///
    /// `start` is x_T ~ N(0, I) as a pipeline draws it; the run begins from x_T·`init_noise_sigma` in the
    /// scheduler's own coordinates, which is what `SamplingRun.start` records: x_VP for the
    /// variance-preserving schedulers, x_VP/α = x₀ + σ·ε for the Euler family (level α = 1, σ = the
    /// scheduler's sigma), (1 − σ)·x₀ + σ·ε for flow matching and for `use_flow_sigmas`. `states`,
    /// `startLevel` and `endLevel` are all in those coordinates, so ``SamplingRun/error(against:referenceSteps:)``
    /// is the distance to the exact probability-flow ODE solution from the same start; with a final
    /// sigma of 0 (the default everywhere) the end level is α = 1, σ = 0 and the samples are in data space.
    ///
    /// At each model call the model returns the scheduler's `prediction_type` (`flow_prediction` for
    /// flow matching) for `scaleModelInput` of the sample, at the noise level the scheduler assumes
    /// for it: ᾱ of the integer timestep for DDPM and DDIM, the call's sigma otherwise (for the Euler
    /// family the scaled input x/√(σ² + 1) is the variance-preserving sample of that sigma; Heun's
    /// second call of a step sees the sigma it stepped to). So the measured error is the solver's
    /// alone, even where a schedule rounds Karras, exponential, Lu or beta sigmas to timesteps.
    /// With `invert_sigmas` (Mochi, LongCat) the scheduler's s = 1 − σ rises from noise (0) to data (1)
    /// and the model returns dx/ds = x₀ − ε, the negated flow velocity, as those pipelines' models do.
    /// Stochastic schedulers (DDPM, Euler ancestral, SDE variants of DPM-Solver, flow matching with
    /// `stochastic_sampling`) draw their noise from `generator`; their samples do not converge to the
    /// probability-flow solution.
    ///
    /// - Parameter mu: the μ of `use_dynamic_shifting` (see
    ///   ``FlowMatchEulerDiscreteSchedulerConfiguration/mu(imageSeqLen:)``), passed to `set_timesteps`
    ///   of the schedulers that take it (``DynamicShiftingScheduler``); such a scheduler needs it.
    ///
    /// Throws for LCM, whose model is a consistency function (the exact one would be the
    /// probability-flow solution itself) and whose every step re-noises with fresh noise, so its
    /// samples are not comparable with one probability-flow trajectory; for `v_prediction` with flow
    /// sigmas and `flow_prediction` without them, which give no x₀ on those levels; and for `mu` with
    /// a scheduler that has no dynamic shifting.
    public func sample(
        scheduler: any DiffusionScheduler, steps: Int, start: Tensor, generator: TorchGenerator? = nil, mu: Double? = nil
    ) throws(SchedulerError) -> SamplingRun {
        _ = try points(of: start, key: "start")
        if let mu {
            guard let shifting = scheduler as? any DynamicShiftingScheduler else {
                throw SchedulerError(
                    key: "mu", message: "\(type(of: scheduler).className) has no dynamic shifting to pass mu to")
            }
            try shifting.setTimesteps(steps, mu: mu)
        } else {
            try scheduler.setTimesteps(steps)
        }
        let timesteps = scheduler.timestepValues
        guard !timesteps.isEmpty else {
            throw SchedulerError(key: "num_inference_steps", message: "the scheduler produced no timesteps")
        }
        // levels[i] is the level of the sample entering model call i, in the scheduler's coordinates;
        // levels[timesteps.count] that of the result. modelLevels[i] is the level of scaleModelInput's output.
        var levels: [NoiseLevel] = []
        var modelLevels: [NoiseLevel]? = nil
        // Flow-matching levels: the model's target is the flow velocity (negated for inverted sigmas).
        var flowLevels = false
        var negatedOutput = false
        switch scheduler {
        case let s as DDPMScheduler:
            for t in s.timesteps { levels.append(try .variancePreserving(alphaCumprod: Double(s.alphasCumprod[t]))) }
            levels.append(NoiseLevel(uncheckedAlpha: 1, sigma: 0))  // DDPM's last step goes to ᾱ = 1
        case let s as DDIMScheduler:
            for t in s.timesteps { levels.append(try .variancePreserving(alphaCumprod: Double(s.alphasCumprod[t]))) }
            levels.append(try .variancePreserving(alphaCumprod: Double(s.finalAlphaCumprod)))
        case is DPMSolverMultistepScheduler, is DPMSolverSinglestepScheduler, is UniPCMultistepScheduler:
            let sigmas = (scheduler as! any SigmaScheduled).sigmas.map(Double.init)
            if case .bool(true)? = scheduler.configValues["use_flow_sigmas"] {
                // Flow sigmas: x = (1 − σ)·x₀ + σ·ε, α = 1 − σ.
                flowLevels = true
                for sigma in sigmas { levels.append(try .flowMatching(sigma: sigma)) }
            } else {
                // VE sigmas σ (0 with final_sigmas_type 'zero'): α = 1/√(1 + σ²), σ_vp = σ·α.
                for sigma in sigmas { levels.append(try Self.variancePreservingLevel(varianceExplodingSigma: sigma)) }
            }
        case is EulerDiscreteScheduler, is EulerAncestralDiscreteScheduler, is HeunDiscreteScheduler:
            // The sample is x_VP/α = x₀ + σ·ε; the model sees x/√(σ² + 1), the VP sample of the same σ.
            let sigmas = (scheduler as! any SigmaScheduled).sigmas.map(Double.init)
            for sigma in sigmas {
                guard sigma.isFinite, sigma >= 0 else {
                    throw SchedulerError(key: "sigmas", message: "the scheduler's sigma \(sigma) is not a finite number ≥ 0")
                }
                levels.append(NoiseLevel(uncheckedAlpha: 1, sigma: sigma))
            }
            modelLevels = try sigmas.map { (sigma: Double) throws(SchedulerError) -> NoiseLevel in
                try Self.variancePreservingLevel(varianceExplodingSigma: sigma)
            }
        case let s as FlowMatchEulerDiscreteScheduler:
            flowLevels = true
            // invert_sigmas: the scheduler's s is 1 − σ, and it steps along ds with dx/ds = x₀ − ε.
            negatedOutput = s.config.invertSigmas
            for sigma in s.sigmas.map(Double.init) {
                levels.append(try .flowMatching(sigma: negatedOutput ? 1 - sigma : sigma))
            }
        case is LCMScheduler:
            throw SchedulerError(
                key: "scheduler",
                message: "exact sampling runs do not support LCMScheduler: its model is a consistency function, not a denoiser, and each step re-noises with fresh noise, so its samples do not follow one probability-flow trajectory")
        default:
            throw SchedulerError(
                key: "scheduler",
                message: "exact sampling runs do not support \(type(of: scheduler).className)")
        }
        let target = try Self.denoiserTarget(of: scheduler, flowLevels: flowLevels)
        guard levels.count == timesteps.count + 1 else {
            throw SchedulerError(key: "scheduler", message: "the scheduler's sigmas do not match its timesteps")
        }
        let initNoiseSigma = scheduler.initNoiseSigma
        let initial = initNoiseSigma == 1
            ? start : Tensor(uncheckedShape: start.shape, scalars: start.scalars.map { $0 * initNoiseSigma })
        var states = [initial]
        states.reserveCapacity(timesteps.count + 1)
        var predictions: [Tensor?] = []
        predictions.reserveCapacity(timesteps.count)
        var x = initial
        for (i, t) in timesteps.enumerated() {
            let input = try scheduler.scaleModelInput(x, timestep: t)
            var output = try predict(target, sample: input, level: modelLevels?[i] ?? levels[i])
            if negatedOutput { output = Tensor(uncheckedShape: output.shape, scalars: output.scalars.map { -$0 }) }
            let stepped = try scheduler.step(modelOutput: output, timestep: t, sample: x, generator: generator)
            x = stepped.prevSample
            states.append(x)
            predictions.append(stepped.predOriginalSample)
        }
        return SamplingRun(
            start: initial, startLevel: levels[0], endLevel: levels[timesteps.count], timesteps: timesteps, states: states,
            levels: levels, predictions: predictions)
    }

    /// What the exact model returns for `scheduler`: its `prediction_type` (the flow velocity for flow
    /// matching), which must give x₀ on its levels: `v_prediction` (α·ε − σ·x₀) needs α² + σ² = 1 and
    /// `flow_prediction` (ε − x₀) needs α + σ = 1.
    static func denoiserTarget(of scheduler: any DiffusionScheduler, flowLevels: Bool) throws(SchedulerError) -> DenoiserTarget {
        if scheduler is FlowMatchEulerDiscreteScheduler { return .flow }
        guard case .string(let predictionName)? = scheduler.configValues["prediction_type"],
              let target = DenoiserTarget(rawValue: predictionName)
        else {
            throw SchedulerError(key: "prediction_type", message: "the scheduler's prediction_type has no exact denoiser")
        }
        switch (target, flowLevels) {
        case (.vPrediction, true):
            throw SchedulerError(
                key: "prediction_type",
                message: "v_prediction gives no x₀ on flow sigmas (α² + σ² ≠ 1); use flow_prediction, epsilon or sample")
        case (.flow, false):
            throw SchedulerError(
                key: "prediction_type",
                message: "flow_prediction gives no x₀ without use_flow_sigmas (α + σ ≠ 1); set use_flow_sigmas")
        default:
            return target
        }
    }

    /// The variance-preserving level α = 1/√(1 + σ²), σ_vp = σ·α of a variance-exploding sigma.
    static func variancePreservingLevel(varianceExplodingSigma sigma: Double) throws(SchedulerError) -> NoiseLevel {
        guard sigma.isFinite, sigma >= 0 else {
            throw SchedulerError(key: "sigmas", message: "the scheduler's sigma \(sigma) is not a finite number ≥ 0")
        }
        let alpha = 1 / (1 + sigma * sigma).squareRoot()
        return try NoiseLevel(alpha: alpha, sigma: sigma * alpha)
    }
}
