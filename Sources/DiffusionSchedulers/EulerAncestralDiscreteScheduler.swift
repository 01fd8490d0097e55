/// diffusers' `EulerAncestralDiscreteScheduler`: the Euler method with ancestral sampling
/// (k-diffusion's `sample_euler_ancestral`), which adds fresh noise at every step.
///
/// Matches `diffusers/schedulers/scheduling_euler_ancestral_discrete.py` of diffusers 0.42.1:
/// timesteps and sigmas are bit-identical, `step` keeps torch's float32 operation order in one
/// fused pass, and the noise is the same `randn(sample.shape)` diffusers draws from a seeded
/// ``TorchGenerator`` — every step, the last one included.
public final class EulerAncestralDiscreteScheduler {
    /// The options this scheduler was built from.
    public let config: EulerAncestralDiscreteSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps (before the zero-SNR floor).
    public let schedule: NoiseSchedule
    /// The float32 timesteps of the schedule.
    public private(set) var timesteps: [Float]
    /// σ for each timestep plus the final 0.
    public private(set) var sigmas: [Float]
    /// The number of inference steps of the last `setTimesteps`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// diffusers' `order`: one model evaluation per step.
    public let order = 1

    let table: TrainingSigmas
    private var index = StepIndex()
    private var noiseBuffer: [Float] = []
    /// The instruction-set level of the step kernels (tests lower it to compare levels).
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler with the full T-step schedule; throws when an option is out of range.
    public init(
        config: EulerAncestralDiscreteSchedulerConfiguration = EulerAncestralDiscreteSchedulerConfiguration()
    ) throws(SchedulerError) {
        try config.validate()
        self.config = config
        schedule = try config.noiseSchedule()
        table = TrainingSigmas(schedule: schedule, floorTerminalAlpha: config.rescaleBetasZeroSnr)
        sigmas = table.sigmas.reversed() + [0]
        timesteps = (0..<config.numTrainTimesteps).reversed().map { Float($0) }
    }

    /// ᾱₜ as the scheduler uses it (2⁻²⁴ at the end after a zero-SNR rescale).
    public var alphasCumprod: [Float] { table.alphasCumprod }
    /// The index of the next step, or nil before the first step.
    public var stepIndex: Int? { index.current }
    /// The begin index set by `setBeginIndex`, or nil.
    public var beginIndex: Int? { index.begin }

    /// The largest sigma (`linspace`, `trailing`) or √(σ_max² + 1) (`leading`).
    public var initNoiseSigma: Float { config.timestepSpacing.initNoiseSigma(sigmas: sigmas) }

    /// `set_begin_index`: the first step starts at this index (img2img) instead of looking its timestep up.
    public func setBeginIndex(_ beginIndex: Int = 0) throws(SchedulerError) {
        try StepIndex.validateBegin(beginIndex, count: max(timesteps.count, 1))
        index.begin = beginIndex
    }

    /// `set_timesteps(num_inference_steps)`: the spaced timesteps and their interpolated sigmas, then 0.
    public func setTimesteps(_ numInferenceSteps: Int) throws(SchedulerError) {
        try SolverSteps.validate(numInferenceSteps, limit: .max)
        self.numInferenceSteps = numInferenceSteps
        let spaced = config.timestepSpacing.discreteTimesteps(
            numInferenceSteps: numInferenceSteps, numTrainTimesteps: config.numTrainTimesteps,
            stepsOffset: config.stepsOffset)
        sigmas = spaced.map { Float(NumpyMath.interpOverIndices(Double($0), table.sigmas)) } + [0]
        timesteps = spaced
        index.reset()
    }

    /// `scale_model_input`: x / √(σ² + 1).
    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws(SchedulerError) -> Tensor {
        let i = try resolveIndex(timestep)
        guard i < sigmas.count else {
            throw SchedulerError(key: "timestep", message: "step \(i) is past the end of the schedule")
        }
        let sigma = sigmas[i]
        let divisor = TorchNumerics.sqrt(sigma * sigma + 1)
        return Tensor(uncheckedShape: sample.shape, scalars: sample.scalars.map { $0 / divisor })
    }

    private func resolveIndex(_ timestep: Float) throws(SchedulerError) -> Int {
        let timesteps = self.timesteps
        return try index.resolve { () throws(SchedulerError) -> Int in
            try StepIndex.index(of: Double(timestep), in: timesteps, missing: .error) { Double($0) }
        }
    }

