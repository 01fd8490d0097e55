import Foundation

/// diffusers' `EulerDiscreteScheduler`: Algorithm 2 of Karras et al. (arXiv 2206.00364) on the
/// variance-exploding form of a DDPM schedule, option for option.
///
/// Matches `diffusers/schedulers/scheduling_euler_discrete.py` of diffusers 0.42.1: float32
/// timesteps and sigmas are bit-identical (linear or log-linear interpolation, Karras /
/// exponential / beta sigmas, `sigma_min`/`sigma_max`, continuous timesteps, zero-SNR), and
/// `step` keeps torch's float32 operation order in one fused pass. With `s_churn > 0` it draws
/// the same `randn` as diffusers from a seeded ``TorchGenerator``.
///
/// The model input must be scaled by ``scaleModelInput(_:timestep:)`` (σ-dependent), and the
/// loop starts from noise times ``initNoiseSigma``.
public final class EulerDiscreteScheduler {
    /// The options this scheduler was built from.
    public let config: EulerDiscreteSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps (before the zero-SNR floor).
    public let schedule: NoiseSchedule
    /// The float32 timesteps of the schedule (fractional with Karras / exponential / beta sigmas).
    public private(set) var timesteps: [Float]
    /// σ for each timestep plus the final sigma.
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
    public init(config: EulerDiscreteSchedulerConfiguration = EulerDiscreteSchedulerConfiguration()) throws(SchedulerError) {
        try config.validate()
        self.config = config
        schedule = try config.noiseSchedule()
        table = TrainingSigmas(schedule: schedule, floorTerminalAlpha: config.rescaleBetasZeroSnr)
        let flipped = Array(table.sigmas.reversed())
        sigmas = flipped + [0]
        if config.usesContinuousTimesteps {
            timesteps = flipped.map { 0.25 * TorchMath.log($0) }
        } else {
            let t = config.numTrainTimesteps
            timesteps = TorchNumerics.numpyLinspace(0, Double(t - 1), count: t).reversed().map { Float($0) }
        }
    }

    /// ᾱₜ as the scheduler uses it (2⁻²⁴ at the end after a zero-SNR rescale).
    public var alphasCumprod: [Float] { table.alphasCumprod }
    /// The index of the next step, or nil before the first step.
    public var stepIndex: Int? { index.current }
    /// The begin index set by `setBeginIndex`, or nil.
    public var beginIndex: Int? { index.begin }

    /// The standard deviation of the initial noise: the largest sigma (`linspace`, `trailing`), or
    /// √(σ_max² + 1) for `leading`.
    public var initNoiseSigma: Float { config.timestepSpacing.initNoiseSigma(sigmas: sigmas) }

    /// `set_begin_index`: the first step starts at this index (img2img) instead of looking its timestep up.
    public func setBeginIndex(_ beginIndex: Int = 0) throws(SchedulerError) {
        try StepIndex.validateBegin(beginIndex, count: max(timesteps.count, 1))
        index.begin = beginIndex
    }

    /// `set_timesteps(num_inference_steps)`.
    public func setTimesteps(_ numInferenceSteps: Int) throws(SchedulerError) {
        try SolverSteps.validate(numInferenceSteps, limit: .max)
        let spaced = config.timestepSpacing.discreteTimesteps(
            numInferenceSteps: numInferenceSteps, numTrainTimesteps: config.numTrainTimesteps,
            stepsOffset: config.stepsOffset)
        try finish(spaced, n: numInferenceSteps)
    }

    /// `set_timesteps(timesteps=[...])`: custom (float32) timesteps; not with Karras, exponential or beta sigmas.
    public func setTimesteps(timesteps custom: [Float]) throws(SchedulerError) {
        guard !custom.isEmpty else { throw SchedulerError(key: "timesteps", message: "custom timesteps must not be empty") }
        if let spacing = try sigmaSpacing() {
            throw SchedulerError(key: "timesteps", message: "cannot set custom timesteps with \(spacing)")
        }
        if config.usesContinuousTimesteps {
            throw SchedulerError(
                key: "timesteps", message: "cannot set custom timesteps with timestep_type 'continuous' and v_prediction")
        }
        try finish(custom, n: custom.count)
    }

