internal import CSchedulerKernels

/// The fused element loop of a UniPC step: convert the model output, apply the UniC corrector
/// to the incoming sample, then the UniP predictor — one pass, torch's float32 operation order.
///
/// With the signs folded into the coefficients (see ``ExponentialIntegratorKernel``):
///
/// - corrector of order q (m₀ = the previous prediction, mₖ older ones, c = this prediction):
///   `x_c = (A·last + B·m₀) + C·(Σₖ ρₖ·((mₖ − m₀)/rₖ) + ρ_q·(c − m₀))`, the sum left to right
///   and, for q = 1, `ρ·(c − m₀) + 0` (diffusers adds the integer 0 it starts from);
/// - predictor of order p: `x = (A·x_c + B·c) + C·Σₖ ρₖ·((m_{k−1} − c)/rₖ)`, or for p = 1
///   `(A·x_c + B·c) − z` with z = (αₜ·B(h))·0, which diffusers subtracts (and which is NaN
///   when B(h) is infinite, as with `bh1` at a final σ of 0).
struct UniPCCorrector {
    var order: Int
    var a: Float
    var b: Float
    var c: Float
    /// rₖ for k = 1 ..< order.
    var r: [Float]
    /// ρ₁ … ρ_order.
    var rho: [Float]
}

struct UniPCPredictor {
    var order: Int
    var a: Float
    var b: Float
    var c: Float
    /// rₖ for k = 1 ..< order.
    var r: [Float]
    /// ρ₁ … ρ_{order−1}.
    var rho: [Float]
    /// (αₜ·B(h))·0, subtracted when the order is 1.
    var zero: Float
}

struct UniPCBuffers {
    var count: Int
    var sample: UnsafePointer<Float>
    var model: UnsafePointer<Float>
    /// The earlier predictions, newest first (before this step's shift).
    var history: [UnsafePointer<Float>]
    var lastSample: UnsafePointer<Float>?
    var converted: UnsafeMutablePointer<Float>
    /// Where the corrected sample goes (without a corrector, only written when `storeStart`).
    var corrected: UnsafeMutablePointer<Float>
    var output: UnsafeMutablePointer<Float>
    /// Whether a step without corrector copies the sample into `corrected` (an in-place step
    /// overwrites the sample the next corrector starts from).
    var storeStart = false
}

enum UniPCKernel {
    /// The pass at `level`: orders up to 2 (every step of the default second-order UniPC) in the
    /// C kernels, higher orders here.
    static func run(
        _ conversion: ModelConversion, _ corrector: UniPCCorrector?, _ predictor: UniPCPredictor, _ p: UniPCBuffers,
        level: KernelLevel
    ) {
        let correctorOrder = corrector?.order ?? 0
        if correctorOrder <= 2, predictor.order <= 2, corrector == nil || p.lastSample != nil,
            p.history.count >= max(correctorOrder, predictor.order - 1)
        {
            let (mode, p0, p1) = conversion.kernelMode
            var params = sk_unipc_params()
            params.conversion = mode
            params.p0 = p0
            params.p1 = p1
            params.corrector_order = Int32(correctorOrder)
            if let corrector {
                params.ca = corrector.a
                params.cb = corrector.b
                params.cc = corrector.c
                params.rho0 = corrector.rho[0]
                if corrector.order == 2 {
                    params.cr = corrector.r[0]
                    params.rho1 = corrector.rho[1]
                }
            }
            params.predictor_order = Int32(predictor.order)
            params.store_start = p.storeStart ? 1 : 0
            params.pa = predictor.a
            params.pb = predictor.b
            params.pc = predictor.c
            params.pzero = predictor.zero
            if predictor.order == 2 {
                params.pr = predictor.r[0]
                params.prho = predictor.rho[0]
            }
            let h1 = p.history.first, h2 = p.history.count > 1 ? p.history[1] : nil
            sk_unipc(
                level.rawValue, &params, p.sample, p.model, h1, h2, p.lastSample, p.converted, p.corrected, p.output,
                p.count)
            return
        }
        run(conversion, corrector, predictor, p)
    }

