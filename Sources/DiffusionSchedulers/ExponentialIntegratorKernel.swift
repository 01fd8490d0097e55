internal import CSchedulerKernels

/// The fused element loops of the exponential-integrator solvers (DPM-Solver multistep and
/// singlestep, UniPC): convert the model output to the solver's prediction, store it for the
/// next steps, and combine it with the sample and earlier predictions in one pass.
///
/// Every combination is written with torch's float32 operation order: diffusers evaluates
/// `A * x - B * D0 - C * D1 + N * noise` as separate kernels, left to right, so each element is
/// `((A·x + (−B)·D0) + (−C)·D1) + N·noise` with one rounding per operation (subtracting a
/// product and adding its negation are the same IEEE operation, so the signs live in the
/// coefficients). No multiply–add is fused.
enum ModelConversion {
    /// (x − σ·m) / α: x₀ from ε.
    case dataFromNoise(sigma: Float, alpha: Float)
    /// m: the model already predicts what the solver integrates.
    case identity
    /// α·x − σ·m: x₀ from v.
    case dataFromVelocity(alpha: Float, sigma: Float)
    /// x − σ·m: x₀ from a flow velocity.
    case dataFromFlow(sigma: Float)
    /// (x − α·m) / σ: ε from x₀.
    case noiseFromData(alpha: Float, sigma: Float)
    /// α·m + σ·x: ε from v.
    case noiseFromVelocity(alpha: Float, sigma: Float)

    /// diffusers' DPM-Solver `convert_model_output`: x₀ for the `++` algorithms, ε otherwise, at
    /// noise level `sigma` with (αₜ, σₜ) = `alphaSigma`.
    static func dpmSolver(
        algorithmType: DPMSolverAlgorithmType, predictionType: SolverPredictionType, sigma: Float,
        alphaSigma: (alpha: Float, sigma: Float)
    ) throws(SchedulerError) -> ModelConversion {
        guard let conversion = solver(
            predictsData: algorithmType.predictsData, predictionType: predictionType, sigma: sigma, alphaSigma: alphaSigma)
        else {
            throw SchedulerError(
                key: "prediction_type",
                message: "prediction_type 'flow_prediction' is not supported with algorithm_type '\(algorithmType.rawValue)'")
        }
        return conversion
    }

    /// The model output as the solver's prediction, x₀ (`predictsData`) or ε, as the multistep
    /// solvers' `convert_model_output` computes it; nil for ε from a flow prediction, which
    /// diffusers does not support.
    static func solver(
        predictsData: Bool, predictionType: SolverPredictionType, sigma: Float, alphaSigma: (alpha: Float, sigma: Float)
    ) -> ModelConversion? {
        let (alpha, sigmaT) = alphaSigma
        switch (predictsData, predictionType) {
        case (true, .epsilon): return .dataFromNoise(sigma: sigmaT, alpha: alpha)
        case (true, .sample): return .identity
        case (true, .vPrediction): return .dataFromVelocity(alpha: alpha, sigma: sigmaT)
        case (true, .flowPrediction): return .dataFromFlow(sigma: sigma)
        case (false, .epsilon): return .identity
        case (false, .sample): return .noiseFromData(alpha: alpha, sigma: sigmaT)
        case (false, .vPrediction): return .noiseFromVelocity(alpha: alpha, sigma: sigmaT)
        case (false, .flowPrediction): return nil
        }
    }

    /// The conversion of one element (used by the non-fused thresholding path).
    @inline(__always)
    func apply(_ x: Float, _ m: Float) -> Float {
        switch self {
        case .dataFromNoise(let s, let a): (x - s * m) / a
        case .identity: m
        case .dataFromVelocity(let a, let s): a * x - s * m
        case .dataFromFlow(let s): x - s * m
        case .noiseFromData(let a, let s): (x - a * m) / s
        case .noiseFromVelocity(let a, let s): a * m + s * x
        }
    }
}

/// The scalar coefficients of one multistep update, signs included.
///
/// - order 1: `A·x + B·D0`
/// - order 2: `(A·x + B·D0) + C1·(R0·(D0 − M1))`
/// - order 3: with d₀ = R0·(D0 − M1), d₁ = R1·(M1 − M2), t = d₀ − d₁:
///   `((A·x + B·D0) + C1·(d₀ + Q·t)) + C2·(S·t)`
///
/// plus `N·noise` for the SDE variants.
struct MultistepCoefficients {
    var order: Int
    var a: Float
    var b: Float
    var c1: Float = 0
    var c2: Float = 0
    var r0: Float = 0
    var r1: Float = 0
    var q: Float = 0
    var s: Float = 0
    var noise: Float? = nil
}

/// Pointers into the buffers of one contiguous run of elements.
struct SolverBuffers {
    var count: Int
    var sample: UnsafePointer<Float>
    var model: UnsafePointer<Float>
    var previous1: UnsafePointer<Float>?
    var previous2: UnsafePointer<Float>?
    var noise: UnsafePointer<Float>?
    var converted: UnsafeMutablePointer<Float>
    var output: UnsafeMutablePointer<Float>
}