    /// `set_timesteps(sigmas=[...])`: custom sigmas including the final one; the timesteps are
    /// interpolated back from them (in float32, as numpy does for a float32 array).
    public func setTimesteps(sigmas custom: [Float]) throws(SchedulerError) {
        guard custom.count >= 2 else {
            throw SchedulerError(key: "sigmas", message: "custom sigmas need at least 2 values (the last is the final sigma)")
        }
        numInferenceSteps = custom.count - 1
        let body = custom.dropLast()
        sigmas = custom
        if config.usesContinuousTimesteps {
            timesteps = body.map { 0.25 * TorchMath.log($0) }
        } else {
            timesteps = body.map { Float(SigmaConversion.timestep(forSigma: $0, logSigmas: table.logSigmas)) }
        }
        index.reset()
    }

    private func sigmaSpacing() throws(SchedulerError) -> String? {
        switch try config.sigmaSpacing() {
        case .karras?: "use_karras_sigmas"
        case .exponential?: "use_exponential_sigmas"
        case .beta?: "use_beta_sigmas"
        case nil: nil
        }
    }

    private func finish(_ spaced: [Float], n: Int) throws(SchedulerError) {
        numInferenceSteps = n
        var sigmas: [Double]
        switch config.interpolationType {
        case .linear:
            sigmas = spaced.map { NumpyMath.interpOverIndices(Double($0), table.sigmas) }
        case .logLinear:
            // torch.linspace(np.log(σ_max), np.log(σ_min), n + 1).exp(), all float32.
            let start = NumpyMath.log(table.sigmas[table.sigmas.count - 1])
            let end = NumpyMath.log(table.sigmas[0])
            sigmas = TorchNumerics.linspace(Double(start), Double(end), count: n + 1).map { Double(TorchMath.exp($0)) }
        }
        var timesteps = spaced.map(Double.init)
        if let spacing = try config.sigmaSpacing() {
            sigmas = spacing.convert(
                sigmaMin: config.sigmaMin ?? sigmas[sigmas.count - 1], sigmaMax: config.sigmaMax ?? sigmas[0], count: n)
            timesteps = sigmas.map { table.timestep(forSigma: $0) }
        }
        let last: Double = config.finalSigmasType == .sigmaMin ? Double(table.smallest) : 0
        self.sigmas = (sigmas + [last]).map { Float($0) }
        if config.usesContinuousTimesteps {
            self.timesteps = self.sigmas.dropLast().map { 0.25 * TorchMath.log($0) }
        } else {
            self.timesteps = timesteps.map { Float($0) }
        }
        index.reset()
    }

    private func resolveIndex(_ timestep: Float) throws(SchedulerError) -> Int {
        let timesteps = self.timesteps
        return try index.resolve { () throws(SchedulerError) -> Int in
            try StepIndex.index(of: Double(timestep), in: timesteps, missing: .error) { Double($0) }
        }
    }