    /// One ancestral Euler step from `timestep`: returns x_{t−1} and the x₀ estimate.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take(), original = recycler.take()
        try step(
            modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator, into: &prev,
            predOriginalSample: &original)
        return StepOutput(prevSample: recycler.handOut(prev), predOriginalSample: recycler.handOut(original))
    }

    /// `step` writing into `prevSample` and `predOriginalSample`, reusing their storage when it has
    /// the sample's size: with the noise buffer recycled too, a loop allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, generator: TorchGenerator?,
        into prevSample: inout Tensor, predOriginalSample: inout Tensor
    ) throws(SchedulerError) {
        let plan = try prepareStep(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator)
        sample.withStepStorage(into: &prevSample, original: &predOriginalSample) { x, x0, out in
            run(plan, modelOutput, x, x0, out, count: sample.count)
        }
        index.current = plan.index + 1
    }

    /// The step in place: `sample` becomes x_{t−1} and the x₀ estimate is not stored (the fastest
    /// form for a sampling loop; each element is read before it is written).
    public func step(
        modelOutput: Tensor, timestep: Float, sample: inout Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) {
        let plan = try prepareStep(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator)
        let count = sample.count
        sample.withInPlaceStepStorage { x, out in run(plan, modelOutput, x, nil, out, count: count) }
        index.current = plan.index + 1
    }

    private struct StepPlan {
        var index: Int
        var estimate: EulerKernel.Estimate
        var sigma: Float
        var dt: Float
        var sigmaUp: Float
    }

    /// Checks the arguments, computes the step's float32 scalars and draws the step's noise.
    private func prepareStep(
        modelOutput: Tensor, timestep: Float, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepPlan {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        let i = try resolveIndex(timestep)
        guard i + 1 < sigmas.count else {
            throw StepIndex.pastTheEnd(i, timesteps: timesteps.map(Double.init))
        }
        let sigma = sigmas[i]
        guard config.predictionType != .sample else {
            throw SchedulerError(
                key: "prediction_type", message: "prediction_type 'sample' is not implemented for \(Self.className)")
        }
        let sigmaTo = sigmas[i + 1]
        let sigmaUp = TorchNumerics.sqrt(sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma))
        let sigmaDown = TorchNumerics.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp)
        guard let generator else {
            throw SchedulerError(key: "generator", message: "\(Self.className) draws noise every step; pass a generator")
        }
        let count = sample.count
        if noiseBuffer.count != count { noiseBuffer = Tensor.uninitializedScalars(count) }
        noiseBuffer.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        return StepPlan(
            index: i, estimate: EulerKernel.Estimate(config.predictionType, sigma: sigma, sigmaHat: sigma), sigma: sigma,
            dt: sigmaDown - sigma, sigmaUp: sigmaUp)
    }

    /// The fused pass; `out` may be `x`, and `x0` nil when the estimate is not wanted.
    private func run(
        _ plan: StepPlan, _ modelOutput: Tensor, _ x: UnsafePointer<Float>, _ x0: UnsafeMutablePointer<Float>?,
        _ out: UnsafeMutablePointer<Float>, count: Int
    ) {
        modelOutput.scalars.withUnsafeBufferPointer { m in
            noiseBuffer.withUnsafeBufferPointer { noise in
                guard let m = m.baseAddress, let noise = noise.baseAddress else { return }
                EulerKernel.ancestral(
                    plan.estimate, sigma: plan.sigma, dt: plan.dt, sigmaUp: plan.sigmaUp, count: count, sample: x,
                    model: m, noise: noise, original: x0, output: out, level: kernelLevel)
            }
        }
    }

    /// `add_noise`: x₀ + ε·σ at the sigma of each timestep (one, or one per batch item).
    public func addNoise(originalSamples: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try VESigmaNoise.addNoise(
            originalSamples: originalSamples, noise: noise, timesteps: timesteps.map(Double.init), index: index,
            schedule: self.timesteps.map(Double.init), sigmas: sigmas)
    }
}

extension EulerAncestralDiscreteScheduler: StepIndexedScheduler {
    /// `"EulerAncestralDiscreteScheduler"`.
    public static var className: String { EulerAncestralDiscreteSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// The float32 timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// x / √(σ² + 1).
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor {
        try scaleModelInput(sample, timestep: try float32Timestep(timestep))
    }
    /// One ancestral step; needs a generator.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        try step(modelOutput: modelOutput, timestep: try float32Timestep(timestep), sample: sample, generator: generator)
    }
}
