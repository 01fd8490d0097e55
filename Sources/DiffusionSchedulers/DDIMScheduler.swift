/// diffusers' `DDIMScheduler` (Song et al. 2020, arXiv 2010.02502), option for option.
///
/// Matches `diffusers/schedulers/scheduling_ddim.py` of diffusers 0.42.1: schedules and
/// timesteps are bit-identical, and `step` keeps torch's float32 operation order. As in
/// diffusers, the previous timestep is always `t − T // n`, whatever the spacing.
public final class DDIMScheduler {
    /// The options this scheduler was built from.
    public let config: DDIMSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps.
    public let schedule: NoiseSchedule
    /// ᾱ used after the last step: 1 with `set_alpha_to_one`, else ᾱ₀.
    public let finalAlphaCumprod: Float
    /// The timesteps of the reverse process, descending; all T of them until `setTimesteps` is called.
    public private(set) var timesteps: [Int]
    /// The number of inference steps of the last `setTimesteps(_:)`, or nil.
    public private(set) var numInferenceSteps: Int?

    /// The standard deviation of the initial noise, 1 for DDIM.
    public let initNoiseSigma: Float = 1
    /// The instruction-set variant of the step's element loop; tests lower it to check the levels agree.
    var kernelLevel = KernelLevel.active

    /// Builds the scheduler; throws when an option is out of range.
    public init(config: DDIMSchedulerConfiguration = DDIMSchedulerConfiguration()) throws(SchedulerError) {
        try DDIMSchedulerConfiguration.checkBetaSchedule(config.betaSchedule)
        try SampleProcessing.validate(
            clipSampleRange: config.clipSampleRange, thresholding: config.thresholding,
            dynamicThresholdingRatio: config.dynamicThresholdingRatio, sampleMaxValue: config.sampleMaxValue,
            stepsOffset: config.stepsOffset)
        self.config = config
        self.schedule = try config.noiseSchedule()
        self.finalAlphaCumprod = config.setAlphaToOne ? 1 : schedule.alphasCumprod[0]
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
    }

    /// The timestep `step` moves to from `timestep`: `t − T // n`, negative after the last step.
    public func previousTimestep(_ timestep: Int) throws(SchedulerError) -> Int {
        guard let n = numInferenceSteps else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        return timestep - config.numTrainTimesteps / n
    }

    /// `_get_variance(t, prev_t)`: (1 − ᾱ_prev)/(1 − ᾱₜ) · (1 − ᾱₜ/ᾱ_prev), formula 16's σₜ² at η = 1.
    public func variance(timestep: Int, prevTimestep: Int) throws(SchedulerError) -> Float {
        try InferenceTimesteps.validate(timestep, numTrainTimesteps: config.numTrainTimesteps)
        let alphaProd = alphasCumprod[timestep]
        let alphaProdPrev = try alphaProdPrevious(prevTimestep)
        return ((1 - alphaProdPrev) / (1 - alphaProd)) * (1 - alphaProd / alphaProdPrev)
    }

    /// `scale_model_input`: the identity for DDIM, kept so samplers can call it uniformly.
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

