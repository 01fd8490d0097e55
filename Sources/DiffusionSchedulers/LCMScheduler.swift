internal import CSchedulerKernels

/// diffusers' `LCMScheduler`: multistep sampling of latent consistency models (arXiv 2310.04378).
///
/// Matches `diffusers/schedulers/scheduling_lcm.py` of diffusers 0.42.1: the timesteps are taken
/// from the `original_inference_steps` grid exactly as diffusers picks them (with `strength`
/// for img2img and custom timesteps), and each step — the x₀ estimate, the boundary-condition
/// blend `c_out·x₀ + c_skip·x` and the re-noising to the next timestep with diffusers' `randn`
/// (every step but the last) — is one fused pass in torch's float32 order. The boundary
/// conditions are computed from the timestep as a tensor, as the pipelines pass it.
public final class LCMScheduler {
    /// The options this scheduler was built from.
    public let config: LCMSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps.
    public let schedule: NoiseSchedule
    /// ᾱ used after the last step (diffusers' `final_alpha_cumprod`): 1 with `set_alpha_to_one`, else ᾱ₀.
    public let finalAlphaCumprod: Float
    /// The integer timesteps of the schedule, descending.
    public private(set) var timesteps: [Int]
    /// The number of inference steps of the last `setTimesteps`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// Whether the timesteps came from `setTimesteps(timesteps:)`.
    public private(set) var customTimesteps = false
    /// The standard deviation of the initial noise, 1 for LCM.
    public let initNoiseSigma: Float = 1
    /// diffusers' `order`: one model evaluation per step.
    public let order = 1

    private var index = StepIndex()
    private var noiseBuffer: [Float] = []
    /// The thresholded x₀ when `thresholding` is on (the quantile needs all of it before the pass).
    private var scratch: [Float] = []
    /// The instruction-set level of the step kernels (tests lower it to compare levels).
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler; throws when an option is out of range.
    public init(config: LCMSchedulerConfiguration = LCMSchedulerConfiguration()) throws(SchedulerError) {
        try config.validate()
        self.config = config
        schedule = try config.noiseSchedule()
        finalAlphaCumprod = config.setAlphaToOne ? 1 : schedule.alphasCumprod[0]
        timesteps = Array((0..<config.numTrainTimesteps).reversed())
    }

    /// ᾱₜ.
    public var alphasCumprod: [Float] { schedule.alphasCumprod }
    /// The index of the next step, or nil before the first step.
    public var stepIndex: Int? { index.current }
    /// The begin index set by `setBeginIndex`, or nil.
    public var beginIndex: Int? { index.begin }

    /// `set_begin_index`: the first step starts at this index instead of looking its timestep up.
    public func setBeginIndex(_ beginIndex: Int = 0) throws(SchedulerError) {
        try StepIndex.validateBegin(beginIndex, count: max(timesteps.count, 1))
        index.begin = beginIndex
    }

    /// The distillation grid `[k − 1, 2k − 1, …]` with k = T // original steps, up to `original · strength` entries.
    private func origin(originalSteps: Int, strength: Double) throws(SchedulerError) -> [Int] {
        let t = config.numTrainTimesteps
        guard originalSteps >= 1, originalSteps <= t else {
            throw SchedulerError(
                key: "original_inference_steps",
                message: "original_inference_steps \(originalSteps) must be between 1 and num_train_timesteps \(t)")
        }
        guard strength.isFinite, strength >= 0 else {
            throw SchedulerError(key: "strength", message: "strength must be a finite number ≥ 0, not \(strength)")
        }
        let k = t / originalSteps
        let count = Int((Double(originalSteps) * strength).rounded(.towardZero))
        return count >= 1 ? (1...count).map { $0 * k - 1 } : []
    }

