import Foundation

/// The scalars of one DDPM reverse step, exactly as `DDPMScheduler.step` uses them (it reads them
/// from ``DDPMScheduler/stepCoefficients(timestep:)``).
///
/// The step computes the posterior mean of formula 7 of the DDPM paper from x̂₀ and adds noise:
///
///     μ̃ = c₀·x̂₀ + c_t·x_t,   x_prev = μ̃ + std·z   (z only for t > 0)
public struct DDPMStepCoefficients: Sendable, Equatable {
    /// The timestep the step starts from. diffusers: `t`.
    public let timestep: Int
    /// The timestep it moves to (−1 after the last step). diffusers: `prev_t`.
    public let prevTimestep: Int
    /// ᾱ_t. diffusers: `alpha_prod_t`.
    public let alphaProd: Float
    /// ᾱ_prev, 1 after the last step. diffusers: `alpha_prod_t_prev`.
    public let alphaProdPrev: Float
    /// 1 − ᾱ_t. diffusers: `beta_prod_t`.
    public let betaProd: Float
    /// 1 − ᾱ_prev. diffusers: `beta_prod_t_prev`.
    public let betaProdPrev: Float
    /// ᾱ_t / ᾱ_prev, the α of this (possibly skipping) step. diffusers: `current_alpha_t`.
    public let currentAlpha: Float
    /// 1 − ᾱ_t / ᾱ_prev. diffusers: `current_beta_t`.
    public let currentBeta: Float
    /// √ᾱ_t, the divisor of the x̂₀ estimate. diffusers: `alpha_prod_t ** 0.5`.
    public let sqrtAlphaProd: Float
    /// √(1 − ᾱ_t), the weight of ε̂ in the x̂₀ estimate. diffusers: `beta_prod_t ** 0.5`.
    public let sqrtBetaProd: Float
    /// c₀ = √ᾱ_prev·β_t / (1 − ᾱ_t), the weight of x̂₀ in μ̃. diffusers: `pred_original_sample_coeff`.
    public let originalCoefficient: Float
    /// c_t = √α_t·(1 − ᾱ_prev) / (1 − ᾱ_t), the weight of x_t in μ̃. diffusers: `current_sample_coeff`.
    public let currentCoefficient: Float
    /// β̃_t = max((1 − ᾱ_prev)/(1 − ᾱ_t)·β_t, 1e-20), the posterior variance of formula 7.
    /// diffusers: `variance` in `_get_variance` (what `fixed_small` returns).
    public let posteriorVariance: Float
    /// What `_get_variance` returns for the configured `variance_type`: β̃_t (`fixed_small`),
    /// log β̃_t (`fixed_small_log`), β_t (`fixed_large`), log β_t (`fixed_large_log`); nil for the
    /// learned types, whose variance comes from the model. diffusers: `variance`.
    public let variance: Float?
    /// The standard deviation the step multiplies its noise by: √β̃_t, exp(½·log β̃_t), √β_t or
    /// √(log β_t) (NaN, as in diffusers); nil at t = 0 (no noise) and for the learned types.
    /// diffusers: the factor of `variance_noise` in `step`.
    public let std: Float?

    /// Computes every scalar in diffusers' float32 operation order, one rounding per Python operator.
    init(timestep t: Int, prevTimestep: Int, alphaProd: Float, alphaProdPrev: Float, varianceType: VarianceType) {
        timestep = t
        self.prevTimestep = prevTimestep
        self.alphaProd = alphaProd
        self.alphaProdPrev = alphaProdPrev
        betaProd = 1 - alphaProd
        betaProdPrev = 1 - alphaProdPrev
        currentAlpha = alphaProd / alphaProdPrev
        currentBeta = 1 - currentAlpha
        sqrtAlphaProd = TorchNumerics.sqrt(alphaProd)
        sqrtBetaProd = TorchNumerics.sqrt(1 - alphaProd)
        originalCoefficient = (TorchNumerics.sqrt(alphaProdPrev) * currentBeta) / betaProd
        currentCoefficient = TorchNumerics.sqrt(currentAlpha) * betaProdPrev / betaProd
        // _get_variance: clamped away from 0 for the logs.
        posteriorVariance = Swift.max((1 - alphaProdPrev) / (1 - alphaProd) * currentBeta, Float(1e-20))
        let std: Float?
        switch varianceType {
        case .fixedSmall:
            variance = posteriorVariance
            std = TorchNumerics.sqrt(posteriorVariance)
        case .fixedSmallLog:
            variance = logf(posteriorVariance)
            std = SleefMath.exp(0.5 * logf(posteriorVariance))
        case .fixedLarge:
            variance = currentBeta
            std = TorchNumerics.sqrt(currentBeta)
        case .fixedLargeLog:
            variance = logf(currentBeta)
            std = TorchNumerics.sqrt(logf(currentBeta))  // NaN, as in diffusers
        case .learned, .learnedRange:
            variance = nil
            std = nil
        }
        self.std = t > 0 ? std : nil
    }
}
