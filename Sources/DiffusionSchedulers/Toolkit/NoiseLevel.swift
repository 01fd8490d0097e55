import Foundation

/// How much signal and noise a noisy sample carries: x = α·x₀ + σ·ε with ε ~ N(0, I).
///
/// One value covers every parametrisation the schedulers use:
/// - variance preserving (DDPM, DDIM, DPM-Solver): α = √ᾱ, σ = √(1 − ᾱ);
/// - variance exploding (Karras / Euler sigmas, VE-SDE): α = 1, σ = σ;
/// - flow matching (rectified flow): α = 1 − σ, σ = σ.
///
/// The exact predictions of ``GaussianMixture`` depend on nothing else, so the same mixture serves as
/// the model of any scheduler once its timestep or sigma is turned into a `NoiseLevel`.
public struct NoiseLevel: Sendable, Equatable, CustomStringConvertible {
    /// The signal scale α ≥ 0.
    public let alpha: Double
    /// The noise scale σ ≥ 0.
    public let sigma: Double

    /// A level with the given scales; throws unless both are finite, non-negative and not both zero.
    public init(alpha: Double, sigma: Double) throws(SchedulerError) {
        guard alpha.isFinite, alpha >= 0 else {
            throw SchedulerError(key: "alpha", message: "alpha must be a finite number ≥ 0, not \(alpha)")
        }
        guard sigma.isFinite, sigma >= 0 else {
            throw SchedulerError(key: "sigma", message: "sigma must be a finite number ≥ 0, not \(sigma)")
        }
        guard alpha > 0 || sigma > 0 else {
            throw SchedulerError(key: "alpha", message: "alpha and sigma cannot both be 0")
        }
        self.alpha = alpha
        self.sigma = sigma
    }

    /// Used where the scales are known to be valid.
    init(uncheckedAlpha alpha: Double, sigma: Double) {
        self.alpha = alpha
        self.sigma = sigma
    }

    /// The variance-preserving level of a DDPM-family timestep: α = √ᾱ, σ = √(1 − ᾱ).
    ///
    /// The square roots are taken in double precision from the given ᾱ (e.g. a float32 entry of
    /// `alphasCumprod`), so the level is as exact as the table allows.
    public static func variancePreserving(alphaCumprod: Double) throws(SchedulerError) -> NoiseLevel {
        guard alphaCumprod.isFinite, alphaCumprod >= 0, alphaCumprod <= 1 else {
            throw SchedulerError(
                key: "alpha_cumprod", message: "alpha_cumprod must be a number in [0, 1], not \(alphaCumprod)")
        }
        return NoiseLevel(uncheckedAlpha: alphaCumprod.squareRoot(), sigma: (1 - alphaCumprod).squareRoot())
    }

    /// The variance-exploding level x = x₀ + σ·ε of the Euler / Karras / VE-SDE parametrisation.
    public static func varianceExploding(sigma: Double) throws(SchedulerError) -> NoiseLevel {
        guard sigma.isFinite, sigma > 0 else {
            throw SchedulerError(key: "sigma", message: "sigma must be a finite number > 0, not \(sigma)")
        }
        return NoiseLevel(uncheckedAlpha: 1, sigma: sigma)
    }

    /// The flow-matching level x = (1 − σ)·x₀ + σ·ε, for σ in [0, 1]; σ = 1 is pure noise.
    public static func flowMatching(sigma: Double) throws(SchedulerError) -> NoiseLevel {
        guard sigma.isFinite, sigma >= 0, sigma <= 1 else {
            throw SchedulerError(key: "sigma", message: "flow-matching sigma must be a number in [0, 1], not \(sigma)")
        }
        return NoiseLevel(uncheckedAlpha: 1 - sigma, sigma: sigma)
    }

    /// σ/α, the variance-exploding sigma of this level (infinite when α = 0).
    public var varianceExplodingSigma: Double { sigma / alpha }

    /// The signal-to-noise ratio α²/σ² (infinite when σ = 0).
    public var signalToNoiseRatio: Double { (alpha * alpha) / (sigma * sigma) }

    /// DPM-Solver's λ = log α − log σ, half the log-SNR.
    public var lambda: Double { Foundation.log(alpha) - Foundation.log(sigma) }

    /// The angle θ = atan2(σ, α) in [0, π/2]: 0 is clean data, π/2 pure noise.
    ///
    /// The probability-flow ODE is smooth in θ over the whole closed range, which is why the
    /// reference solver integrates in it.
    var angle: Double { atan2(sigma, alpha) }

    /// √(α² + σ²), the factor between this level and the variance-preserving level of the same angle.
    var radius: Double { (alpha * alpha + sigma * sigma).squareRoot() }

    /// `alpha=…, sigma=…`.
    public var description: String { "alpha=\(alpha), sigma=\(sigma)" }
}