    /// `set_timesteps(num_inference_steps, original_inference_steps=None, strength=1.0)`.
    public func setTimesteps(
        _ numInferenceSteps: Int, originalInferenceSteps: Int? = nil, strength: Double = 1
    ) throws(SchedulerError) {
        let originalSteps = originalInferenceSteps ?? config.originalInferenceSteps
        let grid = try origin(originalSteps: originalSteps, strength: strength)
        guard numInferenceSteps >= 1 else {
            throw SchedulerError(key: "num_inference_steps", message: "num_inference_steps must be at least 1, not \(numInferenceSteps)")
        }
        guard numInferenceSteps <= config.numTrainTimesteps else {
            throw SchedulerError(
                key: "num_inference_steps",
                message: "num_inference_steps \(numInferenceSteps) cannot be larger than num_train_timesteps \(config.numTrainTimesteps)")
        }
        guard grid.count / numInferenceSteps >= 1 else {
            throw SchedulerError(
                key: "num_inference_steps",
                message: "original_inference_steps × strength (\(originalSteps) × \(strength)) is smaller than num_inference_steps \(numInferenceSteps)")
        }
        guard numInferenceSteps <= originalSteps else {
            throw SchedulerError(
                key: "num_inference_steps",
                message: "num_inference_steps \(numInferenceSteps) cannot be larger than original_inference_steps \(originalSteps)")
        }
        let reversed = Array(grid.reversed())
        let picks = TorchNumerics.numpyLinspaceExcludingEnd(0, Double(reversed.count), count: numInferenceSteps)
            .map { Int($0.rounded(.down)) }
        timesteps = picks.map { reversed[$0] }
        self.numInferenceSteps = numInferenceSteps
        customTimesteps = false
        index.reset()
    }

    /// `set_timesteps(timesteps=[...], strength=…)`: custom descending timesteps below T; with
    /// `strength` < 1 the first ones are skipped, as for img2img.
    public func setTimesteps(
        timesteps custom: [Int], originalInferenceSteps: Int? = nil, strength: Double = 1
    ) throws(SchedulerError) {
        _ = try origin(originalSteps: originalInferenceSteps ?? config.originalInferenceSteps, strength: strength)
        guard let first = custom.first else {
            throw SchedulerError(key: "timesteps", message: "custom timesteps must not be empty")
        }
        for i in custom.indices.dropFirst() where custom[i] >= custom[i - 1] {
            throw SchedulerError(key: "timesteps", message: "custom timesteps must be in descending order")
        }
        guard first < config.numTrainTimesteps else {
            throw SchedulerError(
                key: "timesteps", message: "custom timesteps must start before num_train_timesteps \(config.numTrainTimesteps)")
        }
        if let last = custom.last, last < 0 {
            throw SchedulerError(key: "timesteps", message: "custom timesteps must not be negative, not \(last)")
        }
        let n = custom.count
        let initial = min(Int((Double(n) * strength).rounded(.towardZero)), n)
        let start = max(n - initial, 0)
        timesteps = Array(custom[(start * order)...])
        numInferenceSteps = n
        customTimesteps = true
        index.reset()
    }

    /// `get_scalings_for_boundary_condition_discrete`: (c_skip, c_out) at timestep t, σ_data = 0.5,
    /// in float32 as for a tensor timestep.
    public func boundaryConditionScalings(timestep t: Int) -> (cSkip: Float, cOut: Float) {
        let scaled = Float(t) * Float(config.timestepScaling)
        let cSkip = Float(0.25) / (scaled * scaled + 0.25)
        let cOut = scaled / TorchNumerics.sqrt(scaled * scaled + 0.25)
        return (cSkip, cOut)
    }

    /// `scale_model_input`: the identity for LCM.
    public func scaleModelInput(_ sample: Tensor, timestep: Int) -> Tensor { sample }

    /// One LCM step from `timestep`: returns x_{prev} and the denoised estimate (diffusers' `denoised`).
    public func step(
        modelOutput: Tensor, timestep: Int, sample: Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> LCMSchedulerOutput {
        var prev = recycler.take(), denoised = recycler.take()
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator, into: &prev, denoised: &denoised)
        return LCMSchedulerOutput(prevSample: recycler.handOut(prev), denoised: recycler.handOut(denoised))
    }

