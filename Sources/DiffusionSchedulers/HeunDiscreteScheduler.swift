internal import CSchedulerKernels

/// diffusers' `HeunDiscreteScheduler`: Heun's second-order method (Algorithm 1 of Karras et al.,
/// arXiv 2206.00364) on the variance-exploding sigmas; two model evaluations per step.
///
/// Matches `diffusers/schedulers/scheduling_heun_discrete.py` of diffusers 0.42.1: the
/// interleaved float32 timesteps `[t₀, t₁, t₁, …]` and sigmas are bit-identical (including
/// Karras / exponential / beta sigmas and the `exp` beta schedule), and each half step is one
/// fused pass in torch's float32 operation order. The Euler half step keeps its derivative
/// and the sample it started from, as diffusers' `prev_derivative`, `dt` and `sample`.
public final class HeunDiscreteScheduler {
    /// The options this scheduler was built from.
    public let config: HeunDiscreteSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps.
    public let schedule: NoiseSchedule
    /// The interleaved float32 timesteps: the first once, the others twice (2n − 1 values).
    public private(set) var timesteps: [Float]
    /// The interleaved sigmas: σ₀, σ₁, σ₁, …, σₙ₋₁, σₙ₋₁, 0 (2n values).
    public private(set) var sigmas: [Float]
    /// The number of inference steps of the last `setTimesteps`.
    public private(set) var numInferenceSteps: Int
    /// diffusers' `order`: two model evaluations per step of the schedule.
    public let order = 2

    let table: TrainingSigmas
    private var index = StepIndex()
    /// The Euler half step's derivative and starting sample, waiting for the correction. The
    /// scheduler's own storage, reused by every Euler half: the starting sample is copied, never
    /// kept by reference, so a loop may overwrite its sample in place.
    private var derivativeBuffer: [Float] = []
    private var startBuffer: [Float] = []
    /// The Euler half step's dt while a correction is pending (diffusers' `dt`), and the element count it ran on.
    private var pendingDt: Float?
    private var pendingCount = 0
    /// The instruction-set level of the step kernels (tests lower it to compare levels).
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler with the full T-step schedule, as diffusers' constructor does.
    public init(config: HeunDiscreteSchedulerConfiguration = HeunDiscreteSchedulerConfiguration()) throws(SchedulerError) {
        try config.validate()
        self.config = config
        schedule = try config.noiseSchedule()
        table = TrainingSigmas(schedule: schedule, floorTerminalAlpha: false)
        timesteps = []
        sigmas = []
        numInferenceSteps = config.numTrainTimesteps
        try setTimesteps(config.numTrainTimesteps)
    }

    /// ᾱₜ.
    public var alphasCumprod: [Float] { table.alphasCumprod }
    /// The index of the next half step, or nil before the first.
    public var stepIndex: Int? { index.current }
    /// The begin index set by `setBeginIndex`, or nil.
    public var beginIndex: Int? { index.begin }
    /// Whether the next `step` is an Euler half step (diffusers' `state_in_first_order`).
    public var stateInFirstOrder: Bool { pendingDt == nil }

    /// The largest sigma (`linspace`, `trailing`) or √(σ_max² + 1) (`leading`).
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

    /// `set_timesteps(timesteps=[...])`: custom float32 timesteps (not with Karras, exponential or beta sigmas).
    public func setTimesteps(timesteps custom: [Float]) throws(SchedulerError) {
        guard !custom.isEmpty else { throw SchedulerError(key: "timesteps", message: "custom timesteps must not be empty") }
        if try config.sigmaSpacing() != nil {
            throw SchedulerError(key: "timesteps", message: "cannot set custom timesteps with Karras, exponential or beta sigmas")
        }
        try finish(custom, n: custom.count)
    }

