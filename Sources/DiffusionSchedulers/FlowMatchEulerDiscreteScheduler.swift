internal import CSchedulerKernels

/// diffusers' `FlowMatchEulerDiscreteScheduler`: the Euler method on a rectified-flow ODE
/// (Stable Diffusion 3, Flux), with static or dynamic (μ) timestep shifting.
///
/// Matches `diffusers/schedulers/scheduling_flow_match_euler_discrete.py` of diffusers 0.42.1:
/// the float32 sigmas and timesteps are bit-identical (static shift, `time_shift` with μ,
/// `shift_terminal`, Karras / exponential / beta sigmas, `invert_sigmas`, custom sigmas or
/// timesteps), and `step` is one fused pass `x + dt·v` (or, with `stochastic_sampling`, the
/// re-noised x₀ estimate with diffusers' `randn`). ``step(modelOutput:timestep:sample:perTokenTimesteps:generator:)``
/// is diffusers' `per_token_timesteps` branch (LTX-Video and Sana conditioning), bit-identical too.
public final class FlowMatchEulerDiscreteScheduler {
    /// The options this scheduler was built from.
    public let config: FlowMatchEulerDiscreteSchedulerConfiguration
    /// The float32 timesteps σ·T of the schedule.
    public private(set) var timesteps: [Float]
    /// σ for each timestep plus the final 0 (1 with `invert_sigmas`).
    public private(set) var sigmas: [Float]
    /// The number of inference steps of the last `setTimesteps`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// The static shift in use (`set_shift` changes it).
    public private(set) var shift: Double
    /// The largest and smallest training sigma (after the static shift), which bound the inference schedule.
    public let sigmaMax: Double, sigmaMin: Double
    /// The standard deviation of the initial noise, 1 for flow matching.
    public let initNoiseSigma: Float = 1
    /// diffusers' `order`: one model evaluation per step.
    public let order = 1

    private var index = StepIndex()
    private var noiseBuffer: [Float] = []
    /// The instruction-set level of the step kernels (tests lower it to compare levels).
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler with the full training schedule; throws when an option is out of range.
    public init(
        config: FlowMatchEulerDiscreteSchedulerConfiguration = FlowMatchEulerDiscreteSchedulerConfiguration()
    ) throws(SchedulerError) {
        try config.validate()
        self.config = config
        shift = config.shift
        let t = config.numTrainTimesteps
        let trainT = Float(t)
        var s = TorchNumerics.numpyLinspace(1, Double(t), count: t).reversed().map { Float($0) / trainT }
        if !config.useDynamicShifting {
            let scale = Float(config.shift), slope = Float(config.shift - 1)
            s = s.map { scale * $0 / (1 + slope * $0) }
        }
        sigmas = s
        timesteps = s.map { $0 * trainT }
        sigmaMin = Double(s[s.count - 1])
        sigmaMax = Double(s[0])
    }

    /// The index of the next step, or nil before the first step.
    public var stepIndex: Int? { index.current }
    /// The begin index set by `setBeginIndex`, or nil.
    public var beginIndex: Int? { index.begin }

    /// `set_begin_index`: the first step starts at this index (img2img) instead of looking its timestep up.
    public func setBeginIndex(_ beginIndex: Int = 0) throws(SchedulerError) {
        try StepIndex.validateBegin(beginIndex, count: max(timesteps.count, 1))
        index.begin = beginIndex
    }

    /// `set_shift`: the static shift of later `setTimesteps` calls.
    public func setShift(_ shift: Double) throws(SchedulerError) {
        try SolverValidation.positive(shift, key: "shift")
        self.shift = shift
    }

    /// `set_timesteps(num_inference_steps, mu=…)`: n sigmas evenly spaced between the training
    /// extremes, shifted; `mu` is required with `use_dynamic_shifting` (and ignored otherwise).
    public func setTimesteps(_ numInferenceSteps: Int, mu: Double? = nil) throws(SchedulerError) {
        try SolverSteps.validate(numInferenceSteps, limit: .max)
        let t = Double(config.numTrainTimesteps)
        let spaced = TorchNumerics.numpyLinspace(sigmaMax * t, sigmaMin * t, count: numInferenceSteps)
        try finish(double: spaced.map { $0 / t }, customTimesteps: nil, mu: mu)
    }

