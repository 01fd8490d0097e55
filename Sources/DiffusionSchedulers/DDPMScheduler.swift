import Foundation

/// diffusers' `DDPMScheduler` (Ho et al. 2020, arXiv 2006.11239), option for option.
///
/// Matches `diffusers/schedulers/scheduling_ddpm.py` of diffusers 0.42.1: schedules and
/// timesteps are bit-identical, and `step` keeps torch's float32 operation order.
/// A reference type like its Python original: `setTimesteps` changes which timestep comes next.
public final class DDPMScheduler {
    /// The options this scheduler was built from.
    public let config: DDPMSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps.
    public let schedule: NoiseSchedule
    /// The timesteps of the reverse process, descending; all T of them until `setTimesteps` is called.
    public private(set) var timesteps: [Int]
    /// The number of inference steps of the last `setTimesteps(_:)`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// Whether the timesteps came from `setTimesteps(timesteps:)`.
    public private(set) var customTimesteps = false

    /// The standard deviation of the initial noise, 1 for DDPM.
    public let initNoiseSigma: Float = 1
    /// The instruction-set variant of the step's element loop; tests lower it to check the levels agree.
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler; throws when an option is out of range.
    public init(config: DDPMSchedulerConfiguration = DDPMSchedulerConfiguration()) throws(SchedulerError) {
        try SampleProcessing.validate(
            clipSampleRange: config.clipSampleRange, thresholding: config.thresholding,
            dynamicThresholdingRatio: config.dynamicThresholdingRatio, sampleMaxValue: config.sampleMaxValue,
            stepsOffset: config.stepsOffset)
        self.config = config
        self.schedule = try config.noiseSchedule()
        self.timesteps = Array((0..<config.numTrainTimesteps).reversed())
    }

    /// βₜ.
    public var betas: [Float] { schedule.betas }
    /// αₜ = 1 − βₜ.
    public var alphas: [Float] { schedule.alphas }
    /// ᾱₜ.
    public var alphasCumprod: [Float] { schedule.alphasCumprod }

    /// `set_timesteps(num_inference_steps)`: picks `n` timesteps with the configured spacing.
    public func setTimesteps(_ n: Int) throws(SchedulerError) {
        timesteps = try InferenceTimesteps.make(
            numInferenceSteps: n, numTrainTimesteps: config.numTrainTimesteps,
            spacing: config.timestepSpacing, stepsOffset: config.stepsOffset)
        numInferenceSteps = n
        customTimesteps = false
    }

    /// `set_timesteps(timesteps=...)`: uses the given strictly descending timesteps.
    public func setTimesteps(timesteps custom: [Int]) throws(SchedulerError) {
        try InferenceTimesteps.validateCustom(custom, numTrainTimesteps: config.numTrainTimesteps)
        timesteps = custom
        customTimesteps = true
    }

    /// `previous_timestep(t)`: the next entry of `timesteps` (−1 after the last) once timesteps
    /// were set, else `t − 1`.
    public func previousTimestep(_ timestep: Int) throws(SchedulerError) -> Int {
        guard customTimesteps || numInferenceSteps != nil else { return timestep - 1 }
        guard let index = timesteps.firstIndex(of: timestep) else {
            throw SchedulerError(key: "timestep", message: "timestep \(timestep) is not in the scheduler's timesteps")
        }
        return index == timesteps.count - 1 ? -1 : timesteps[index + 1]
    }

    /// `scale_model_input`: the identity for DDPM, kept so samplers can call it uniformly.
    public func scaleModelInput(_ sample: Tensor, timestep: Int) -> Tensor { sample }

    /// `add_noise`: √ᾱₜ · x₀ + √(1 − ᾱₜ) · ε, with one timestep or one per batch item.
    public func addNoise(originalSamples: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try ForwardProcess.addNoise(
            alphasCumprod: alphasCumprod, originalSamples: originalSamples, noise: noise, timesteps: timesteps)
    }