    private func finish(_ spaced: [Float], n: Int) throws(SchedulerError) {
        numInferenceSteps = n
        var sigmas = spaced.map { NumpyMath.interpOverIndices(Double($0), table.sigmas) }
        var timesteps = spaced.map(Double.init)
        if let spacing = try config.sigmaSpacing() {
            sigmas = spacing.convert(sigmaMin: sigmas[sigmas.count - 1], sigmaMax: sigmas[0], count: n)
            timesteps = sigmas.map { table.timestep(forSigma: $0) }
        }
        let single = sigmas.map { Float($0) } + [0]
        var interleaved = [single[0]]
        for sigma in single.dropFirst().dropLast() { interleaved += [sigma, sigma] }
        interleaved.append(single[single.count - 1])
        self.sigmas = interleaved
        let steps = timesteps.map { Float($0) }
        var interleavedSteps = [steps[0]]
        for t in steps.dropFirst() { interleavedSteps += [t, t] }
        self.timesteps = interleavedSteps
        pendingDt = nil
        index.reset()
    }

    private func resolveIndex(_ timestep: Float) throws(SchedulerError) -> Int {
        let timesteps = self.timesteps
        return try index.resolve { () throws(SchedulerError) -> Int in
            try StepIndex.index(of: Double(timestep), in: timesteps, missing: .error) { Double($0) }
        }
    }

    /// `scale_model_input`: x / √(σ² + 1) at the current half step's sigma.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws(SchedulerError) -> Tensor {
        let i = try resolveIndex(timestep)
        guard i < sigmas.count else {
            throw SchedulerError(key: "timestep", message: "step \(i) is past the end of the schedule")
        }
        let sigma = sigmas[i]
        let divisor = TorchNumerics.sqrt(sigma * sigma + 1)
        return Tensor(uncheckedShape: sample.shape, scalars: sample.scalars.map { $0 / divisor })
    }

    /// One half step: the Euler predictor (first order) or Heun's correction (second order).
    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take(), original = recycler.take()
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, into: &prev, predOriginalSample: &original)
        return StepOutput(prevSample: recycler.handOut(prev), predOriginalSample: recycler.handOut(original))
    }

    /// `step` writing into `prevSample` and `predOriginalSample`, reusing their storage when it has
    /// the sample's size: with the derivative and starting-sample buffers recycled too, a loop
    /// allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep: Float, sample: Tensor, into prevSample: inout Tensor,
        predOriginalSample: inout Tensor
    ) throws(SchedulerError) {
        let plan = try prepareStep(modelOutput: modelOutput, timestep: timestep, sample: sample)
        sample.withStepStorage(into: &prevSample, original: &predOriginalSample) { x, x0, out in
            run(plan, modelOutput, x, x0, out, count: sample.count)
        }
        finish(plan, count: sample.count)
    }

    /// The half step in place: `sample` becomes the next sample and the x₀ estimate is not stored
    /// (the fastest form for a sampling loop; each element is read before it is written).
    public func step(modelOutput: Tensor, timestep: Float, sample: inout Tensor) throws(SchedulerError) {
        let plan = try prepareStep(modelOutput: modelOutput, timestep: timestep, sample: sample)
        let count = sample.count
        sample.withInPlaceStepStorage { x, out in run(plan, modelOutput, x, nil, out, count: count) }
        finish(plan, count: count)
    }

    private struct StepPlan {
        var index: Int
        var firstOrder: Bool
        var estimate: EulerKernel.Estimate
        var clip: Float
        /// σ for the Euler half, σ_next for the correction.
        var sigma: Float
        var dt: Float
    }

    /// Checks the arguments and computes the half step's float32 scalars.
    private func prepareStep(modelOutput: Tensor, timestep: Float, sample: Tensor) throws(SchedulerError) -> StepPlan {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        let i = try resolveIndex(timestep)
        let first = stateInFirstOrder
        guard (first ? i + 1 : i) < sigmas.count, first || i >= 1 else {
            throw StepIndex.pastTheEnd(i, timesteps: timesteps.map(Double.init))
        }
        let sigma = first ? sigmas[i] : sigmas[i - 1]
        let sigmaNext = first ? sigmas[i + 1] : sigmas[i]
        let sigmaIn = first ? sigma : sigmaNext
        let estimate = EulerKernel.Estimate(config.predictionType, sigma: sigmaIn, sigmaHat: sigmaIn)
        let clip = config.clipSample ? Float(config.clipSampleRange) : .infinity
        let count = sample.count
        if first {
            if derivativeBuffer.count != count {
                derivativeBuffer = Tensor.uninitializedScalars(count)
                startBuffer = Tensor.uninitializedScalars(count)
            }
            return StepPlan(index: i, firstOrder: true, estimate: estimate, clip: clip, sigma: sigma, dt: sigmaNext - sigma)
        }
        guard let dt = pendingDt, pendingCount == count else {
            throw SchedulerError(key: "sample", message: "sample size changed between the two halves of a Heun step")
        }
        return StepPlan(index: i, firstOrder: false, estimate: estimate, clip: clip, sigma: sigmaNext, dt: dt)
    }

    /// The fused half step; `out` may be `x`, and `x0` nil when the estimate is not wanted.
    private func run(
        _ plan: StepPlan, _ modelOutput: Tensor, _ x: UnsafePointer<Float>, _ x0: UnsafeMutablePointer<Float>?,
        _ out: UnsafeMutablePointer<Float>, count: Int
    ) {
        modelOutput.scalars.withUnsafeBufferPointer { m in
            derivativeBuffer.withUnsafeMutableBufferPointer { d in
                startBuffer.withUnsafeMutableBufferPointer { start in
                    guard let m = m.baseAddress, let d = d.baseAddress, let start = start.baseAddress else { return }
                    HeunKernel.halfStep(
                        firstOrder: plan.firstOrder, plan.estimate, clip: plan.clip, sigma: plan.sigma, dt: plan.dt,
                        count: count, sample: x, model: m, derivative: d, start: start, original: x0, output: out,
                        level: kernelLevel)
                }
            }
        }
    }

    /// The Euler half leaves its dt for the correction; the correction clears it.
    private func finish(_ plan: StepPlan, count: Int) {
        pendingDt = plan.firstOrder ? plan.dt : nil
        pendingCount = count
        index.current = plan.index + 1
    }

    /// `add_noise`: x₀ + ε·σ at the sigma of each timestep (one, or one per batch item).
    public func addNoise(originalSamples: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try VESigmaNoise.addNoise(
            originalSamples: originalSamples, noise: noise, timesteps: timesteps.map(Double.init), index: index,
            schedule: self.timesteps.map(Double.init), sigmas: sigmas)
    }
}