    /// The Swift form of the pass (all orders), kept as the reference the C kernels are tested against.
    static func run(_ conversion: ModelConversion, _ corrector: UniPCCorrector?, _ predictor: UniPCPredictor, _ p: UniPCBuffers) {
        switch conversion {
        case .dataFromNoise(let s, let a): run(corrector, predictor, p) { x, m in (x - s * m) / a }
        case .identity: run(corrector, predictor, p) { _, m in m }
        case .dataFromVelocity(let a, let s): run(corrector, predictor, p) { x, m in a * x - s * m }
        case .dataFromFlow(let s): run(corrector, predictor, p) { x, m in x - s * m }
        case .noiseFromData(let a, let s): run(corrector, predictor, p) { x, m in (x - a * m) / s }
        case .noiseFromVelocity(let a, let s): run(corrector, predictor, p) { x, m in a * m + s * x }
        }
    }

    /// Any orders: the sums over the history unrolled at run time. Each element's inputs are read
    /// before its outputs are written, as in the C kernels, so outputs may share inputs' storage.
    @inline(__always)
    private static func run(
        _ corrector: UniPCCorrector?, _ predictor: UniPCPredictor, _ p: UniPCBuffers,
        _ convert: (Float, Float) -> Float
    ) {
        let x = p.sample, m = p.model, cur = p.converted, xc = p.corrected, out = p.output
        let history = p.history
        let corrector = p.lastSample == nil ? nil : corrector
        let keepStart = corrector != nil || p.storeStart
        for i in 0..<p.count {
            let xi = x[i]
            let value = convert(xi, m[i])
            var start = xi
            if let corrector, let last = p.lastSample {
                let m0 = history[0][i]
                var inner: Float
                if corrector.order == 1 {
                    inner = corrector.rho[0] * (value - m0) + 0
                } else {
                    var sum = corrector.rho[0] * ((history[1][i] - m0) / corrector.r[0])
                    for k in 1..<(corrector.order - 1) {
                        sum = sum + corrector.rho[k] * ((history[k + 1][i] - m0) / corrector.r[k])
                    }
                    inner = sum + corrector.rho[corrector.order - 1] * (value - m0)
                }
                start = (corrector.a * last[i] + corrector.b * m0) + corrector.c * inner
            }
            let base = predictor.a * start + predictor.b * value
            var next = base - predictor.zero
            if predictor.order > 1 {
                var sum = predictor.rho[0] * ((history[0][i] - value) / predictor.r[0])
                for k in 1..<(predictor.order - 1) {
                    sum = sum + predictor.rho[k] * ((history[k][i] - value) / predictor.r[k])
                }
                next = base + predictor.c * sum
            }
            cur[i] = value
            if keepStart { xc[i] = start }
            out[i] = next
        }
    }
}

/// `torch.linalg.solve` for the small float32 systems of UniPC: LU with partial pivoting, the
/// multipliers scaled by the pivot's reciprocal and the back substitution multiplied by the
/// diagonal's reciprocal, no fused multiply–adds — MKL's result for the 2×2 systems of order-2
/// correctors and order-3 predictors on the reference machine (bit for bit in 20,000 trials).
/// Larger systems (order-3 correctors) match MKL only to rounding (MKL's 3×3 path differs).
enum SmallLinearSolve {
    static func solve(_ matrix: [[Float]], _ rhs: [Float]) -> [Float] {
        var a = matrix, b = rhs
        let n = b.count
        for j in 0..<n {
            var pivot = j
            for i in (j + 1)..<max(n, j + 1) where abs(a[i][j]) > abs(a[pivot][j]) { pivot = i }
            if pivot != j {
                a.swapAt(j, pivot)
                b.swapAt(j, pivot)
            }
            let inverse = 1 / a[j][j]
            for i in (j + 1)..<max(n, j + 1) {
                a[i][j] = a[i][j] * inverse
                for k in (j + 1)..<n { a[i][k] = a[i][k] - a[i][j] * a[j][k] }
            }
        }
        for i in 0..<n {
            for j in 0..<i { b[i] = b[i] - a[i][j] * b[j] }
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in (i + 1)..<max(n, i + 1) { b[i] = b[i] - a[i][j] * b[j] }
            b[i] = b[i] * (1 / a[i][i])
        }
        return b
    }
}