    /// `scale_model_input`: x / √(σ² + 1), the model's input at the current sigma.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws(SchedulerError) -> Tensor {
        let i = try resolveIndex(timestep)
        guard i < sigmas.count else {
            throw SchedulerError(key: "timestep", message: "step \(i) is past the end of the schedule")
        }
        let sigma = sigmas[i]
        let divisor = TorchNumerics.sqrt(sigma * sigma + 1)
        var scaled = Tensor.uninitializedScalars(sample.count)
        sample.scalars.withUnsafeBufferPointer { x in
            scaled.withUnsafeMutableBufferPointer { out in
                for k in 0..<x.count { out[k] = x[k] / divisor }
            }
        }
        return Tensor(uncheckedShape: sample.shape, scalars: scaled)
    }

    /// One Euler step from `timestep` (diffusers' `step`), returning x_{t−1} and the x₀ estimate.
    ///
    /// `sChurn`, `sTmin`, `sTmax` and `sNoise` are Karras et al.'s stochasticity parameters: with
    /// `sChurn > 0` and σ in [`sTmin`, `sTmax`], noise from `generator` raises σ first.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, sChurn: Double = 0, sTmin: Double = 0,
        sTmax: Double = .infinity, sNoise: Double = 1, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take(), original = recycler.take()
        try step(
            modelOutput: modelOutput, timestep: timestep, sample: sample, sChurn: sChurn, sTmin: sTmin, sTmax: sTmax,
            sNoise: sNoise, generator: generator, into: &prev, predOriginalSample: &original)
        return StepOutput(prevSample: recycler.handOut(prev), predOriginalSample: recycler.handOut(original))
    }

    /// `step` writing into `prevSample` and `predOriginalSample`, reusing their storage when it has
    /// the sample's size: a sampling loop that keeps both allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, sChurn: Double = 0, sTmin: Double = 0,
        sTmax: Double = .infinity, sNoise: Double = 1, generator: TorchGenerator? = nil,
        into prevSample: inout Tensor, predOriginalSample: inout Tensor
    ) throws(SchedulerError) {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        let plan = try prepareStep(
            timestep: timestep, count: sample.count, sChurn: sChurn, sTmin: sTmin, sTmax: sTmax, sNoise: sNoise,
            generator: generator)
        sample.withStepStorage(into: &prevSample, original: &predOriginalSample) { x, x0, out in
            run(plan, modelOutput, x, x0, out, count: sample.count)
        }
        index.current = plan.index + 1
    }

    /// The step in place: `sample` becomes x_{t−1}, and the x₀ estimate is not stored (the fastest form
    /// for a sampling loop; each element is read before it is written).
    public func step(
        modelOutput: Tensor, timestep: Float, sample: inout Tensor, sChurn: Double = 0, sTmin: Double = 0,
        sTmax: Double = .infinity, sNoise: Double = 1, generator: TorchGenerator? = nil
    ) throws(SchedulerError) {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        let plan = try prepareStep(
            timestep: timestep, count: sample.count, sChurn: sChurn, sTmin: sTmin, sTmax: sTmax, sNoise: sNoise,
            generator: generator)
        let count = sample.count
        sample.withInPlaceStepStorage { x, out in run(plan, modelOutput, x, nil, out, count: count) }
        index.current = plan.index + 1
    }

    private struct StepPlan {
        var index: Int
        var estimate: EulerKernel.Estimate
        var sigmaHat: Float
        var dt: Float
        var churn: (sNoise: Float, scale: Float)?
    }

    private func prepareStep(
        timestep: Float, count: Int, sChurn: Double, sTmin: Double, sTmax: Double, sNoise: Double,
        generator: TorchGenerator?
    ) throws(SchedulerError) -> StepPlan {
        for (value, key) in [(sChurn, "s_churn"), (sNoise, "s_noise")] where !value.isFinite {
            throw SchedulerError(key: key, message: "\(key) must be finite, not \(value)")
        }
        let i = try resolveIndex(timestep)
        guard i + 1 < sigmas.count else {
            throw StepIndex.pastTheEnd(i, timesteps: timesteps.map(Double.init))
        }
        // One source of truth: the kernel runs on the scalars `stepCoefficients` shows.
        let k = coefficients(at: i, sChurn: sChurn, sTmin: sTmin, sTmax: sTmax, sNoise: sNoise)
        var churn: (sNoise: Float, scale: Float)?
        if let churnStd = k.churnStd {
            guard let generator else {
                throw SchedulerError(key: "generator", message: "s_churn \(sChurn) draws noise; pass a generator")
            }
            if noiseBuffer.count != count { noiseBuffer = Tensor.uninitializedScalars(count) }
            noiseBuffer.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
            churn = (k.sNoise, churnStd)
        }
        return StepPlan(
            index: i, estimate: EulerKernel.Estimate(config.predictionType, sigma: k.sigma, sigmaHat: k.sigmaHat),
            sigmaHat: k.sigmaHat, dt: k.dt, churn: churn)
    }

    /// The scalars of step `i` (in range) with these churn arguments.
    private func coefficients(at i: Int, sChurn: Double, sTmin: Double, sTmax: Double, sNoise: Double) -> EulerStepCoefficients {
        let sigma = sigmas[i]
        // Python-float maths for gamma.
        let inRange = Float(sTmin) <= sigma && sigma <= Float(sTmax)
        let gamma = inRange ? Swift.min(sChurn / Double(sigmas.count - 1), 2.0.squareRoot() - 1) : 0
        return EulerStepCoefficients(stepIndex: i, sigma: sigma, sigmaNext: sigmas[i + 1], gamma: gamma, sNoise: sNoise)
    }

    /// The scalars step `stepIndex` uses with these churn arguments: σ_i, σ_{i+1}, γ, σ̂, dt and
    /// the churn noise's standard deviation. Throws for a step outside the schedule or a
    /// non-finite `sChurn`/`sNoise`, as `step` does.
    public func stepCoefficients(
        stepIndex i: Int, sChurn: Double = 0, sTmin: Double = 0, sTmax: Double = .infinity, sNoise: Double = 1
    ) throws(SchedulerError) -> EulerStepCoefficients {
        for (value, key) in [(sChurn, "s_churn"), (sNoise, "s_noise")] where !value.isFinite {
            throw SchedulerError(key: key, message: "\(key) must be finite, not \(value)")
        }
        guard i >= 0, i + 1 < sigmas.count else {
            throw SchedulerError(key: "step_index", message: "step \(i) is outside the \(timesteps.count) steps")
        }
        return coefficients(at: i, sChurn: sChurn, sTmin: sTmin, sTmax: sTmax, sNoise: sNoise)
    }

    /// ``stepCoefficients(stepIndex:sChurn:sTmin:sTmax:sNoise:)`` of every step, in sampling order.
    public func stepPlan(
        sChurn: Double = 0, sTmin: Double = 0, sTmax: Double = .infinity, sNoise: Double = 1
    ) throws(SchedulerError) -> [EulerStepCoefficients] {
        var plan: [EulerStepCoefficients] = []
        for i in timesteps.indices {
            plan.append(try stepCoefficients(stepIndex: i, sChurn: sChurn, sTmin: sTmin, sTmax: sTmax, sNoise: sNoise))
        }
        return plan
    }

    /// The fused pass; `out` may be `x`, and `x0` nil when the estimate is not wanted.
    private func run(
        _ plan: StepPlan, _ modelOutput: Tensor, _ x: UnsafePointer<Float>, _ x0: UnsafeMutablePointer<Float>?,
        _ out: UnsafeMutablePointer<Float>, count: Int
    ) {
        modelOutput.scalars.withUnsafeBufferPointer { m in
            noiseBuffer.withUnsafeBufferPointer { noise in
                guard let m = m.baseAddress else { return }
                EulerKernel.euler(
                    plan.estimate, sigmaHat: plan.sigmaHat, dt: plan.dt, churn: plan.churn, count: count, sample: x,
                    model: m, noise: noise.baseAddress, original: x0, output: out, level: kernelLevel)
            }
        }
    }

    /// `add_noise`: x₀ + ε·σ at the sigma of each timestep (one, or one per batch item).
    public func addNoise(originalSamples: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try VESigmaNoise.addNoise(
            originalSamples: originalSamples, noise: noise, timesteps: timesteps.map(Double.init), index: index,
            schedule: self.timesteps.map(Double.init), sigmas: sigmas)
    }

    /// `get_velocity`: the v-prediction training target √ᾱ · ε − √(1 − ᾱ) · x, with one timestep or
    /// one per batch item.
    ///
    /// As in diffusers, ᾱ is `alphas_cumprod[i]` where i is the timestep's *position* in `timesteps`
    /// (`index_for_timestep`: the second match when it occurs twice), not the timestep itself; before
    /// `setTimesteps` that is the training schedule, T − 1 … 0. Each timestep must be in `timesteps`.
    public func getVelocity(sample: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        let schedule = self.timesteps
        var alphaProducts: [Float] = []
        for t in timesteps {
            let i: Int
            do {
                i = try StepIndex.index(of: Double(t), in: schedule, missing: .error) { Double($0) }
            } catch {
                throw SchedulerError(key: "timesteps", message: error.message)
            }
            // More inference steps than training timesteps: diffusers' indexing raises too.
            guard i < alphasCumprod.count else {
                throw SchedulerError(
                    key: "timesteps", message: "timestep \(t) is step \(i), past the \(alphasCumprod.count) training timesteps")
            }
            alphaProducts.append(alphasCumprod[i])
        }
        return try ForwardProcess.velocity(alphaProducts: alphaProducts, sample: sample, noise: noise)
    }
}

