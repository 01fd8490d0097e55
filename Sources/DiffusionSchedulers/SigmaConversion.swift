import Foundation

/// diffusers' sigma-schedule converters (`_convert_to_karras`, `_convert_to_exponential`,
/// `_convert_to_beta`, `_convert_to_lu`) and `_sigma_to_t`, shared by the Euler, Heun,
/// DPM-Solver, UniPC and flow-matching schedulers.
///
/// All of them run in numpy float64 in diffusers and are rounded to float32 afterwards, so
/// these compute in `Double` with the same operation order. Python's `x ** y` and `math.log`
/// are glibc's `pow`/`log`; numpy's float64 `exp`/`power` on AVX512 machines use SVML, which
/// can differ from glibc in the last of 53 bits, a difference the float32 rounding hides for
/// all but about one value in 10⁸.
enum SigmaConversion {
    /// `_sigma_to_alpha_sigma_t`: (αₜ, σₜ) of the VP process at noise level σ, or (1 − σ, σ) for flow sigmas.
    static func alphaSigma(_ sigma: Float, flow: Bool) -> (alpha: Float, sigma: Float) {
        if flow { return (1 - sigma, sigma) }
        let alpha = 1 / TorchNumerics.sqrt(sigma * sigma + 1)
        return (alpha, sigma * alpha)
    }

    /// λ = log α − log σ, in float32 as diffusers' `torch.log(alpha_t) - torch.log(sigma_t)`.
    static func lambda(_ alphaSigma: (alpha: Float, sigma: Float)) -> Float {
        TorchMath.log(alphaSigma.alpha) - TorchMath.log(alphaSigma.sigma)
    }

    /// Karras et al. (2022) ρ = 7: `(max^(1/ρ) + ramp · (min^(1/ρ) − max^(1/ρ)))^ρ`.
    static func karras(sigmaMin: Double, sigmaMax: Double, count n: Int) -> [Double] {
        let rho = 7.0
        let ramp = TorchNumerics.numpyLinspace(0, 1, count: n)
        let minInvRho = pow(sigmaMin, 1 / rho)
        let maxInvRho = pow(sigmaMax, 1 / rho)
        return ramp.map { pow(maxInvRho + $0 * (minInvRho - maxInvRho), rho) }
    }

    /// `np.exp(np.linspace(log(max), log(min), n))`.
    static func exponential(sigmaMin: Double, sigmaMax: Double, count n: Int) -> [Double] {
        TorchNumerics.numpyLinspace(Foundation.log(sigmaMax), Foundation.log(sigmaMin), count: n).map { Foundation.exp($0) }
    }

    /// "Beta Sampling is All You Need" (arXiv 2407.12173): `min + ppf(1 − u) · (max − min)` for
    /// `u = linspace(0, 1, n)`, with the Beta(α, β) quantile function (scipy's `beta.ppf`).
    static func beta(
        sigmaMin: Double, sigmaMax: Double, count n: Int, alpha: Double = 0.6, beta: Double = 0.6
    ) -> [Double] {
        TorchNumerics.numpyLinspace(0, 1, count: n).map { u in
            let ppf = IncompleteBeta.inverse(1 - u, a: alpha, b: beta)
            return sigmaMin + (ppf * (sigmaMax - sigmaMin))
        }
    }

    /// Lu et al.'s uniform log-SNR steps (DPM-Solver, `_convert_to_lu` with ρ = 1):
    /// `max + ramp · (min − max)` between the end values of `lambdas`.
    static func lu(lambdaMin: Double, lambdaMax: Double, count n: Int) -> [Double] {
        // `x ** (1 / 1.0)` and `(…) ** 1.0` are exact identities in Python and numpy.
        TorchNumerics.numpyLinspace(0, 1, count: n).map { lambdaMax + $0 * (lambdaMin - lambdaMax) }
    }

    /// `_sigma_to_t(sigma, log_sigmas)` for a float64 sigma: the fractional training timestep
    /// whose log σ interpolates linearly to log(`sigma`).
    ///
    /// `logSigmas` is numpy's float32 log of the float32 sigma table. The bracketing index is
    /// the last one with log σ ≤ log(sigma) (0 if none), clipped to leave room for the upper
    /// neighbour; note that numpy computes `low - high` in float32.
    static func timestep(forSigma sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = Foundation.log(Swift.max(sigma, 1e-10))
        let low = bracket(logSigmas.count) { logSigma - Double(logSigmas[$0]) >= 0 }
        let lowValue = logSigmas[low], highValue = logSigmas[low + 1]
        var w = (Double(lowValue) - logSigma) / Double(lowValue - highValue)
        if !w.isNaN { w = Swift.min(Swift.max(w, 0), 1) }
        return (1 - w) * Double(low) + w * Double(low + 1)
    }

    /// `_sigma_to_t` for a float32 sigma (user-passed float32 sigmas): under numpy 2's promotion
    /// rules the log, the distances and the weight are all float32; only the final blend is float64.
    static func timestep(forSigma sigma: Float, logSigmas: [Float]) -> Double {
        let logSigma = NumpyMath.log(Swift.max(sigma, Float(1e-10)))
        let low = bracket(logSigmas.count) { logSigma - logSigmas[$0] >= 0 }
        let lowValue = logSigmas[low], highValue = logSigmas[low + 1]
        var w = (lowValue - logSigma) / (lowValue - highValue)
        if !w.isNaN { w = Swift.min(Swift.max(w, 0), 1) }
        return Double(1 - w) * Double(low) + Double(w) * Double(low + 1)
    }

    /// `np.cumsum(dists >= 0).argmax().clip(max=n - 2)`: the last index where `isAtOrBelow` holds
    /// (the first index reaching the final count), 0 when it never holds.
    private static func bracket(_ n: Int, _ isAtOrBelow: (Int) -> Bool) -> Int {
        var last = 0
        for i in 0..<n where isAtOrBelow(i) { last = i }
        return Swift.min(last, Swift.max(n - 2, 0))
    }
}