    /// `set_timesteps(sigmas=…, timesteps=…, mu=…)`: custom float32 sigmas (shifted like the default
    /// ones, in float32 as numpy does for a float32 array) and/or custom timesteps used as given.
    public func setTimesteps(sigmas: [Float]? = nil, timesteps: [Float]? = nil, mu: Double? = nil) throws(SchedulerError) {
        if let sigmas, let timesteps, sigmas.count != timesteps.count {
            throw SchedulerError(key: "sigmas", message: "sigmas and timesteps must have the same length")
        }
        guard let count = sigmas?.count ?? timesteps?.count, count > 0 else {
            throw SchedulerError(key: "sigmas", message: "pass a non-empty list of sigmas or timesteps")
        }
        let trainT = Float(config.numTrainTimesteps)
        try finish(float: sigmas ?? timesteps!.map { $0 / trainT }, customTimesteps: timesteps, mu: mu)
    }

    private func checkMu(_ mu: Double?) throws(SchedulerError) -> Double? {
        guard config.useDynamicShifting else { return nil }
        guard let mu else {
            throw SchedulerError(key: "mu", message: "mu must be passed when use_dynamic_shifting is true")
        }
        guard mu.isFinite else { throw SchedulerError(key: "mu", message: "mu must be finite, not \(mu)") }
        return mu
    }

    /// The default path: numpy float64 from the linspace through the shift and stretch.
    private func finish(double sigmas: [Double], customTimesteps: [Float]?, mu: Double?) throws(SchedulerError) {
        let mu = try checkMu(mu)
        var s = sigmas.map { value in
            mu.map { FlowShift.timeShifted(value, mu: $0, type: config.timeShiftType) }
                ?? FlowShift.shifted(value, shift: shift)
        }
        if let terminal = config.shiftTerminal, terminal != 0 { s = FlowShift.stretched(s, terminal: terminal) }
        try convert(s, customTimesteps: customTimesteps)
    }

    /// User-passed float32 sigmas: numpy 2 keeps the arithmetic in float32.
    private func finish(float sigmas: [Float], customTimesteps: [Float]?, mu: Double?) throws(SchedulerError) {
        let mu = try checkMu(mu)
        var s = sigmas.map { value in
            mu.map { FlowShift.timeShifted(value, mu: $0, type: config.timeShiftType) }
                ?? FlowShift.shifted(value, shift: shift)
        }
        if let terminal = config.shiftTerminal, terminal != 0 { s = FlowShift.stretched(s, terminal: terminal) }
        try convert(s.map(Double.init), customTimesteps: customTimesteps)
    }

    private func convert(_ shifted: [Double], customTimesteps: [Float]?) throws(SchedulerError) {
        var s = shifted
        if let spacing = try config.sigmaSpacing() {
            s = spacing.convert(sigmaMin: s[s.count - 1], sigmaMax: s[0], count: s.count)
        }
        let trainT = Float(config.numTrainTimesteps)
        var single = s.map { Float($0) }
        var steps = customTimesteps ?? single.map { $0 * trainT }
        if config.invertSigmas {
            single = single.map { 1 - $0 }
            steps = single.map { $0 * trainT }
            single.append(1)
        } else {
            single.append(0)
        }
        sigmas = single
        timesteps = steps
        numInferenceSteps = steps.count
        index.reset()
    }

    private func resolveIndex(_ timestep: Float) throws(SchedulerError) -> Int {
        let timesteps = self.timesteps
        return try index.resolve { () throws(SchedulerError) -> Int in
            try StepIndex.index(of: Double(timestep), in: timesteps, missing: .error) { Double($0) }
        }
    }

