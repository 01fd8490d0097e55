/// One run of a real scheduler with an ``ExactModel`` (a ``GaussianMixture``'s exact denoiser, guided or
/// not), from a given start to its last step, with everything needed to compare it against the exact
/// probability-flow ODE solution.
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
    /// The noise level of each state, in the scheduler's coordinates: `levels[0] == startLevel`,
    /// `levels.last == endLevel`. After the first call of a two-call step (Heun, singlestep
    /// DPM-Solver) the state is the scheduler's intermediate estimate at the next level.
    public let levels: [NoiseLevel]
    /// The scheduler's own x₀ estimate at each step (`pred_original_sample`, after any clipping or
    /// thresholding), for the schedulers whose step reports one; nil at the steps of those that do not.
    /// `predictions.count == timesteps.count`.
    public let predictions: [Tensor?]

    /// Bundles a run; `levels` has one entry per state, `predictions` one per step.
    init(start: Tensor, timesteps: [Double], states: [Tensor], levels: [NoiseLevel], predictions: [Tensor?]) {
        self.start = start
        self.startLevel = levels[0]
        self.endLevel = levels[levels.count - 1]
        self.timesteps = timesteps
        self.states = states
        self.levels = levels
        self.predictions = predictions
    }

    /// The final samples.
    public var samples: Tensor { states[states.count - 1] }

    /// The exact probability-flow ODE solution from `start` at `startLevel` to `endLevel` (see
    /// ``ExactModel/probabilityFlowSolution(from:start:end:steps:)``).
    public func exactSolution(_ model: some ExactModel, referenceSteps: Int = 400) throws(SchedulerError) -> Tensor {
        try model.probabilityFlowSolution(from: start, start: startLevel, end: endLevel, steps: referenceSteps)
    }

    /// The mean distance of the final samples to the exact probability-flow ODE solution from the same start.
    public func error(against model: some ExactModel, referenceSteps: Int = 400) throws(SchedulerError) -> Double {
        try SampleMetrics.meanDistance(samples, exactSolution(model, referenceSteps: referenceSteps))
    }

    /// How each step of the run contributes to its final error against the exact ODE solution.
    ///
    /// With Φ(x, a → b) the exact probability-flow map between levels and xᵢ the states at the
    /// boundaries of the steps, step i's *local* error is xᵢ₊₁ − Φ(xᵢ, ℓᵢ → ℓᵢ₊₁): what the step gets
    /// wrong over its own interval from where it started. Its *propagated* error is
    /// eᵢ = Φ(xᵢ₊₁, ℓᵢ₊₁ → end) − Φ(xᵢ, ℓᵢ → end): the same mistake carried to the end by the exact
    /// flow. The eᵢ telescope to the final error E = x_N − Φ(x₀, ℓ₀ → end) exactly, so each step's
    /// *share* Σ⟨eᵢ, E⟩ / Σ|E|² (sums over the samples) is the fraction of the final error it explains,
    /// and the shares add up to 1.
    ///
    /// A step is a step of the schedule: the model calls of a predictor–corrector pair (Heun's two
    /// calls, whose first leaves a state at the level the second also ends at) count as one.
    ///
    /// - Parameters:
    ///   - referenceSteps: RK4 steps of each solve to the end (as for the run's own reference).
    ///   - localReferenceSteps: RK4 steps of each solve over one step's interval.
    public func stepErrors(
        _ model: some ExactModel, referenceSteps: Int = 400, localReferenceSteps: Int = 100
    ) throws(SchedulerError) -> StepErrors {
        let d = model.dimension
        // The states that end a step: the last one, and every one whose successor moves to another level.
        var boundaries = [0]
        for j in 1..<states.count where j == states.count - 1 || levels[j + 1] != levels[j] { boundaries.append(j) }
        var toEnd: [[Double]] = []
        toEnd.reserveCapacity(boundaries.count)
        for j in boundaries {
            toEnd.append(try model.probabilityFlowSolution(
                points: model.points(of: states[j], key: "state"), start: levels[j], end: endLevel, steps: referenceSteps))
        }
        let final = try model.points(of: samples, key: "samples")
        let total = zip(final, toEnd[0]).map { $0 - $1 }
        let totalSquared = total.reduce(0) { $0 + $1 * $1 }
        let count = Double(final.count / d)
        func meanNorm(_ v: [Double]) -> Double {
            var sum = 0.0
            for p in stride(from: 0, to: v.count, by: d) {
                var s = 0.0
                for i in p..<(p + d) { s += v[i] * v[i] }
                sum += s.squareRoot()
            }
            return sum / count
        }
        var local: [Double] = [], propagated: [Double] = [], shares: [Double] = []
        for k in 0..<(boundaries.count - 1) {
            let (i, j) = (boundaries[k], boundaries[k + 1])
            let before = try model.points(of: states[i], key: "state")
            let after = try model.points(of: states[j], key: "state")
            let exactStep = try model.probabilityFlowSolution(
                points: before, start: levels[i], end: levels[j], steps: localReferenceSteps)
            local.append(meanNorm(zip(after, exactStep).map { $0 - $1 }))
            let carried = zip(toEnd[k + 1], toEnd[k]).map { $0 - $1 }
            propagated.append(meanNorm(carried))
            var dot = 0.0
            for m in carried.indices { dot += carried[m] * total[m] }
            shares.append(totalSquared > 0 ? dot / totalSquared : 0)
        }
        return StepErrors(local: local, propagated: propagated, shares: shares, finalError: meanNorm(total))
    }
}