    /// `step` writing into `prevSample` and `denoised`, reusing their storage when it has the
    /// sample's size: with the noise buffer recycled too, a loop allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: Tensor, generator: TorchGenerator? = nil,
        into prevSample: inout Tensor, denoised: inout Tensor
    ) throws(SchedulerError) {
        let plan = try prepareStep(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator)
        sample.withStepStorage(into: &prevSample, original: &denoised) { x, d, out in
            run(plan, modelOutput, x, d, out, shape: sample.shape)
        }
        index.current = plan.index + 1
    }

    /// The step in place: `sample` becomes x_{prev}, and `denoised` is not stored (at the last step
    /// x_{prev} is the denoised estimate itself). Each element is read before it is written.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: inout Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) {
        let plan = try prepareStep(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator)
        let shape = sample.shape
        sample.withInPlaceStepStorage { x, out in run(plan, modelOutput, x, nil, out, shape: shape) }
        index.current = plan.index + 1
    }

    private struct StepPlan {
        var index: Int
        var estimate: OriginalSampleEstimate
        var pass: LCMPass
    }

    /// Checks the arguments, computes the step's float32 scalars and draws the step's noise.
    private func prepareStep(
        modelOutput: Tensor, timestep: Int, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepPlan {
        guard let n = numInferenceSteps else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        try InferenceTimesteps.validate(timestep, numTrainTimesteps: config.numTrainTimesteps)
        let timesteps = self.timesteps
        let i = try index.resolve { () throws(SchedulerError) -> Int in
            try StepIndex.index(of: Double(timestep), in: timesteps, missing: .error) { Double($0) }
        }
        let prevTimestep = i + 1 < timesteps.count ? timesteps[i + 1] : timestep
        let alphaProd = alphasCumprod[timestep]
        let alphaProdPrev = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod
        let (cSkip, cOut) = boundaryConditionScalings(timestep: timestep)
        let estimate = OriginalSampleEstimate(
            prediction: config.predictionType, alphaProd: alphaProd, clipSample: config.clipSample,
            clipSampleRange: config.clipSampleRange, thresholding: config.thresholding,
            dynamicThresholdingRatio: config.dynamicThresholdingRatio, sampleMaxValue: config.sampleMaxValue)
        let addsNoise = i != n - 1
        if addsNoise {
            guard let generator else {
                throw SchedulerError(key: "generator", message: "LCM draws noise at every step but the last; pass a generator")
            }
            let count = sample.count
            if noiseBuffer.count != count { noiseBuffer = Tensor.uninitializedScalars(count) }
            noiseBuffer.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        }
        let pass = LCMPass(
            prediction: config.predictionType, sqrtAlpha: estimate.sqrtAlpha, sqrtBeta: estimate.sqrtBeta,
            clipRange: estimate.clipRange, cOut: cOut, cSkip: cSkip,
            renoise: addsNoise ? (TorchNumerics.sqrt(alphaProdPrev), TorchNumerics.sqrt(1 - alphaProdPrev)) : nil)
        return StepPlan(index: i, estimate: estimate, pass: pass)
    }

    /// The fused pass; `out` may be `x`, and `denoised` nil when the estimate is not wanted.
    ///
    /// With thresholding, the quantile of the whole x₀ comes first: x₀ is estimated and
    /// thresholded into the scratch buffer, and the pass then takes it as a sample prediction.
    private func run(
        _ plan: StepPlan, _ modelOutput: Tensor, _ x: UnsafePointer<Float>, _ denoised: UnsafeMutablePointer<Float>?,
        _ out: UnsafeMutablePointer<Float>, shape: [Int]
    ) {
        let count = modelOutput.count
        let estimate = plan.estimate
        var pass = plan.pass
        if let threshold = estimate.threshold {
            if scratch.count != count { scratch = Tensor.uninitializedScalars(count) }
            modelOutput.scalars.withUnsafeBufferPointer { m in
                scratch.withUnsafeMutableBufferPointer { x0 in
                    for k in 0..<count { x0[k] = estimate.unclipped(sample: x[k], modelOutput: m[k]) }
                    let batch = shape.isEmpty ? 1 : shape[0]
                    DynamicThresholding.apply(x0, batch: batch, ratio: threshold.ratio, maxValue: threshold.maxValue)
                }
            }
            pass.prediction = .sample
        }
        let model = estimate.threshold == nil ? modelOutput.scalars : scratch
        model.withUnsafeBufferPointer { m in
            noiseBuffer.withUnsafeBufferPointer { noise in
                guard let m = m.baseAddress else { return }
                pass.run(
                    count: count, sample: x, model: m, noise: noise.baseAddress, denoised: denoised, output: out,
                    level: kernelLevel)
            }
        }
    }

    /// `add_noise`: √ᾱₜ · x₀ + √(1 − ᾱₜ) · ε, with one timestep or one per batch item.
    public func addNoise(originalSamples: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try ForwardProcess.addNoise(
            alphasCumprod: alphasCumprod, originalSamples: originalSamples, noise: noise, timesteps: timesteps)
    }

    /// `get_velocity`: √ᾱₜ · ε − √(1 − ᾱₜ) · x.
    public func getVelocity(sample: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try ForwardProcess.velocity(alphasCumprod: alphasCumprod, sample: sample, noise: noise, timesteps: timesteps)
    }

    /// `previous_timestep(t)`: the next entry of `timesteps` (−1 after the last) once timesteps were set, else t − 1.
    public func previousTimestep(_ timestep: Int) throws(SchedulerError) -> Int {
        guard customTimesteps || numInferenceSteps != nil else { return timestep - 1 }
        guard let i = timesteps.firstIndex(of: timestep) else {
            throw SchedulerError(key: "timestep", message: "timestep \(timestep) is not in the scheduler's timesteps")
        }
        return i == timesteps.count - 1 ? -1 : timesteps[i + 1]
    }
}

