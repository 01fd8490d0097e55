import Foundation

/// The variance-exploding SDE dx = √(d[σ²]/dt) dW with σ(t) = σ_min·(σ_max/σ_min)ᵗ (SMLD / NCSN, Song et al. 2011.13456).
///
/// There is no drift, so α(t) = 1; started from the data at t = 0 the marginal noise scale is
/// √(σ(t)² − σ_min²), which is what ``noiseLevel(at:)`` returns, so the exact score matches the SDE exactly.
public struct VESDE: DiffusionSDE, Equatable {
    /// σ(0).
    public let sigmaMin: Double
    /// σ(1).
    public let sigmaMax: Double

    /// A VE-SDE; throws unless 0 < σ_min < σ_max are finite.
    public init(sigmaMin: Double = 0.01, sigmaMax: Double = 50) throws(SchedulerError) {
        guard sigmaMin.isFinite, sigmaMin > 0 else {
            throw SchedulerError(key: "sigma_min", message: "sigma_min must be a finite number > 0, not \(sigmaMin)")
        }
        guard sigmaMax.isFinite, sigmaMax > sigmaMin else {
            throw SchedulerError(
                key: "sigma_max", message: "sigma_max must be a finite number > sigma_min \(sigmaMin), not \(sigmaMax)")
        }
        self.sigmaMin = sigmaMin
        self.sigmaMax = sigmaMax
    }

    /// σ(t) = σ_min·(σ_max/σ_min)ᵗ.
    public func sigma(at t: Double) throws(SchedulerError) -> Double {
        try Self.checkTime(t)
        return sigmaMin * Foundation.pow(sigmaMax / sigmaMin, t)
    }

    /// α = 1, σ = √(σ(t)² − σ_min²), the noise accumulated since t = 0.
    public func noiseLevel(at t: Double) throws(SchedulerError) -> NoiseLevel {
        try Self.checkTime(t)
        // σ_min²·(r²ᵗ − 1) with expm1 keeps the digits near t = 0.
        let variance = sigmaMin * sigmaMin * Foundation.expm1(2 * t * Foundation.log(sigmaMax / sigmaMin))
        return NoiseLevel(uncheckedAlpha: 1, sigma: max(variance, 0).squareRoot())
    }

    /// f(t) = 0.
    public func driftCoefficient(at t: Double) throws(SchedulerError) -> Double {
        try Self.checkTime(t)
        return 0
    }

    /// g(t) = σ(t)·√(2·log(σ_max/σ_min)).
    public func diffusionCoefficient(at t: Double) throws(SchedulerError) -> Double {
        try sigma(at: t) * (2 * Foundation.log(sigmaMax / sigmaMin)).squareRoot()
    }
}
