internal import CSchedulerKernels

/// One fused element pass of a DDPM-family step, run by the C kernels:
/// x₀ = clamp(estimate(x, m), lo, hi) and x_{t−1} = (a · x₀ + b · y) [+ 0 | + std · noise].
///
/// The cases spell out which diffusers expression each mode evaluates; the kernels keep torch's
/// float32 operation order, one rounding per Python operator, with no fused multiply-add.
struct StepPass {
    /// How x₀ comes from the sample x and the model output m.
    enum Estimate {
        case epsilon  // (x - beta_prod_t ** 0.5 * m) / alpha_prod_t ** 0.5
        case sample  // m
        case vPrediction  // alpha_prod_t ** 0.5 * x - beta_prod_t ** 0.5 * m

        init(_ prediction: PredictionType) {
            switch prediction {
            case .epsilon: self = .epsilon
            case .sample: self = .sample
            case .vPrediction: self = .vPrediction
            }
        }
    }

    /// The y of `a · x₀ + b · y`.
    enum Direction {
        case modelOutput  // DDIM epsilon: pred_epsilon = m
        case epsilonFromSample  // DDIM sample: (x - alpha_prod_t ** 0.5 * m) / beta_prod_t ** 0.5
        case epsilonFromVelocity  // DDIM v: alpha_prod_t ** 0.5 * m + beta_prod_t ** 0.5 * x
        case epsilonFromClippedEstimate  // DDIM use_clipped_model_output: (x - alpha_prod_t ** 0.5 * x0) / beta_prod_t ** 0.5
        case sample  // DDPM posterior mean: current_sample_coeff * x
    }

    /// What follows `a · x₀ + b · y`.
    enum Tail {
        case none
        case zero  // DDPM at t = 0 adds the int 0, turning −0 into +0
        case noise(std: Float)  // + std · noise; the noise is in the output buffer on entry
    }

    let estimate: Estimate
    let direction: Direction
    let tail: Tail
    let sqrtAlpha: Float, sqrtBeta: Float
    /// The clamp of x₀, or nil for none.
    let clipRange: Float?
    let a: Float, b: Float

    /// Runs the pass over all elements at `level`. `prev` holds the noise on entry for `.noise`.
    func run(
        level: KernelLevel, sample x: UnsafeBufferPointer<Float>, modelOutput m: UnsafeBufferPointer<Float>,
        original x0: UnsafeMutableBufferPointer<Float>, previous prev: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(x.count == m.count && x.count == x0.count && x.count == prev.count)
        guard let xs = x.baseAddress, let ms = m.baseAddress, let x0s = x0.baseAddress, let ps = prev.baseAddress
        else { return }
        var params = sk_step_params()
        switch estimate {
        case .epsilon: params.x0_mode = Int32(SK_X0_EPSILON)
        case .sample: params.x0_mode = Int32(SK_X0_SAMPLE)
        case .vPrediction: params.x0_mode = Int32(SK_X0_V)
        }
        switch direction {
        case .modelOutput: params.y_mode = Int32(SK_Y_MODEL)
        case .epsilonFromSample: params.y_mode = Int32(SK_Y_SAMPLE_EPSILON)
        case .epsilonFromVelocity: params.y_mode = Int32(SK_Y_V_EPSILON)
        case .epsilonFromClippedEstimate: params.y_mode = Int32(SK_Y_CLIPPED_EPSILON)
        case .sample: params.y_mode = Int32(SK_Y_SAMPLE)
        }
        switch tail {
        case .none: params.tail = Int32(SK_TAIL_NONE)
        case .zero: params.tail = Int32(SK_TAIL_ZERO)
        case .noise(let std):
            params.tail = Int32(SK_TAIL_NOISE)
            params.std = std
        }
        params.sqrt_alpha = sqrtAlpha
        params.sqrt_beta = sqrtBeta
        // clamp(±∞) is the identity, NaN included, so one loop serves clipped and unclipped x₀.
        params.lo = clipRange.map { -$0 } ?? -.infinity
        params.hi = clipRange ?? .infinity
        params.a = a
        params.b = b
        sk_step(level.rawValue, &params, xs, ms, x0s, ps, x.count)
    }
}

extension SchedulerOutput {
    /// Gives both tensors the sample's shape, reusing their storage when the element count already
    /// matches, so a sampling loop that keeps one output allocates nothing per step. New storage is
    /// left uninitialised: the step pass overwrites every element before anything reads it.
    mutating func prepare(like sample: Tensor) {
        Self.prepare(&prevSample, like: sample)
        Self.prepare(&predOriginalSample, like: sample)
    }

    private static func prepare(_ tensor: inout Tensor, like sample: Tensor) {
        guard tensor.shape != sample.shape || tensor.scalars.count != sample.count else { return }
        let scalars = tensor.scalars.count == sample.count ? tensor.scalars : uninitialized(sample.count)
        tensor = Tensor(uncheckedShape: sample.shape, scalars: scalars)
    }

    /// An empty output for `prepare(like:)` to fill.
    static func empty(like sample: Tensor) -> SchedulerOutput {
        SchedulerOutput(
            prevSample: Tensor(uncheckedShape: sample.shape, scalars: []),
            predOriginalSample: Tensor(uncheckedShape: sample.shape, scalars: []))
    }

    private static func uninitialized(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