/// The two half steps of Heun's method: in the C kernels, and in Swift, kept as the reference
/// the C kernels are tested against.
enum HeunKernel {
    /// A half step in the C kernels at `level`: the Euler half (from σ = `sigma`), which writes x
    /// and d into `start` and `derivative`, or the correction (at σ_next = `sigma`), which reads
    /// them. `original` may be nil; `output` may be `sample`.
    static func halfStep(
        firstOrder: Bool, _ estimate: EulerKernel.Estimate, clip: Float, sigma: Float, dt: Float, count: Int,
        sample: UnsafePointer<Float>, model: UnsafePointer<Float>, derivative: UnsafeMutablePointer<Float>,
        start: UnsafeMutablePointer<Float>, original: UnsafeMutablePointer<Float>?,
        output: UnsafeMutablePointer<Float>, level: KernelLevel
    ) {
        var params = sk_heun_params()
        (params.mode, params.s, params.vc, params.vb) = estimate.kernelMode
        params.lo = -clip
        params.hi = clip
        params.sigma = sigma
        params.dt = dt
        if firstOrder {
            sk_heun_first(level.rawValue, &params, sample, model, original, derivative, start, output, count)
        } else {
            sk_heun_second(level.rawValue, &params, sample, model, derivative, start, original, output, count)
        }
    }