    /// `get_velocity`: the v-prediction target √ᾱₜ · ε − √(1 − ᾱₜ) · x.
    public func getVelocity(sample: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try ForwardProcess.velocity(alphasCumprod: alphasCumprod, sample: sample, noise: noise, timesteps: timesteps)
    }

    /// The scalars `step` uses at `timestep`: the posterior-mean weights of x̂₀ and x_t and the
    /// posterior variance for the configured `variance_type` (diffusers' `_get_variance`).
    public func stepCoefficients(timestep t: Int) throws(SchedulerError) -> DDPMStepCoefficients {
        try InferenceTimesteps.validate(t, numTrainTimesteps: config.numTrainTimesteps)
        let prevT = try previousTimestep(t)
        return DDPMStepCoefficients(
            timestep: t, prevTimestep: prevT, alphaProd: alphasCumprod[t],
            alphaProdPrev: prevT >= 0 ? alphasCumprod[prevT] : 1, varianceType: config.varianceType)
    }

    /// ``stepCoefficients(timestep:)`` of every timestep in `timesteps`, in sampling order.
    public func stepPlan() throws(SchedulerError) -> [DDPMStepCoefficients] {
        var plan: [DDPMStepCoefficients] = []
        for t in timesteps { plan.append(try stepCoefficients(timestep: t)) }
        return plan
    }

    /// One reverse step x_t → x_{t−1} (`step` of diffusers, formulas 6, 7 and 15 of the DDPM paper).
    ///
    /// For t > 0 the step draws `randn(sample.shape)` from `generator`, as diffusers does, so a
    /// generator is required there. With `learned` / `learned_range` variance the model output
    /// may carry twice the sample's channels; the second half is the predicted variance.
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> SchedulerOutput {
        var output = SchedulerOutput(prevSample: recycler.take(), predOriginalSample: recycler.take())
        try step(modelOutput: modelOutput, timestep: t, sample: sample, generator: generator, into: &output)
        return SchedulerOutput(
            prevSample: recycler.handOut(output.prevSample),
            predOriginalSample: recycler.handOut(output.predOriginalSample))
    }

