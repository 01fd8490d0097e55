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

        /// The C kernels' SK_X0_* mode number.
        var kernelMode: Int32 {
            switch self {
            case .epsilon: Int32(SK_X0_EPSILON)
            case .sample: Int32(SK_X0_SAMPLE)
            case .vPrediction: Int32(SK_X0_V)
            }
        }
    }

    /// The kernels' x₀ clamp bounds: ±range, or ±∞ for none (clamp(±∞) is the identity, NaN
    /// included, so one loop serves clipped and unclipped x₀).
    static func clampBounds(_ clipRange: Float?) -> (lo: Float, hi: Float) {
        (clipRange.map { -$0 } ?? -.infinity, clipRange ?? .infinity)
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
        case noise(std: Float)  // + std · noise
    }

    /// Where the noise of a `.noise` tail comes from.
    enum Noise {
        /// Drawn already, one value per element (may be the `original` buffer: read before written).
        case values(UnsafeBufferPointer<Float>)
        /// `torch.randn(count)` from this generator, drawn inside the pass (one draw per step, as diffusers).
        case generator(TorchGenerator)
    }

    let estimate: Estimate
    let direction: Direction
    let tail: Tail
    let sqrtAlpha: Float, sqrtBeta: Float
    /// The clamp of x₀, or nil for none.
    let clipRange: Float?
    let a: Float, b: Float

    /// Runs the pass over all elements at `level`, storing x₀ in `original` unless it is nil.
    ///
    /// Each element is read before it is written, so `previous` may be the sample's own storage
    /// (an in-place step). `noise` is used only with a `.noise` tail, which requires it.
    func run(
        level: KernelLevel, sample x: UnsafeBufferPointer<Float>, modelOutput m: UnsafeBufferPointer<Float>,
        noise: Noise? = nil, original x0: UnsafeMutableBufferPointer<Float>?,
        previous prev: UnsafeMutableBufferPointer<Float>
    ) {
        let n = x.count
        precondition(m.count == n && prev.count == n && (x0?.count ?? n) == n)
        guard n > 0, let xs = x.baseAddress, let ms = m.baseAddress, let ps = prev.baseAddress else { return }
        var params = kernelParameters
        let x0s = x0?.baseAddress
        guard case .noise = tail else {
            sk_step(level.rawValue, &params, xs, ms, nil, x0s, ps, n)
            return
        }
        switch noise {
        case .values(let values):
            precondition(values.count == n)
            sk_step(level.rawValue, &params, xs, ms, values.baseAddress, x0s, ps, n)
        case .generator(let generator) where n >= 16:
            generator.withEngine { sk_step_randn(level.rawValue, &params, $0, xs, ms, x0s, ps, n) }
        case .generator(let generator):
            // Fewer than 16 values: torch's scalar double-precision path, with its cached normal.
            let values = generator.randn(count: n)
            values.withUnsafeBufferPointer { sk_step(level.rawValue, &params, xs, ms, $0.baseAddress, x0s, ps, n) }
        case nil:
            preconditionFailure("a noise tail needs noise")
        }
    }

    private var kernelParameters: sk_step_params {
        var params = sk_step_params()
        params.x0_mode = estimate.kernelMode
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
        (params.lo, params.hi) = Self.clampBounds(clipRange)
        params.a = a
        params.b = b
        return params
    }
}