/// `torch.max` over a float32 vector (NaN wins, as in torch).
enum TorchReduction {
    static func max(_ values: [Float]) -> Float {
        var best = -Float.infinity
        for value in values {
            if value.isNaN { return value }
            if value > best { best = value }
        }
        return best
    }
}

/// `add_noise` of the variance-exploding schedulers (Euler, Euler ancestral, Heun): x₀ + ε·σ.
enum VESigmaNoise {
    static func addNoise(
        originalSamples: Tensor, noise: Tensor, timesteps: [Double], index: StepIndex, schedule: [Double], sigmas: [Float]
    ) throws(SchedulerError) -> Tensor {
        try originalSamples.checkSameShape(as: noise, "originalSamples", "noise")
        let indices = try SolverForwardProcess.stepIndices(
            timesteps, index: index, count: originalSamples.shape.first ?? 1
        ) { (t: Double) throws(SchedulerError) -> Int in
            try StepIndex.index(of: t, in: schedule, missing: .error) { $0 }
        }
        var sigmaPerItem: [Float] = []
        for i in indices {
            guard i < sigmas.count else { throw SchedulerError(key: "timesteps", message: "step index \(i) is out of range") }
            sigmaPerItem.append(sigmas[i])
        }
        let perItem = sigmaPerItem.count == 1 ? originalSamples.count : originalSamples.count / max(sigmaPerItem.count, 1)
        var out = Tensor.uninitializedScalars(originalSamples.count)
        originalSamples.scalars.withUnsafeBufferPointer { x in
            noise.scalars.withUnsafeBufferPointer { n in
                out.withUnsafeMutableBufferPointer { o in
                    for (item, sigma) in sigmaPerItem.enumerated() {
                        for k in item * perItem..<(item + 1) * perItem { o[k] = x[k] + n[k] * sigma }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: originalSamples.shape, scalars: out)
    }
}

extension EulerDiscreteScheduler: StepIndexedScheduler {
    /// `"EulerDiscreteScheduler"`.
    public static var className: String { EulerDiscreteSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// The float32 timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// x / √(σ² + 1).
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor {
        try scaleModelInput(sample, timestep: try float32Timestep(timestep))
    }
    /// A deterministic Euler step (no churn); the output carries the x₀ estimate.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        try step(modelOutput: modelOutput, timestep: try float32Timestep(timestep), sample: sample, generator: generator)
    }
}

/// Converts a protocol timestep to a float32 timestep, which it must represent exactly.
func float32Timestep(_ value: Double, key: String = "timestep") throws(SchedulerError) -> Float {
    let single = Float(value)
    guard Double(single) == value || value.isNaN else {
        throw SchedulerError(key: key, message: "\(key) \(value) is not a float32 timestep of the schedule")
    }
    return single
}
