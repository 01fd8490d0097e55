internal import CSchedulerKernels

/// The fused element loops of the Euler-family steps (Euler, Euler ancestral), in torch's
/// float32 operation order: x₀ from the model output, the ODE derivative `(x − x₀)/σ̂` and the
/// Euler update `x + d·dt`, plus the optional churn noise before and the ancestral noise after.
enum EulerKernel {
    /// How x₀ is derived from the model output at noise level σ.
    enum Estimate {
        /// `x − σ̂·m`.
        case epsilon(sigma: Float)
        /// `m`.
        case sample
        /// `m·(−σ/√(σ²+1)) + x/(σ²+1)`: `scale` is the first factor, `divisor` is σ² + 1.
        case velocity(scale: Float, divisor: Float)

        /// diffusers' `pred_original_sample` expressions for one prediction type.
        init(_ prediction: PredictionType, sigma: Float, sigmaHat: Float) {
            switch prediction {
            case .epsilon: self = .epsilon(sigma: sigmaHat)
            case .sample: self = .sample
            case .vPrediction:
                let divisor = sigma * sigma + 1
                self = .velocity(scale: -sigma / TorchNumerics.sqrt(divisor), divisor: divisor)
            }
        }

        /// The C kernels' SK_EULER_* mode number and its scalars s, vc, vb.
        var kernelMode: (mode: Int32, s: Float, vc: Float, vb: Float) {
            switch self {
            case .epsilon(let s): (Int32(SK_EULER_EPSILON), s, 0, 0)
            case .sample: (Int32(SK_EULER_SAMPLE), 0, 0, 0)
            case .velocity(let c, let b): (Int32(SK_EULER_VELOCITY), 0, c, b)
            }
        }
    }

    /// Euler ancestral in the C kernels at `level`: `(x + ((x − x₀)/σ)·dt) + noise·σ_up`; `original` may be nil.
    static func ancestral(
        _ estimate: Estimate, sigma: Float, dt: Float, sigmaUp: Float, count: Int, sample: UnsafePointer<Float>,
        model: UnsafePointer<Float>, noise: UnsafePointer<Float>, original: UnsafeMutablePointer<Float>?,
        output: UnsafeMutablePointer<Float>, level: KernelLevel
    ) {
        var params = sk_ancestral_params()
        (params.mode, params.s, params.vc, params.vb) = estimate.kernelMode
        params.sigma = sigma
        params.dt = dt
        params.sigma_up = sigmaUp
        sk_euler_ancestral(level.rawValue, &params, sample, model, noise, original, output, count)
    }

    /// Buffers of one step.
    struct Buffers {
        var count: Int
        var sample: UnsafePointer<Float>
        var model: UnsafePointer<Float>
        var noise: UnsafePointer<Float>?
        var original: UnsafeMutablePointer<Float>
        var output: UnsafeMutablePointer<Float>
    }

    /// Euler in the C kernels at `level`; `original` may be nil when x₀ is not wanted.
    static func euler(
        _ estimate: Estimate, sigmaHat: Float, dt: Float, churn: (sNoise: Float, scale: Float)?,
        count: Int, sample: UnsafePointer<Float>, model: UnsafePointer<Float>, noise: UnsafePointer<Float>?,
        original: UnsafeMutablePointer<Float>?, output: UnsafeMutablePointer<Float>, level: KernelLevel
    ) {
        var params = sk_euler_params()
        (params.mode, params.s, params.vc, params.vb) = estimate.kernelMode
        params.sigma_hat = sigmaHat
        params.dt = dt
        params.s_noise = churn?.sNoise ?? 0
        params.churn = churn?.scale ?? 0
        sk_euler(level.rawValue, &params, sample, model, churn == nil ? nil : noise, original, output, count)
    }

    /// Euler: with `churn` = (s_noise, √(σ̂² − σ²)), the sample first becomes `x + (noise·s_noise)·k`.
    static func euler(
        _ estimate: Estimate, sigmaHat: Float, dt: Float, churn: (sNoise: Float, scale: Float)?, _ p: Buffers
    ) {
        switch estimate {
        case .epsilon(let s): euler(sigmaHat, dt, churn, p) { x, m in x - s * m }
        case .sample: euler(sigmaHat, dt, churn, p) { _, m in m }
        case .velocity(let c, let b): euler(sigmaHat, dt, churn, p) { x, m in m * c + x / b }
        }
    }

    @inline(__always)
    private static func euler(
        _ sigmaHat: Float, _ dt: Float, _ churn: (sNoise: Float, scale: Float)?, _ p: Buffers,
        _ estimate: (Float, Float) -> Float
    ) {
        let x = p.sample, m = p.model, x0 = p.original, out = p.output
        if let churn, let noise = p.noise {
            let sn = churn.sNoise, k = churn.scale
            for i in 0..<p.count {
                let xi = x[i] + (noise[i] * sn) * k
                let original = estimate(xi, m[i])
                x0[i] = original
                out[i] = xi + ((xi - original) / sigmaHat) * dt
            }
        } else {
            for i in 0..<p.count {
                let xi = x[i]
                let original = estimate(xi, m[i])
                x0[i] = original
                out[i] = xi + ((xi - original) / sigmaHat) * dt
            }
        }
    }

    /// Euler ancestral: `(x + d·dt) + noise·σ_up` with d = (x − x₀)/σ and dt = σ_down − σ.
    static func ancestral(_ estimate: Estimate, sigma: Float, dt: Float, sigmaUp: Float, _ p: Buffers) {
        switch estimate {
        case .epsilon(let s): ancestral(sigma, dt, sigmaUp, p) { x, m in x - s * m }
        case .sample: ancestral(sigma, dt, sigmaUp, p) { _, m in m }
        case .velocity(let c, let b): ancestral(sigma, dt, sigmaUp, p) { x, m in m * c + x / b }
        }
    }

    @inline(__always)
    private static func ancestral(
        _ sigma: Float, _ dt: Float, _ sigmaUp: Float, _ p: Buffers, _ estimate: (Float, Float) -> Float
    ) {
        guard let noise = p.noise else { return }
        let x = p.sample, m = p.model, x0 = p.original, out = p.output
        for i in 0..<p.count {
            let xi = x[i]
            let original = estimate(xi, m[i])
            x0[i] = original
            out[i] = (xi + ((xi - original) / sigma) * dt) + noise[i] * sigmaUp
        }
    }
}