    /// One flow-matching Euler step `x + (σ_next − σ)·v` from `timestep`.
    ///
    /// With `stochastic_sampling` it returns `(1 − σ_next)·x₀ + σ_next·noise` with x₀ = x − σ·v and
    /// noise from `generator`.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take()
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator, into: &prev)
        return StepOutput(prevSample: recycler.handOut(prev))
    }

    /// `step` writing into `prevSample`, reusing its storage when it has the sample's size.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, generator: TorchGenerator? = nil,
        into prevSample: inout Tensor
    ) throws(SchedulerError) {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        let plan = try prepareStep(timestep: timestep, count: sample.count, generator: generator)
        sample.withStepStorage(into: &prevSample) { x, out in run(plan, modelOutput, x, out, count: sample.count) }
        index.current = plan.index + 1
    }

    /// The step in place: `sample` becomes x_{t−1} (no second buffer; each element is read before it is written).
    public func step(
        modelOutput: Tensor, timestep: Float, sample: inout Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        let plan = try prepareStep(timestep: timestep, count: sample.count, generator: generator)
        let count = sample.count
        sample.withInPlaceStepStorage { x, out in run(plan, modelOutput, x, out, count: count) }
        index.current = plan.index + 1
    }

    private struct StepPlan {
        var index: Int
        var sigma: Float
        var next: Float
    }

    private func prepareStep(timestep: Float, count: Int, generator: TorchGenerator?) throws(SchedulerError) -> StepPlan {
        let i = try resolveIndex(timestep)
        guard i + 1 < sigmas.count else {
            throw StepIndex.pastTheEnd(i, timesteps: timesteps.map(Double.init))
        }
        if config.stochasticSampling {
            guard let generator else {
                throw SchedulerError(key: "generator", message: "stochastic_sampling draws noise every step; pass a generator")
            }
            drawNoise(count: count, from: generator)
        }
        return StepPlan(index: i, sigma: sigmas[i], next: sigmas[i + 1])
    }

    /// Fills `noiseBuffer` with `randn(count)` from `generator`, as diffusers' `randn_tensor(sample.shape)`.
    private func drawNoise(count: Int, from generator: TorchGenerator) {
        if noiseBuffer.count != count { noiseBuffer = Tensor.uninitializedScalars(count) }
        noiseBuffer.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    }

    /// `x + dt·m`, or `(1 − σ_next)·(x − σ·m) + σ_next·noise`; `out` may be `x`.
    private func run(
        _ plan: StepPlan, _ modelOutput: Tensor, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        let sigma = plan.sigma, next = plan.next
        let dt = next - sigma
        let keep = 1 - next
        let stochastic = config.stochasticSampling
        modelOutput.scalars.withUnsafeBufferPointer { m in
            noiseBuffer.withUnsafeBufferPointer { noise in
                guard let m = m.baseAddress else { return }
                if stochastic, let noise = noise.baseAddress {
                    for k in 0..<count { out[k] = keep * (x[k] - sigma * m[k]) + next * noise[k] }
                } else {
                    Self.flowEuler(level: kernelLevel, dt: dt, x, m, out, count)
                }
            }
        }
    }

    /// `x + dt·m` in the C kernels at `level`; `out` may be `x` (an in-place step).
    static func flowEuler(
        level: KernelLevel, dt: Float, _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        sk_flow_euler(level.rawValue, dt, x, m, out, count)
    }

    /// One step with a timestep per token: diffusers' `step(…, per_token_timesteps=…)`, which the
    /// LTX-Video and Sana pipelines use to hold conditioning tokens at their own noise level.
    ///
    /// Token (b, n) starts at its own σ = t_{b,n} / T and moves to the largest sigma of the schedule
    /// (the final one included) that lies below σ − 10⁻⁶, or to 0 when none does; its `channels`
    /// elements all take the same dt. As in diffusers, dt = σ − σ_next is **positive** here (the
    /// plain step uses σ_next − σ), so the pipelines pass the negated velocity. With
    /// `stochastic_sampling` the result is (1 − σ_next)·(x − σ·m) + σ_next·noise, noise from `generator`.
    ///
    /// `timestep` only keeps the step index as diffusers does: the first call looks it up in
    /// `timesteps` (or starts at the begin index), and every call advances the index by one.
    ///
    /// - Parameters:
    ///   - sample: x of shape `[batch, tokens, channels]`; `modelOutput` has the same shape.
    ///   - perTokenTimesteps: shape `[batch, tokens]`, where either extent may be 1 to share the
    ///     timesteps across the batch or across the tokens (torch broadcasting), or `[tokens]`,
    ///     which counts as `[1, tokens]`. Values are timesteps σ·T, as passed to the model.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, perTokenTimesteps: Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take()
        try step(
            modelOutput: modelOutput, timestep: timestep, sample: sample, perTokenTimesteps: perTokenTimesteps,
            generator: generator, into: &prev)
        return StepOutput(prevSample: recycler.handOut(prev))
    }

    /// The per-token step writing into `prevSample`, reusing its storage when it has the sample's size.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, perTokenTimesteps: Tensor, generator: TorchGenerator? = nil,
        into prevSample: inout Tensor
    ) throws(SchedulerError) {
        let plan = try preparePerTokenStep(
            modelOutput: modelOutput, timestep: timestep, sample: sample, perTokenTimesteps: perTokenTimesteps,
            generator: generator)
        sample.withStepStorage(into: &prevSample) { x, out in run(plan, modelOutput, x, out) }
        index.current = plan.index + 1
    }

    /// The per-token step in place: `sample` becomes the next sample (each element is read before it is written).
    public func step(
        modelOutput: Tensor, timestep: Float, sample: inout Tensor, perTokenTimesteps: Tensor,
        generator: TorchGenerator? = nil
    ) throws(SchedulerError) {
        let plan = try preparePerTokenStep(
            modelOutput: modelOutput, timestep: timestep, sample: sample, perTokenTimesteps: perTokenTimesteps,
            generator: generator)
        sample.withInPlaceStepStorage { x, out in run(plan, modelOutput, x, out) }
        index.current = plan.index + 1
    }

    /// The sigmas of one per-token step, per entry of the per-token timesteps, and how tokens map to them.
    private struct PerTokenPlan {
        var index: Int
        /// σ = t/T of each entry, row-major over `[rows, columns]`.
        var sigma: [Float]
        /// The schedule sigma each entry steps to.
        var next: [Float]
        var rows: Int, columns: Int
        var batch: Int, tokens: Int, channels: Int
    }

    /// Checks the shapes (before touching the step index), then finds each token's sigmas.
    private func preparePerTokenStep(
        modelOutput: Tensor, timestep: Float, sample: Tensor, perTokenTimesteps: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> PerTokenPlan {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        guard sample.shape.count == 3 else {
            throw SchedulerError(
                key: "sample",
                message: "a per-token step needs a sample of shape [batch, tokens, channels], not \(sample.shape)")
        }
        let (batch, tokens, channels) = (sample.shape[0], sample.shape[1], sample.shape[2])
        let perToken = perTokenTimesteps.shape
        let (rows, columns): (Int, Int)
        switch perToken.count {
        case 1: (rows, columns) = (1, perToken[0])
        case 2: (rows, columns) = (perToken[0], perToken[1])
        default:
            throw SchedulerError(
                key: "per_token_timesteps",
                message: "per_token_timesteps must have shape [batch, tokens] or [tokens], not \(perToken)")
        }
        guard rows == batch || rows == 1, columns == tokens || columns == 1 else {
            throw SchedulerError(
                key: "per_token_timesteps",
                message: "per_token_timesteps has shape \(perToken), which does not broadcast to the sample's [batch, tokens] = [\(batch), \(tokens)]")
        }
        let i = try resolveIndex(timestep)
        if config.stochasticSampling {
            guard let generator else {
                throw SchedulerError(key: "generator", message: "stochastic_sampling draws noise every step; pass a generator")
            }
            drawNoise(count: sample.count, from: generator)
        }
        // `per_token_timesteps / num_train_timesteps`, then `sigmas < per_token_sigmas - 1e-6` in float32.
        let trainT = Float(config.numTrainTimesteps)
        let sigma = perTokenTimesteps.scalars.map { $0 / trainT }
        let next = sigma.map { Self.nextSigma(below: $0 - Float(1e-6), in: sigmas) }
        return PerTokenPlan(
            index: i, sigma: sigma, next: next, rows: rows, columns: columns, batch: batch, tokens: tokens,
            channels: channels)
    }

    /// `(mask * sigmas).max(dim=0)` with mask = sigmas < `threshold`: the largest schedule sigma below
    /// the threshold, 0 when there is none (torch's max, where NaN wins).
    static func nextSigma(below threshold: Float, in sigmas: [Float]) -> Float {
        var best = -Float.infinity
        for s in sigmas {
            let masked = (s < threshold ? 1 : 0) * s
            if masked.isNaN { return masked }
            if masked > best { best = masked }
        }
        return best
    }

    /// Each token's channels: `x + dt·m` with dt = σ − σ_next, or the stochastic re-noising; `out` may be `x`.
    private func run(
        _ plan: PerTokenPlan, _ modelOutput: Tensor, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>
    ) {
        let stochastic = config.stochasticSampling
        let channels = plan.channels
        modelOutput.scalars.withUnsafeBufferPointer { m in
            noiseBuffer.withUnsafeBufferPointer { noise in
                guard let m = m.baseAddress else { return }
                for b in 0..<plan.batch {
                    for n in 0..<plan.tokens {
                        let entry = (plan.rows == 1 ? 0 : b) * plan.columns + (plan.columns == 1 ? 0 : n)
                        let sigma = plan.sigma[entry], next = plan.next[entry]
                        let offset = (b * plan.tokens + n) * channels
                        if stochastic, let noise = noise.baseAddress {
                            let keep = 1 - next
                            for k in offset..<offset + channels {
                                out[k] = keep * (x[k] - sigma * m[k]) + next * noise[k]
                            }
                        } else {
                            Self.flowEuler(
                                level: kernelLevel, dt: sigma - next, x + offset, m + offset, out + offset, channels)
                        }
                    }
                }
            }
        }
    }

    /// `scale_noise`: σ·noise + (1 − σ)·x at the sigma of each timestep (the forward process).
    public func scaleNoise(sample: Tensor, timesteps: [Float], noise: Tensor) throws(SchedulerError) -> Tensor {
        try sample.checkSameShape(as: noise, "sample", "noise")
        let schedule = self.timesteps.map(Double.init)
        let indices = try SolverForwardProcess.stepIndices(
            timesteps.map(Double.init), index: index, count: sample.shape.first ?? 1
        ) { (t: Double) throws(SchedulerError) -> Int in
            try StepIndex.index(of: t, in: schedule, missing: .error) { $0 }
        }
        var perItem: [Float] = []
        for i in indices {
            guard i < sigmas.count else { throw SchedulerError(key: "timesteps", message: "step index \(i) is out of range") }
            perItem.append(sigmas[i])
        }
        let itemCount = perItem.count == 1 ? sample.count : sample.count / max(perItem.count, 1)
        var out = Tensor.uninitializedScalars(sample.count)
        for (item, sigma) in perItem.enumerated() {
            for k in item * itemCount..<(item + 1) * itemCount {
                out[k] = sigma * noise.scalars[k] + (1 - sigma) * sample.scalars[k]
            }
        }
        return Tensor(uncheckedShape: sample.shape, scalars: out)
    }
}

extension FlowMatchEulerDiscreteScheduler: StepIndexedScheduler {
    /// `"FlowMatchEulerDiscreteScheduler"`.
    public static var className: String { FlowMatchEulerDiscreteSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// The float32 timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// `set_timesteps(n)`; throws with `use_dynamic_shifting`, which needs `mu`.
    public func setTimesteps(_ numInferenceSteps: Int) throws(SchedulerError) {
        try setTimesteps(numInferenceSteps, mu: nil)
    }
    /// The identity (flow matching has no input scaling).
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor { sample }
    /// One flow-matching Euler step.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        try step(modelOutput: modelOutput, timestep: try float32Timestep(timestep), sample: sample, generator: generator)
    }
}
