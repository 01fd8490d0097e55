import Foundation

/// The `alpha_transform_type` of diffusers' `betas_for_alpha_bar`: the continuous ᾱ(t) on t ∈ [0, 1]
/// that a discrete beta schedule is cut from.
public enum AlphaBarTransform: String, Sendable, CaseIterable {
    /// `cos((t + 0.008) / 1.008 · π/2)²` (improved DDPM, `squaredcos_cap_v2`).
    case cosine
    /// The Laplace log-SNR schedule (`laplace`).
    case laplace
    /// `exp(-12 t)` (Heun's `exp` schedule).
    case exp

    /// ᾱ(t), evaluated in double precision with the same operation order as diffusers' Python.
    public func alphaBar(_ t: Double) -> Double {
        switch self {
        case .cosine:
            // Python's `x ** 2` calls libm pow, which this matches.
            return pow(cos((t + 0.008) / 1.008 * Double.pi / 2), 2)
        case .laplace:
            let lmb = -0.5 * copysign(1.0, 0.5 - t) * log(1 - 2 * abs(0.5 - t) + 1e-6)
            let snr = Foundation.exp(lmb)
            return (snr / (1 + snr)).squareRoot()
        case .exp:
            return Foundation.exp(t * -12.0)
        }
    }

    /// diffusers' `betas_for_alpha_bar(n, max_beta, alpha_transform_type)`: double maths, one float32 rounding.
    public func betas(count n: Int, maxBeta: Double = 0.999) -> [Float] {
        (0..<n).map { i in
            let t1 = Double(i) / Double(n)
            let t2 = Double(i + 1) / Double(n)
            let beta = 1 - alphaBar(t2) / alphaBar(t1)
            // Python's min(a, b) keeps `a` unless `b < a`.
            return Float(maxBeta < beta ? maxBeta : beta)
        }
    }
}
