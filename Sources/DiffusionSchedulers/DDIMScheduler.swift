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
    /// ᾱ used after the last step (diffusers' `final_alpha_cumprod`): 1 with `set_alpha_to_one`, else ᾱ₀.
    public let finalAlphaCumprod: Float
    /// The timesteps of the reverse process, descending; all T of them until `setTimesteps` is called.
    public private(set) var timesteps: [Int]
    /// The number of inference steps of the last `setTimesteps(_:)`, or nil.
    public private(set) var numInferenceSteps: Int?

    /// The standard deviation of the initial noise, 1 for DDIM.
    public let initNoiseSigma: Float = 1
    /// The instruction-set variant of the step's element loop; tests lower it to check the levels agree.
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

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
        return DDIMStepCoefficients.variance(
            alphaProd: alphasCumprod[timestep], alphaProdPrev: try alphaProdPrevious(prevTimestep))
    }

    /// The scalars `step(modelOutput:timestep:sample:eta:…)` uses at `timestep` with this η:
    /// ᾱ_t, ᾱ_prev, `_get_variance`, σ_t(η) and the weights of x̂₀ and ε̂. Needs `setTimesteps`.
    public func stepCoefficients(timestep t: Int, eta: Double = 0) throws(SchedulerError) -> DDIMStepCoefficients {
        try InferenceTimesteps.validate(t, numTrainTimesteps: config.numTrainTimesteps)
        try Self.validate(eta: eta)
        let prevT = try previousTimestep(t)
        return DDIMStepCoefficients(
            timestep: t, prevTimestep: prevT, eta: eta, alphaProd: alphasCumprod[t],
            alphaProdPrev: try alphaProdPrevious(prevT))
    }

    /// ``stepCoefficients(timestep:eta:)`` of every inference step, in sampling order (after `setTimesteps`).
    public func stepPlan(eta: Double = 0) throws(SchedulerError) -> [DDIMStepCoefficients] {
        guard numInferenceSteps != nil else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        var plan: [DDIMStepCoefficients] = []
        for t in timesteps { plan.append(try stepCoefficients(timestep: t, eta: eta)) }
        return plan
    }

    private static func validate(eta: Double) throws(SchedulerError) {
        guard eta.isFinite, eta >= 0 else {
            throw SchedulerError(key: "eta", message: "eta must be a finite number ≥ 0, not \(eta)")
        }
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
        var output = SchedulerOutput(prevSample: recycler.take(), predOriginalSample: recycler.take())
        try step(
            modelOutput: modelOutput, timestep: t, sample: sample, eta: eta,
            useClippedModelOutput: useClippedModelOutput, generator: generator, varianceNoise: varianceNoise,
            into: &output)
        return SchedulerOutput(
            prevSample: recycler.handOut(output.prevSample),
            predOriginalSample: recycler.handOut(output.predOriginalSample))
    }

    /// `step` writing into `output`, reusing its storage when it already has the sample's size:
    /// a sampling loop that keeps one output allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: Tensor, eta: Double = 0, useClippedModelOutput: Bool = false,
        generator: TorchGenerator? = nil, varianceNoise: Tensor? = nil, into output: inout SchedulerOutput
    ) throws(SchedulerError) {
        let plan = try plan(
            modelOutput: modelOutput, timestep: t, sample: sample, eta: eta,
            useClippedModelOutput: useClippedModelOutput, generator: generator, varianceNoise: varianceNoise)
        output.prevSample.prepare(shape: sample.shape, count: sample.count)
        output.predOriginalSample.prepare(shape: sample.shape, count: sample.count)
        sample.scalars.withUnsafeBufferPointer { x in
            modelOutput.scalars.withUnsafeBufferPointer { m in
                output.predOriginalSample.scalars.withUnsafeMutableBufferPointer { x0 in
                    output.prevSample.scalars.withUnsafeMutableBufferPointer { prev in
                        plan.run(level: kernelLevel, sample: x, modelOutput: m, original: x0, previous: prev)
                    }
                }
            }
        }
    }

    /// `step` in place: `sample` becomes x_{t−1}, and x₀ is not kept. The fastest form for a
    /// sampling loop (`try scheduler.step(modelOutput: eps, timestep: t, sample: &latents)`):
    /// it reads and writes one buffer and allocates nothing.
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: inout Tensor, eta: Double = 0,
        useClippedModelOutput: Bool = false, generator: TorchGenerator? = nil, varianceNoise: Tensor? = nil
    ) throws(SchedulerError) {
        let plan = try plan(
            modelOutput: modelOutput, timestep: t, sample: sample, eta: eta,
            useClippedModelOutput: useClippedModelOutput, generator: generator, varianceNoise: varianceNoise)
        modelOutput.scalars.withUnsafeBufferPointer { m in
            sample.scalars.withUnsafeMutableBufferPointer { x in
                plan.run(level: kernelLevel, sample: UnsafeBufferPointer(x), modelOutput: m, original: nil, previous: x)
            }
        }
    }

    /// `step` in place, also writing x₀ into `predOriginalSample` (whose storage is reused when it
    /// already has the sample's size).
    public func step(
        modelOutput: Tensor, timestep t: Int, sample: inout Tensor, eta: Double = 0,
        useClippedModelOutput: Bool = false, generator: TorchGenerator? = nil, varianceNoise: Tensor? = nil,
        predOriginalSample: inout Tensor
    ) throws(SchedulerError) {
        let plan = try plan(
            modelOutput: modelOutput, timestep: t, sample: sample, eta: eta,
            useClippedModelOutput: useClippedModelOutput, generator: generator, varianceNoise: varianceNoise)
        predOriginalSample.prepare(shape: sample.shape, count: sample.count)
        modelOutput.scalars.withUnsafeBufferPointer { m in
            predOriginalSample.scalars.withUnsafeMutableBufferPointer { x0 in
                sample.scalars.withUnsafeMutableBufferPointer { x in
                    plan.run(level: kernelLevel, sample: UnsafeBufferPointer(x), modelOutput: m, original: x0, previous: x)
                }
            }
        }
    }

    /// Checks the arguments and computes the step's float32 coefficients, each a 0-dim tensor
    /// operation in diffusers, before any storage is touched or noise drawn.
    private func plan(
        modelOutput: Tensor, timestep t: Int, sample: Tensor, eta: Double, useClippedModelOutput: Bool,
        generator: TorchGenerator?, varianceNoise: Tensor?
    ) throws(SchedulerError) -> Plan {
        try InferenceTimesteps.validate(t, numTrainTimesteps: config.numTrainTimesteps)
        try Self.validate(eta: eta)
        guard modelOutput.shape == sample.shape else {
            throw SchedulerError(
                key: "modelOutput", message: "modelOutput has shape \(modelOutput.shape) but sample has shape \(sample.shape)")
        }
        // One source of truth: the step runs on the same scalars `stepCoefficients` shows.
        let k = try stepCoefficients(timestep: t, eta: eta)
        let estimate = OriginalSampleEstimate(
            prediction: config.predictionType, alphaProd: k.alphaProd, clipSample: config.clipSample,
            clipSampleRange: config.clipSampleRange, thresholding: config.thresholding,
            dynamicThresholdingRatio: config.dynamicThresholdingRatio, sampleMaxValue: config.sampleMaxValue)
        let std = k.std
        let directionCoeff = k.directionCoefficient
        let originalCoeff = k.originalCoefficient

        // diffusers draws (or takes) noise only when η > 0, and only then checks where it comes from.
        var noise: Plan.Noise = .none
        if eta > 0 {
            if let varianceNoise {
                guard generator == nil else {
                    throw SchedulerError(
                        key: "varianceNoise", message: "cannot pass both generator and varianceNoise")
                }
                try sample.checkSameShape(as: varianceNoise, "sample", "varianceNoise")
                noise = .values(varianceNoise)
            } else if let generator {
                noise = .generator(generator)
            } else {
                throw SchedulerError(
                    key: "generator", message: "DDIM step with eta \(eta) draws noise; pass a generator or varianceNoise")
            }
        }

        let direction: StepPass.Direction =
            switch (config.predictionType, useClippedModelOutput) {
            case (_, true): .epsilonFromClippedEstimate
            case (.epsilon, false): .modelOutput
            case (.sample, false): .epsilonFromSample
            case (.vPrediction, false): .epsilonFromVelocity
            }
        return Plan(
            pass: StepPass(
                estimate: .init(config.predictionType), direction: direction,
                tail: eta > 0 ? .noise(std: std) : .none, sqrtAlpha: k.sqrtAlphaProd,
                sqrtBeta: k.sqrtBetaProd, clipRange: estimate.clipRange, a: originalCoeff, b: directionCoeff),
            estimate: estimate,
            thresholdedPass: DDIMThresholdedPass(
                prediction: config.predictionType, sqrtAlpha: k.sqrtAlphaProd, sqrtBeta: k.sqrtBetaProd,
                originalCoeff: originalCoeff, directionCoeff: directionCoeff, std: std, addsNoise: eta > 0,
                useClippedModelOutput: useClippedModelOutput),
            noise: noise,
            batch: sample.shape.isEmpty ? 1 : sample.shape[0])
    }

    /// One checked step, ready to run over storage.
    private struct Plan {
        enum Noise {
            case none
            case values(Tensor)
            case generator(TorchGenerator)
        }

        let pass: StepPass
        let estimate: OriginalSampleEstimate
        let thresholdedPass: DDIMThresholdedPass
        let noise: Noise
        let batch: Int

        /// x₀ into `original` (if given) and x_{t−1} into `previous`, which may be the sample's storage.
        func run(
            level: KernelLevel, sample x: UnsafeBufferPointer<Float>, modelOutput m: UnsafeBufferPointer<Float>,
            original: UnsafeMutableBufferPointer<Float>?, previous prev: UnsafeMutableBufferPointer<Float>
        ) {
            guard let threshold = estimate.threshold else {
                switch noise {
                case .none:
                    pass.run(level: level, sample: x, modelOutput: m, original: original, previous: prev)
                case .values(let tensor):
                    tensor.scalars.withUnsafeBufferPointer {
                        pass.run(level: level, sample: x, modelOutput: m, noise: .values($0), original: original, previous: prev)
                    }
                case .generator(let generator):
                    pass.run(
                        level: level, sample: x, modelOutput: m, noise: .generator(generator), original: original,
                        previous: prev)
                }
                return
            }
            // Dynamic thresholding needs the quantile of the whole x₀ first: two passes, with x₀
            // and the noise in storage of their own.
            let count = x.count
            var noiseValues: [Float] = []
            switch noise {
            case .none: break
            case .values(let tensor): noiseValues = tensor.scalars
            case .generator(let generator): noiseValues = generator.randn(count: count)
            }
            var scratch = original == nil ? [Float](repeating: 0, count: count) : []
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                let x0 = original ?? scratchBuffer
                for i in 0..<count { x0[i] = estimate.unclipped(sample: x[i], modelOutput: m[i]) }
                let thresholds = DynamicThresholding.thresholds(
                    UnsafeBufferPointer(x0), batch: batch, ratio: threshold.ratio, maxValue: threshold.maxValue)
                let itemCount = batch > 0 ? count / batch : 0
                noiseValues.withUnsafeBufferPointer { noise in
                    for b in 0..<batch {
                        thresholdedPass.run(
                            x, m, noise, x0, prev, range: (b * itemCount)..<((b + 1) * itemCount), thresholds[b])
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