    /// `step` writing into `output`, reusing its storage when it already has the sample's size:
    /// a sampling loop that keeps one output allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: Tensor, generator: TorchGenerator? = nil,
        into output: inout SchedulerOutput
    ) throws(SchedulerError) {
        let plan = try plan(modelOutput: modelOutput, timestep: t, sample: sample, generator: generator)
        output.prevSample.prepare(shape: sample.shape, count: sample.count)
        output.predOriginalSample.prepare(shape: sample.shape, count: sample.count)
        sample.scalars.withUnsafeBufferPointer { x in
            modelOutput.scalars.withUnsafeBufferPointer { out in
                output.predOriginalSample.scalars.withUnsafeMutableBufferPointer { x0 in
                    output.prevSample.scalars.withUnsafeMutableBufferPointer { prev in
                        plan.run(level: kernelLevel, sample: x, modelOutput: out, original: x0, previous: prev)
                    }
                }
            }
        }
    }

    /// `step` in place: `sample` becomes x_{t−1}, and x₀ is not kept. The fastest form for a
    /// sampling loop (`try scheduler.step(modelOutput: eps, timestep: t, sample: &latents, generator: g)`):
    /// the noise is drawn inside the pass, and nothing is allocated.
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: inout Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) {
        let plan = try plan(modelOutput: modelOutput, timestep: t, sample: sample, generator: generator)
        modelOutput.scalars.withUnsafeBufferPointer { out in
            sample.scalars.withUnsafeMutableBufferPointer { x in
                plan.run(level: kernelLevel, sample: UnsafeBufferPointer(x), modelOutput: out, original: nil, previous: x)
            }
        }
    }

    /// `step` in place, also writing x₀ into `predOriginalSample` (whose storage is reused when it
    /// already has the sample's size).
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: inout Tensor, generator: TorchGenerator? = nil,
        predOriginalSample: inout Tensor
    ) throws(SchedulerError) {
        let plan = try plan(modelOutput: modelOutput, timestep: t, sample: sample, generator: generator)
        predOriginalSample.prepare(shape: sample.shape, count: sample.count)
        modelOutput.scalars.withUnsafeBufferPointer { out in
            predOriginalSample.scalars.withUnsafeMutableBufferPointer { x0 in
                sample.scalars.withUnsafeMutableBufferPointer { x in
                    plan.run(level: kernelLevel, sample: UnsafeBufferPointer(x), modelOutput: out, original: x0, previous: x)
                }
            }
        }
    }

    /// Checks the arguments and computes the step's float32 coefficients, each a 0-dim tensor
    /// operation in diffusers, before any storage is touched or noise drawn.
    private func plan(
        modelOutput: Tensor, timestep t: Int, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> Plan {
        try InferenceTimesteps.validate(t, numTrainTimesteps: config.numTrainTimesteps)
        _ = try previousTimestep(t)  // an unknown timestep is reported before a bad layout
        let layout = try StepLayout(modelOutput: modelOutput, sample: sample, varianceType: config.varianceType)
        if layout.splitsVariance == false, config.varianceType == .learned || config.varianceType == .learnedRange, t > 0 {
            throw SchedulerError(
                key: "variance_type",
                message: "variance_type '\(config.varianceType.rawValue)' needs a model output with twice the sample's channels, got shape \(modelOutput.shape) for sample shape \(sample.shape)")
        }

        // 1. Scalar coefficients: the same numbers `stepCoefficients` shows (one source of truth).
        let k = try stepCoefficients(timestep: t)
        let estimate = OriginalSampleEstimate(
            prediction: config.predictionType, alphaProd: k.alphaProd, clipSample: config.clipSample,
            clipSampleRange: config.clipSampleRange, thresholding: config.thresholding,
            dynamicThresholdingRatio: config.dynamicThresholdingRatio, sampleMaxValue: config.sampleMaxValue)
        let originalCoeff = k.originalCoefficient
        let currentCoeff = k.currentCoefficient

        // 2. The noise term: a per-step standard deviation, or per element for the learned types.
        //    diffusers draws randn(sample.shape) for every t > 0.
        var noiseScale: NoiseScale = .none
        var noiseSource: TorchGenerator?
        if t > 0 {
            guard let generator else {
                throw SchedulerError(
                    key: "generator", message: "DDPM step at timestep \(t) draws noise; pass a generator")
            }
            noiseSource = generator
            switch config.varianceType {
            case .learned: noiseScale = .learned
            case .learnedRange:
                noiseScale = .learnedRange(minLog: logf(k.posteriorVariance), maxLog: logf(k.currentBeta))
            default: noiseScale = k.std.map { .uniform($0) } ?? .none
            }
        }
        let tail: StepPass.Tail? =
            switch noiseScale {
            case .none: .zero  // diffusers adds the int 0, turning −0 into +0
            case .uniform(let std): .noise(std: std)
            case .learned, .learnedRange: nil
            }
        return Plan(
            pass: tail.map {
                StepPass(
                    estimate: .init(config.predictionType), direction: .sample, tail: $0,
                    sqrtAlpha: k.sqrtAlphaProd, sqrtBeta: k.sqrtBetaProd, clipRange: estimate.clipRange,
                    a: originalCoeff, b: currentCoeff)
            },
            layout: layout, estimate: estimate, noiseScale: noiseScale, generator: noiseSource,
            originalCoeff: originalCoeff, currentCoeff: currentCoeff)
    }

    /// One checked step, ready to run over storage.
    private struct Plan {
        /// The fused pass, or nil for the options it does not cover (learned variances).
        let pass: StepPass?
        let layout: StepLayout
        let estimate: OriginalSampleEstimate
        let noiseScale: NoiseScale
        /// The noise source when t > 0.
        let generator: TorchGenerator?
        let originalCoeff: Float, currentCoeff: Float

        /// x₀ into `original` (if given) and x_{t−1} into `previous`, which may be the sample's storage.
        func run(
            level: KernelLevel, sample x: UnsafeBufferPointer<Float>, modelOutput out: UnsafeBufferPointer<Float>,
            original: UnsafeMutableBufferPointer<Float>?, previous prev: UnsafeMutableBufferPointer<Float>
        ) {
            if let pass, estimate.threshold == nil {
                let noise = generator.map { StepPass.Noise.generator($0) }
                if layout.modelStride == layout.itemCount {
                    pass.run(level: level, sample: x, modelOutput: out, noise: noise, original: original, previous: prev)
                    return
                }
                // A learned-variance model output at t = 0 (no noise): the first half of each item's channels.
                for b in 0..<layout.batch {
                    let items = b * layout.itemCount..<(b + 1) * layout.itemCount
                    let modelStart = b * layout.modelStride
                    pass.run(
                        level: level, sample: UnsafeBufferPointer(rebasing: x[items]),
                        modelOutput: UnsafeBufferPointer(rebasing: out[modelStart..<modelStart + layout.itemCount]),
                        original: original.map { UnsafeMutableBufferPointer(rebasing: $0[items]) },
                        previous: UnsafeMutableBufferPointer(rebasing: prev[items]))
                }
                return
            }
            // Dynamic thresholding (which needs the quantile of the whole x₀ first) and learned
            // variances (a per-element noise scale): rare options, in scalar Swift, with x₀ and the
            // noise in storage of their own.
            let noise = generator?.randn(count: x.count) ?? []
            var scratch = original == nil ? [Float](repeating: 0, count: x.count) : []
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                noise.withUnsafeBufferPointer { eps in
                    scalarPass(x, out, eps, original ?? scratchBuffer, prev)
                }
            }
        }

        private func scalarPass(
            _ x: UnsafeBufferPointer<Float>, _ out: UnsafeBufferPointer<Float>, _ eps: UnsafeBufferPointer<Float>,
            _ x0: UnsafeMutableBufferPointer<Float>, _ prev: UnsafeMutableBufferPointer<Float>
        ) {
            var thresholds: [Float]? = nil
            if let threshold = estimate.threshold {
                for b in 0..<layout.batch {
                    for i in 0..<layout.itemCount {
                        x0[b * layout.itemCount + i] = estimate.unclipped(
                            sample: x[b * layout.itemCount + i], modelOutput: out[b * layout.modelStride + i])
                    }
                }
                thresholds = DynamicThresholding.thresholds(
                    UnsafeBufferPointer(x0), batch: layout.batch, ratio: threshold.ratio, maxValue: threshold.maxValue)
            }
            for b in 0..<layout.batch {
                let base = b * layout.itemCount
                let modelBase = b * layout.modelStride
                let varianceBase = modelBase + layout.itemCount
                let s = thresholds?[b]
                for i in 0..<layout.itemCount {
                    let xi = x[base + i]
                    let predicted: Float
                    if let s {
                        predicted = TorchNumerics.clamp(x0[base + i], -s, s) / s
                    } else {
                        predicted = estimate.estimate(sample: xi, modelOutput: out[modelBase + i])
                    }
                    x0[base + i] = predicted
                    let mean = originalCoeff * predicted + currentCoeff * xi
                    switch noiseScale {
                    case .none:
                        prev[base + i] = mean + 0  // diffusers adds the int 0, turning −0 into +0
                    case .uniform(let std):
                        prev[base + i] = mean + std * eps[base + i]
                    case .learned:
                        prev[base + i] = mean + TorchNumerics.sqrt(out[varianceBase + i]) * eps[base + i]
                    case .learnedRange(let minLog, let maxLog):
                        let fraction = (out[varianceBase + i] + 1) / 2
                        let logVariance = fraction * maxLog + (1 - fraction) * minLog
                        prev[base + i] = mean + SleefMath.exp(0.5 * logVariance) * eps[base + i]
                    }
                }
            }
        }
    }

    /// How the noise term of one step is scaled.
    private enum NoiseScale {
        case none
        case uniform(Float)
        case learned
        case learnedRange(minLog: Float, maxLog: Float)
    }
}