    /// One DDIM step x_t → x_{t−T//n} (formulas 12 and 16 of the DDIM paper).
    ///
    /// - Parameters:
    ///   - eta: η, the weight of the added noise: 0 is deterministic DDIM, 1 is DDPM-like.
    ///   - useClippedModelOutput: re-derive ε from the clipped x₀, as GLIDE does.
    ///   - generator: draws the noise when η > 0 and `varianceNoise` is nil.
    ///   - varianceNoise: the noise to use when η > 0, instead of drawing it.
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: Tensor, eta: Double = 0, useClippedModelOutput: Bool = false,
        generator: TorchGenerator? = nil, varianceNoise: Tensor? = nil
    ) throws(SchedulerError) -> SchedulerOutput {
        var output = SchedulerOutput.empty(like: sample)
        try step(
            modelOutput: modelOutput, timestep: t, sample: sample, eta: eta,
            useClippedModelOutput: useClippedModelOutput, generator: generator, varianceNoise: varianceNoise,
            into: &output)
        return output
    }

    /// `step` writing into `output`, reusing its storage when it already has the sample's size:
    /// a sampling loop that keeps one output allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: Tensor, eta: Double = 0, useClippedModelOutput: Bool = false,
        generator: TorchGenerator? = nil, varianceNoise: Tensor? = nil, into output: inout SchedulerOutput
    ) throws(SchedulerError) {
        try InferenceTimesteps.validate(t, numTrainTimesteps: config.numTrainTimesteps)
        guard eta.isFinite, eta >= 0 else {
            throw SchedulerError(key: "eta", message: "eta must be a finite number ≥ 0, not \(eta)")
        }
        guard modelOutput.shape == sample.shape else {
            throw SchedulerError(
                key: "modelOutput", message: "modelOutput has shape \(modelOutput.shape) but sample has shape \(sample.shape)")
        }
        let prevT = try previousTimestep(t)

        // Scalar coefficients, each a float32 0-dim tensor operation in diffusers.
        let alphaProd = alphasCumprod[t]
        let alphaProdPrev = try alphaProdPrevious(prevT)
        let betaProd = 1 - alphaProd
        let estimate = OriginalSampleEstimate(
            prediction: config.predictionType, alphaProd: alphaProd, clipSample: config.clipSample,
            clipSampleRange: config.clipSampleRange, thresholding: config.thresholding,
            dynamicThresholdingRatio: config.dynamicThresholdingRatio, sampleMaxValue: config.sampleMaxValue)
        let variance = ((1 - alphaProdPrev) / betaProd) * (1 - alphaProd / alphaProdPrev)
        let std = Float(eta) * TorchNumerics.sqrt(variance)
        let directionCoeff = TorchNumerics.sqrt(1 - alphaProdPrev - std * std)
        let originalCoeff = TorchNumerics.sqrt(alphaProdPrev)

        // The noise lands in the output buffer first; the fused pass reads it back before overwriting it.
        let count = sample.count
        let addsNoise = eta > 0
        output.prepare(like: sample)
        if addsNoise {
            if let varianceNoise {
                guard generator == nil else {
                    throw SchedulerError(
                        key: "varianceNoise", message: "cannot pass both generator and varianceNoise")
                }
                try sample.checkSameShape(as: varianceNoise, "sample", "varianceNoise")
                output.prevSample.scalars.withUnsafeMutableBufferPointer { noise in
                    varianceNoise.scalars.withUnsafeBufferPointer { source in
                        guard let to = noise.baseAddress, let from = source.baseAddress else { return }
                        to.update(from: from, count: count)
                    }
                }
            } else if let generator {
                output.prevSample.scalars.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
            } else {
                throw SchedulerError(
                    key: "generator", message: "DDIM step with eta \(eta) draws noise; pass a generator or varianceNoise")
            }
        }

        let batch = sample.shape.isEmpty ? 1 : sample.shape[0]
        let itemCount = batch > 0 ? count / batch : 0
        sample.scalars.withUnsafeBufferPointer { x in
            modelOutput.scalars.withUnsafeBufferPointer { m in
                output.predOriginalSample.scalars.withUnsafeMutableBufferPointer { x0 in
                    output.prevSample.scalars.withUnsafeMutableBufferPointer { prev in
                        if let threshold = estimate.threshold {
                            // Dynamic thresholding needs the quantile of the whole x₀ first: two passes.
                            for i in 0..<count { x0[i] = estimate.unclipped(sample: x[i], modelOutput: m[i]) }
                            let thresholds = DynamicThresholding.thresholds(
                                UnsafeBufferPointer(x0), batch: batch, ratio: threshold.ratio, maxValue: threshold.maxValue)
                            let kernel = DDIMThresholdedPass(
                                prediction: config.predictionType, sqrtAlpha: estimate.sqrtAlpha,
                                sqrtBeta: estimate.sqrtBeta, originalCoeff: originalCoeff,
                                directionCoeff: directionCoeff, std: std, addsNoise: addsNoise,
                                useClippedModelOutput: useClippedModelOutput)
                            for b in 0..<batch {
                                kernel.run(x, m, x0, prev, range: (b * itemCount)..<((b + 1) * itemCount), thresholds[b])
                            }
                        } else {
                            let direction: StepPass.Direction =
                                switch (config.predictionType, useClippedModelOutput) {
                                case (_, true): .epsilonFromClippedEstimate
                                case (.epsilon, false): .modelOutput
                                case (.sample, false): .epsilonFromSample
                                case (.vPrediction, false): .epsilonFromVelocity
                                }
                            let pass = StepPass(
                                estimate: .init(config.predictionType), direction: direction,
                                tail: addsNoise ? .noise(std: std) : .none, sqrtAlpha: estimate.sqrtAlpha,
                                sqrtBeta: estimate.sqrtBeta, clipRange: estimate.clipRange,
                                a: originalCoeff, b: directionCoeff)
                            pass.run(level: kernelLevel, sample: x, modelOutput: m, original: x0, previous: prev)
                        }
                    }
                }
            }
        }
    }

    private func alphaProdPrevious(_ prevTimestep: Int) throws(SchedulerError) -> Float {
        guard prevTimestep >= 0 else { return finalAlphaCumprod }
        try InferenceTimesteps.validate(prevTimestep, numTrainTimesteps: config.numTrainTimesteps, key: "prev_timestep")
        return alphasCumprod[prevTimestep]
    }
}