/// The per-step error decomposition of a ``SamplingRun`` (see ``SamplingRun/stepErrors(_:referenceSteps:localReferenceSteps:)``):
/// one entry per step of the schedule, in sampling order.
public struct StepErrors: Sendable, Equatable {
    /// The mean distance between the step's result and the exact flow over its interval from the same point.
    public let local: [Double]
    /// The mean length of the step's mistake carried to the end by the exact flow.
    public let propagated: [Double]
    /// The fraction of the final error the step explains (the shares sum to 1).
    public let shares: [Double]
    /// The mean distance of the final samples to the exact solution from the run's start.
    public let finalError: Double
}

/// The per-call options of a sampling run beyond the scheduler's configuration: the arguments a
/// diffusers pipeline passes to `step` and the img2img start.
public struct SamplingOptions: Sendable {
    /// DDIM's η (`eta` of `DDIMScheduler.step`): 0 is deterministic, 1 DDPM-like; needs a generator when > 0.
    public var eta: Double = 0
    /// Euler's `s_churn` (Karras et al.'s S_churn); 0 is the deterministic sampler.
    public var sChurn: Double = 0
    /// Euler's `s_tmin`: churn only at σ ≥ this.
    public var sTmin: Double = 0
    /// Euler's `s_tmax`: churn only at σ ≤ this.
    public var sTmax: Double = .infinity
    /// Euler's `s_noise`: the scale of the churn noise.
    public var sNoise: Double = 1
    /// img2img's `strength` in (0, 1] with `originalSamples`: the run keeps the last
    /// ⌊n·strength⌋ of its n steps (as diffusers' `get_timesteps`) and starts from the clean
    /// samples noised to its first level, `add_noise(x₀, noise, t_start)`.
    public var strength: Double? = nil
    /// The clean samples x₀ img2img starts from (shape of the noise).
    public var originalSamples: Tensor? = nil

    /// The defaults: what `step(modelOutput:timestep:sample:generator:)` does, starting from pure noise.
    public init() {}

    /// Whether the options ask for Euler's churn.
    var usesChurn: Bool { sChurn != 0 || sTmin != 0 || sTmax != .infinity || sNoise != 1 }
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
        var levels: [NoiseLevel] = []
        var predictions: [Tensor?] = []
        var x = start
        for t in scheduler.timesteps {
            levels.append(try model.noiseLevel(timestep: t))
            let output = try scheduler.step(
                modelOutput: model(x, timestep: t), timestep: t, sample: x, eta: eta, generator: generator)
            x = output.prevSample
            states.append(x)
            predictions.append(output.predOriginalSample)
        }
        levels.append(try .variancePreserving(alphaCumprod: Double(scheduler.finalAlphaCumprod)))
        return SamplingRun(start: start, timesteps: scheduler.timesteps.map(Double.init), states: states, levels: levels, predictions: predictions)
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
        var levels: [NoiseLevel] = []
        var predictions: [Tensor?] = []
        var x = start
        for t in scheduler.timesteps {
            levels.append(try model.noiseLevel(timestep: t))
            let output = try scheduler.step(modelOutput: model(x, timestep: t), timestep: t, sample: x, generator: generator)
            x = output.prevSample
            states.append(x)
            predictions.append(output.predOriginalSample)
        }
        // DDPM's last step goes to ᾱ = 1 (diffusers' `one`).
        levels.append(NoiseLevel(uncheckedAlpha: 1, sigma: 0))
        return SamplingRun(start: start, timesteps: scheduler.timesteps.map(Double.init), states: states, levels: levels, predictions: predictions)
    }
}