extension ModelConversion {
    /// The C kernels' mode number and scalars for this conversion (see SolverKernels.h).
    var kernelMode: (mode: Int32, p0: Float, p1: Float) {
        switch self {
        case .dataFromNoise(let s, let a): (Int32(SK_CONVERT_DATA_FROM_NOISE), s, a)
        case .identity: (Int32(SK_CONVERT_IDENTITY), 0, 0)
        case .dataFromVelocity(let a, let s): (Int32(SK_CONVERT_DATA_FROM_VELOCITY), a, s)
        case .dataFromFlow(let s): (Int32(SK_CONVERT_DATA_FROM_FLOW), s, 0)
        case .noiseFromData(let a, let s): (Int32(SK_CONVERT_NOISE_FROM_DATA), a, s)
        case .noiseFromVelocity(let a, let s): (Int32(SK_CONVERT_NOISE_FROM_VELOCITY), a, s)
        }
    }
}

enum ExponentialIntegratorKernel {
    /// Converts `model` into `converted` and writes the update into `output`, in one pass: orders 1
    /// and 2 in the C kernels at `level`, order 3 here.
    static func multistep(
        _ conversion: ModelConversion, _ k: MultistepCoefficients, _ p: SolverBuffers, level: KernelLevel
    ) {
        if k.order <= 2 {
            let (mode, p0, p1) = conversion.kernelMode
            var params = sk_multistep_params(
                conversion: mode, p0: p0, p1: p1, order: Int32(k.order), a: k.a, b: k.b, c1: k.c1, r0: k.r0,
                nn: k.noise ?? 0)
            sk_multistep(level.rawValue, &params, p.sample, p.model, p.previous1, p.noise, p.converted, p.output, p.count)
            return
        }
        multistep(conversion, k, p)
    }

    /// The Swift form of the pass (all orders), kept as the reference the C kernels are tested against.
    static func multistep(_ conversion: ModelConversion, _ k: MultistepCoefficients, _ p: SolverBuffers) {
        switch conversion {
        case .dataFromNoise(let s, let a): multistep(k, p) { x, m in (x - s * m) / a }
        case .identity: multistep(k, p) { _, m in m }
        case .dataFromVelocity(let a, let s): multistep(k, p) { x, m in a * x - s * m }
        case .dataFromFlow(let s): multistep(k, p) { x, m in x - s * m }
        case .noiseFromData(let a, let s): multistep(k, p) { x, m in (x - a * m) / s }
        case .noiseFromVelocity(let a, let s): multistep(k, p) { x, m in a * m + s * x }
        }
    }

    @inline(__always)
    private static func multistep(
        _ k: MultistepCoefficients, _ p: SolverBuffers, _ convert: (Float, Float) -> Float
    ) {
        let n = p.count, x = p.sample, m = p.model, c = p.converted, out = p.output
        let a = k.a, b = k.b
        switch (k.order, p.noise) {
        case (1, nil):
            for i in 0..<n {
                let xi = x[i]
                let d0 = convert(xi, m[i])
                c[i] = d0
                out[i] = a * xi + b * d0
            }
        case (1, let noise?):
            let nn = k.noise ?? 0
            for i in 0..<n {
                let xi = x[i]
                let d0 = convert(xi, m[i])
                c[i] = d0
                out[i] = (a * xi + b * d0) + nn * noise[i]
            }
        case (2, let noise):
            guard let m1 = p.previous1 else { return }
            let c1 = k.c1, r0 = k.r0
            if let noise {
                let nn = k.noise ?? 0
                for i in 0..<n {
                    let xi = x[i]
                    let d0 = convert(xi, m[i])
                    c[i] = d0
                    out[i] = ((a * xi + b * d0) + c1 * (r0 * (d0 - m1[i]))) + nn * noise[i]
                }
            } else {
                for i in 0..<n {
                    let xi = x[i]
                    let d0 = convert(xi, m[i])
                    c[i] = d0
                    out[i] = (a * xi + b * d0) + c1 * (r0 * (d0 - m1[i]))
                }
            }
        default:
            guard let m1 = p.previous1, let m2 = p.previous2 else { return }
            let c1 = k.c1, c2 = k.c2, r0 = k.r0, r1 = k.r1, q = k.q, s = k.s
            if let noise = p.noise {
                let nn = k.noise ?? 0
                for i in 0..<n {
                    let xi = x[i]
                    let d0 = convert(xi, m[i])
                    c[i] = d0
                    let m1i = m1[i]
                    let first = r0 * (d0 - m1i)
                    let t = first - r1 * (m1i - m2[i])
                    out[i] = (((a * xi + b * d0) + c1 * (first + q * t)) + c2 * (s * t)) + nn * noise[i]
                }
            } else {
                for i in 0..<n {
                    let xi = x[i]
                    let d0 = convert(xi, m[i])
                    c[i] = d0
                    let m1i = m1[i]
                    let first = r0 * (d0 - m1i)
                    let t = first - r1 * (m1i - m2[i])
                    out[i] = ((a * xi + b * d0) + c1 * (first + q * t)) + c2 * (s * t)
                }
            }
        }
    }
}