    /// x₀, d = (x − x₀)/σ (kept), x + d·dt.
    static func firstOrder(
        _ estimate: EulerKernel.Estimate, clip: Float, sigma: Float, dt: Float, _ sample: Tensor, _ model: Tensor,
        _ derivative: inout Tensor, _ original: inout Tensor, _ output: inout Tensor
    ) {
        sample.scalars.withUnsafeBufferPointer { x in
            model.scalars.withUnsafeBufferPointer { m in
                derivative.scalars.withUnsafeMutableBufferPointer { d in
                    original.scalars.withUnsafeMutableBufferPointer { x0 in
                        output.scalars.withUnsafeMutableBufferPointer { out in
                            switch estimate {
                            case .epsilon(let s): first(x, m, d, x0, out, clip, sigma, dt) { x, m in x - s * m }
                            case .sample: first(x, m, d, x0, out, clip, sigma, dt) { _, m in m }
                            case .velocity(let c, let b): first(x, m, d, x0, out, clip, sigma, dt) { x, m in m * c + x / b }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func first(
        _ x: UnsafeBufferPointer<Float>, _ m: UnsafeBufferPointer<Float>, _ d: UnsafeMutableBufferPointer<Float>,
        _ x0: UnsafeMutableBufferPointer<Float>, _ out: UnsafeMutableBufferPointer<Float>, _ clip: Float,
        _ sigma: Float, _ dt: Float, _ value: (Float, Float) -> Float
    ) {
        for k in 0..<x.count {
            let xi = x[k]
            let o = TorchNumerics.clamp(value(xi, m[k]), -clip, clip)
            x0[k] = o
            let dk = (xi - o) / sigma
            d[k] = dk
            out[k] = xi + dk * dt
        }
    }

    /// x₀ at σ_next, d = (d_prev + (x − x₀)/σ_next)/2, x_start + d·dt.
    static func secondOrder(
        _ estimate: EulerKernel.Estimate, clip: Float, sigmaNext: Float, dt: Float, _ sample: Tensor, _ model: Tensor,
        _ previous: Tensor, _ start: Tensor, _ original: inout Tensor, _ output: inout Tensor
    ) {
        sample.scalars.withUnsafeBufferPointer { x in
            model.scalars.withUnsafeBufferPointer { m in
                previous.scalars.withUnsafeBufferPointer { dPrev in
                    start.scalars.withUnsafeBufferPointer { x1 in
                        original.scalars.withUnsafeMutableBufferPointer { x0 in
                            output.scalars.withUnsafeMutableBufferPointer { out in
                                switch estimate {
                                case .epsilon(let s):
                                    second(x, m, dPrev, x1, x0, out, clip, sigmaNext, dt) { x, m in x - s * m }
                                case .sample:
                                    second(x, m, dPrev, x1, x0, out, clip, sigmaNext, dt) { _, m in m }
                                case .velocity(let c, let b):
                                    second(x, m, dPrev, x1, x0, out, clip, sigmaNext, dt) { x, m in m * c + x / b }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func second(
        _ x: UnsafeBufferPointer<Float>, _ m: UnsafeBufferPointer<Float>, _ dPrev: UnsafeBufferPointer<Float>,
        _ x1: UnsafeBufferPointer<Float>, _ x0: UnsafeMutableBufferPointer<Float>,
        _ out: UnsafeMutableBufferPointer<Float>, _ clip: Float, _ sigmaNext: Float, _ dt: Float,
        _ value: (Float, Float) -> Float
    ) {
        for k in 0..<x.count {
            let xi = x[k]
            let o = TorchNumerics.clamp(value(xi, m[k]), -clip, clip)
            x0[k] = o
            let dk = (dPrev[k] + (xi - o) / sigmaNext) / 2
            out[k] = x1[k] + dk * dt
        }
    }
}

extension HeunDiscreteScheduler: StepIndexedScheduler {
    /// `"HeunDiscreteScheduler"`.
    public static var className: String { HeunDiscreteSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// The interleaved float32 timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// x / √(σ² + 1).
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor {
        try scaleModelInput(sample, timestep: try float32Timestep(timestep))
    }
    /// One half step (deterministic; `generator` is not used).
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        try step(modelOutput: modelOutput, timestep: try float32Timestep(timestep), sample: sample)
    }
}