extension ExactModel {
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
    /// - Parameter options: η for DDIM, churn for Euler, and the img2img start (see ``SamplingOptions``);
    ///   η on another scheduler than DDIM, or churn on another than Euler, is refused.
    ///
    /// Throws for LCM, whose model is a consistency function (the exact one would be the
    /// probability-flow solution itself) and whose every step re-noises with fresh noise, so its
    /// samples are not comparable with one probability-flow trajectory; for `v_prediction` with flow
    /// sigmas and `flow_prediction` without them, which give no x₀ on those levels; and for `mu` with
    /// a scheduler that has no dynamic shifting.
    public func sample(
        scheduler: any DiffusionScheduler, steps: Int, start: Tensor, generator: TorchGenerator? = nil, mu: Double? = nil,
        options: SamplingOptions = SamplingOptions()
    ) throws(SchedulerError) -> SamplingRun {
        _ = try points(of: start, key: "start")
        if options.eta != 0 && !(scheduler is DDIMScheduler) {
            throw SchedulerError(key: "eta", message: "eta is an argument of DDIMScheduler.step, not of \(type(of: scheduler).className).step")
        }
        if options.usesChurn && !(scheduler is EulerDiscreteScheduler) {
            throw SchedulerError(
                key: "s_churn", message: "s_churn, s_tmin, s_tmax and s_noise are arguments of EulerDiscreteScheduler.step, not of \(type(of: scheduler).className).step")
        }
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
                for sigma in sigmas { levels.append(try GaussianMixture.variancePreservingLevel(varianceExplodingSigma: sigma)) }
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
                try GaussianMixture.variancePreservingLevel(varianceExplodingSigma: sigma)
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
        let target = try GaussianMixture.denoiserTarget(of: scheduler, flowLevels: flowLevels)
        guard levels.count == timesteps.count + 1 else {
            throw SchedulerError(key: "scheduler", message: "the scheduler's sigmas do not match its timesteps")
        }
        // img2img: diffusers' get_timesteps keeps the last ⌊n·strength⌋ steps, tells a step-indexed
        // scheduler where it begins, and noises the clean samples to that first timestep.
        var begin = 0
        let initial: Tensor
        if let strength = options.strength {
            guard strength.isFinite, strength > 0, strength <= 1 else {
                throw SchedulerError(key: "strength", message: "strength must be in (0, 1], not \(strength)")
            }
            guard let original = options.originalSamples else {
                throw SchedulerError(key: "strength", message: "strength needs the clean samples to start from")
            }
            guard original.shape == start.shape else {
                throw SchedulerError(
                    key: "strength", message: "the clean samples have shape \(original.shape) but the noise has shape \(start.shape)")
            }
            let kept = min(Int(Double(steps) * strength), steps)
            begin = max(steps - kept, 0) * scheduler.order
            guard begin < timesteps.count else {
                throw SchedulerError(
                    key: "strength", message: "strength \(strength) keeps no step of \(steps) (diffusers' get_timesteps keeps ⌊steps·strength⌋)")
            }
            if let indexed = scheduler as? any StepIndexedScheduler { try indexed.setBeginIndex(begin) }
            let level = levels[begin]
            initial = Tensor(uncheckedShape: start.shape, scalars: zip(original.scalars, start.scalars).map {
                Float(level.alpha * Double($0) + level.sigma * Double($1))
            })
        } else {
            let initNoiseSigma = scheduler.initNoiseSigma
            initial = initNoiseSigma == 1
                ? start : Tensor(uncheckedShape: start.shape, scalars: start.scalars.map { $0 * initNoiseSigma })
        }
        var states = [initial]
        states.reserveCapacity(timesteps.count + 1 - begin)
        var predictions: [Tensor?] = []
        predictions.reserveCapacity(timesteps.count - begin)
        var x = initial
        for i in begin..<timesteps.count {
            let t = timesteps[i]
            let input = try scheduler.scaleModelInput(x, timestep: t)
            var output = try predict(target, sample: input, level: modelLevels?[i] ?? levels[i])
            if negatedOutput { output = Tensor(uncheckedShape: output.shape, scalars: output.scalars.map { -$0 }) }
            let prediction: Tensor?
            if options.eta != 0, let ddim = scheduler as? DDIMScheduler {
                let stepped = try ddim.step(modelOutput: output, timestep: integerTimestep(t), sample: x, eta: options.eta, generator: generator)
                (x, prediction) = (stepped.prevSample, stepped.predOriginalSample)
            } else if options.usesChurn, let euler = scheduler as? EulerDiscreteScheduler {
                let stepped = try euler.step(
                    modelOutput: output, timestep: float32Timestep(t), sample: x, sChurn: options.sChurn, sTmin: options.sTmin,
                    sTmax: options.sTmax, sNoise: options.sNoise, generator: generator)
                (x, prediction) = (stepped.prevSample, stepped.predOriginalSample)
            } else {
                let stepped = try scheduler.step(modelOutput: output, timestep: t, sample: x, generator: generator)
                (x, prediction) = (stepped.prevSample, stepped.predOriginalSample)
            }
            states.append(x)
            predictions.append(prediction)
        }
        return SamplingRun(
            start: initial, timesteps: Array(timesteps[begin...]), states: states, levels: Array(levels[begin...]), predictions: predictions)
    }
}

extension GaussianMixture {

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
