import Foundation

/// The variance-preserving SDE dx = −½β(t)·x dt + √β(t) dW, the continuous-time limit of DDPM.
///
/// ᾱ(t) = exp(−∫₀ᵗ β(s) ds), α(t) = √ᾱ(t), σ(t) = √(1 − ᾱ(t)). With β(t) = T·β_discrete(t) the
/// discrete schedule's ᾱ at timestep i tends to ᾱ(t) at t = (i + 1)/T as T grows (Song et al. 2011.13456,
/// appendix B): the `linear` schedule becomes β(t) = β_min + t·(β_max − β_min), `scaled_linear`
/// becomes β(t) = (√β_min + t·(√β_max − √β_min))².
public struct VPSDE: DiffusionSDE, Equatable {
    /// The shape of β(t).
    public enum BetaShape: String, Sendable, Equatable {
        /// β(t) = β_min + t·(β_max − β_min).
        case linear
        /// β(t) = (√β_min + t·(√β_max − √β_min))², the continuous `scaled_linear` schedule.
        case scaledLinear = "scaled_linear"
    }

    /// β(0).
    public let betaMin: Double
    /// β(1).
    public let betaMax: Double
    /// How β goes from `betaMin` to `betaMax`.
    public let shape: BetaShape

    /// A VP-SDE with the given β range; the defaults are DDPM's `linear` schedule at T = 1000.
    public init(betaMin: Double = 0.1, betaMax: Double = 20, shape: BetaShape = .linear) throws(SchedulerError) {
        guard betaMin.isFinite, betaMin >= 0 else {
            throw SchedulerError(key: "beta_min", message: "beta_min must be a finite number ≥ 0, not \(betaMin)")
        }
        guard betaMax.isFinite, betaMax >= 0 else {
            throw SchedulerError(key: "beta_max", message: "beta_max must be a finite number ≥ 0, not \(betaMax)")
        }
        guard betaMin > 0 || betaMax > 0 else {
            throw SchedulerError(key: "beta_max", message: "beta_min and beta_max cannot both be 0")
        }
        self.betaMin = betaMin
        self.betaMax = betaMax
        self.shape = shape
    }

    /// The VP-SDE a discrete DDPM schedule tends to: β_min = T·β_start, β_max = T·β_end.
    ///
    /// Only the `linear` and `scaled_linear` schedules have a continuous β(t) of this kind.
    public init(
        numTrainTimesteps: Int = 1000, betaStart: Double = 0.0001, betaEnd: Double = 0.02,
        betaSchedule: BetaSchedule = .linear
    ) throws(SchedulerError) {
        guard numTrainTimesteps >= 1 else {
            throw SchedulerError(
                key: "num_train_timesteps", message: "num_train_timesteps must be at least 1, not \(numTrainTimesteps)")
        }
        let shape: BetaShape
        switch betaSchedule {
        case .linear: shape = .linear
        case .scaledLinear: shape = .scaledLinear
        default:
            throw SchedulerError(
                key: "beta_schedule",
                message: "beta_schedule '\(betaSchedule.rawValue)' has no continuous VP-SDE here; use linear or scaled_linear")
        }
        let t = Double(numTrainTimesteps)
        try self.init(betaMin: t * betaStart, betaMax: t * betaEnd, shape: shape)
    }

    /// The continuous time of discrete timestep i of a T-step schedule: t = (i + 1)/T.
    public static func time(forTimestep i: Int, numTrainTimesteps: Int) -> Double {
        Double(i + 1) / Double(numTrainTimesteps)
    }

    /// β(t).
    public func beta(at t: Double) throws(SchedulerError) -> Double {
        try Self.checkTime(t)
        switch shape {
        case .linear:
            return betaMin + t * (betaMax - betaMin)
        case .scaledLinear:
            let r = betaMin.squareRoot() + t * (betaMax.squareRoot() - betaMin.squareRoot())
            return r * r
        }
    }

    /// ∫₀ᵗ β(s) ds = −log ᾱ(t), in closed form.
    public func integratedBeta(at t: Double) throws(SchedulerError) -> Double {
        try Self.checkTime(t)
        switch shape {
        case .linear:
            return betaMin * t + 0.5 * (betaMax - betaMin) * t * t
        case .scaledLinear:
            // ∫ (a + b s)² ds = a²t + a b t² + b²t³/3, expanded so that b = 0 needs no special case.
            let a = betaMin.squareRoot(), b = betaMax.squareRoot() - betaMin.squareRoot()
            return a * a * t + a * b * t * t + b * b * t * t * t / 3
        }
    }

    /// ᾱ(t) = exp(−∫₀ᵗ β).
    public func alphaCumprod(at t: Double) throws(SchedulerError) -> Double {
        Foundation.exp(-(try integratedBeta(at: t)))
    }

    /// α(t) = √ᾱ(t), σ(t) = √(1 − ᾱ(t)), with 1 − ᾱ computed as −expm1 so small t keeps its digits.
    public func noiseLevel(at t: Double) throws(SchedulerError) -> NoiseLevel {
        let integral = try integratedBeta(at: t)
        return NoiseLevel(uncheckedAlpha: Foundation.exp(-0.5 * integral), sigma: (-Foundation.expm1(-integral)).squareRoot())
    }

    /// f(t) = −½β(t).
    public func driftCoefficient(at t: Double) throws(SchedulerError) -> Double { -0.5 * (try beta(at: t)) }

    /// g(t) = √β(t).
    public func diffusionCoefficient(at t: Double) throws(SchedulerError) -> Double { (try beta(at: t)).squareRoot() }
}