/// The fused element pass of an LCM step, in torch's float32 order: x₀ from the model output
/// (clamped with `clip_sample`), the boundary-condition blend `c_out·x₀ + c_skip·x` (`denoised`),
/// and the re-noising `√ᾱ_prev·denoised + √(1 − ᾱ_prev)·noise` on every step but the last.
struct LCMPass {
    /// How x₀ comes from the model output (`.sample` when x₀ was thresholded beforehand).
    var prediction: PredictionType
    /// √ᾱₜ and √(1 − ᾱₜ).
    var sqrtAlpha: Float, sqrtBeta: Float
    /// The clamp of x₀, or nil for none.
    var clipRange: Float?
    var cOut: Float, cSkip: Float
    /// √ᾱ_prev and √(1 − ᾱ_prev) when the step re-noises.
    var renoise: (signal: Float, noiseScale: Float)?

    /// Runs the pass in the C kernels at `level`; `denoised` may be nil, `output` may be `sample`,
    /// and `noise` is read only when the step re-noises.
    func run(
        count: Int, sample: UnsafePointer<Float>, model: UnsafePointer<Float>, noise: UnsafePointer<Float>?,
        denoised: UnsafeMutablePointer<Float>?, output: UnsafeMutablePointer<Float>, level: KernelLevel
    ) {
        var params = sk_lcm_params()
        params.x0_mode = StepPass.Estimate(prediction).kernelMode
        params.sqrt_alpha = sqrtAlpha
        params.sqrt_beta = sqrtBeta
        (params.lo, params.hi) = StepPass.clampBounds(clipRange)
        params.c_out = cOut
        params.c_skip = cSkip
        params.renoise = renoise == nil ? 0 : 1
        params.signal = renoise?.signal ?? 0
        params.noise_scale = renoise?.noiseScale ?? 0
        sk_lcm(level.rawValue, &params, sample, model, noise, denoised, output, count)
    }
}

/// What an LCM step returns, as diffusers' `LCMSchedulerOutput`.
public struct LCMSchedulerOutput: Sendable, Equatable {
    /// The sample at the next timestep (the denoised estimate re-noised; the estimate itself at the last step).
    public var prevSample: Tensor
    /// The consistency model's x₀ estimate `c_out·x₀ + c_skip·x`.
    public var denoised: Tensor
}

extension LCMScheduler: StepIndexedScheduler {
    /// `"LCMScheduler"`.
    public static var className: String { LCMSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// The integer timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// `set_timesteps(n)`.
    public func setTimesteps(_ numInferenceSteps: Int) throws(SchedulerError) {
        try setTimesteps(numInferenceSteps, originalInferenceSteps: nil, strength: 1)
    }
    /// The identity.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor { sample }
    /// One LCM step; the output's x₀ estimate is LCM's `denoised`.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        let out: LCMSchedulerOutput = try step(
            modelOutput: modelOutput, timestep: try integerTimestep(timestep), sample: sample, generator: generator)
        return StepOutput(prevSample: out.prevSample, predOriginalSample: out.denoised)
    }
}

extension TorchNumerics {
    /// `np.linspace(start, stop, n, endpoint=False)`: `i · ((stop − start)/n) + start`.
    static func numpyLinspaceExcludingEnd(_ start: Double, _ stop: Double, count n: Int) -> [Double] {
        guard n > 0 else { return [] }
        let step = (stop - start) / Double(n)
        return (0..<n).map { Double($0) * step + start }
    }
}
