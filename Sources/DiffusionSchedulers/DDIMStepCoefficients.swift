/// The scalars of one DDIM step, exactly as `DDIMScheduler.step` uses them (it reads them from
/// ``DDIMScheduler/stepCoefficients(timestep:eta:)``, so these are the step's own numbers).
///
/// The step runs formula 12 of the DDIM paper in its x̂₀ form:
///
///     x̂₀     = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t
///     x_prev = √ᾱ_prev·x̂₀ + √(1−ᾱ_prev−σ_t²)·ε̂ (+ σ_t·z)
///
/// ``sampleCoefficient`` and ``epsilonCoefficient`` rewrite the same update as
/// x_prev = a·x_t + b·ε̂ (+ σ_t·z). They are float32 values derived from the members above; the
/// step itself goes through x̂₀ (as diffusers does), so a·x_t + b·ε̂ agrees with it to rounding,
/// not bit for bit.
public struct DDIMStepCoefficients: Sendable, Equatable {
    /// The timestep the step starts from. diffusers: `timestep`.
    public let timestep: Int
    /// The timestep it moves to, t − T // n (negative after the last step). diffusers: `prev_timestep`.
    public let prevTimestep: Int
    /// η, the weight of the added noise (0: deterministic DDIM, 1: DDPM-like). diffusers: `eta`.
    public let eta: Double
    /// ᾱ_t. diffusers: `alpha_prod_t`.
    public let alphaProd: Float
    /// ᾱ_prev: ᾱ at `prevTimestep`, or `final_alpha_cumprod` when it is negative. diffusers: `alpha_prod_t_prev`.
    public let alphaProdPrev: Float
    /// 1 − ᾱ_t. diffusers: `beta_prod_t`.
    public let betaProd: Float
    /// √ᾱ_t, the divisor of the x̂₀ estimate. diffusers: `alpha_prod_t ** 0.5`.
    public let sqrtAlphaProd: Float
    /// √(1 − ᾱ_t), the weight of ε̂ in the x̂₀ estimate. diffusers: `beta_prod_t ** 0.5`.
    public let sqrtBetaProd: Float
    /// (1 − ᾱ_prev)/(1 − ᾱ_t) · (1 − ᾱ_t/ᾱ_prev): σ_t² at η = 1. diffusers: `variance` (`_get_variance`).
    public let variance: Float
    /// σ_t(η) = η·√variance, the standard deviation of the added noise. diffusers: `std_dev_t`.
    public let std: Float
    /// √ᾱ_prev, the weight of x̂₀. diffusers: `alpha_prod_t_prev ** 0.5`.
    public let originalCoefficient: Float
    /// √(1 − ᾱ_prev − σ_t²), the weight of ε̂ in the "direction pointing to x_t".
    /// diffusers: `(1 - alpha_prod_t_prev - std_dev_t**2) ** 0.5` (in `pred_sample_direction`).
    public let directionCoefficient: Float

    /// The update as a·x_t + b·ε̂: a = √ᾱ_prev / √ᾱ_t (no diffusers variable: a rewriting of formula 12).
    public var sampleCoefficient: Float { originalCoefficient / sqrtAlphaProd }
    /// The update as a·x_t + b·ε̂: b = √(1−ᾱ_prev−σ_t²) − √ᾱ_prev·√(1−ᾱ_t)/√ᾱ_t (no diffusers variable).
    public var epsilonCoefficient: Float { directionCoefficient - originalCoefficient * sqrtBetaProd / sqrtAlphaProd }
    /// Whether the step adds σ_t·z (diffusers adds noise only when η > 0).
    public var addsNoise: Bool { eta > 0 }

    /// Computes every scalar in diffusers' float32 operation order, one rounding per Python operator.
    init(timestep: Int, prevTimestep: Int, eta: Double, alphaProd: Float, alphaProdPrev: Float) {
        self.timestep = timestep
        self.prevTimestep = prevTimestep
        self.eta = eta
        self.alphaProd = alphaProd
        self.alphaProdPrev = alphaProdPrev
        betaProd = 1 - alphaProd
        sqrtAlphaProd = TorchNumerics.sqrt(alphaProd)
        sqrtBetaProd = TorchNumerics.sqrt(1 - alphaProd)
        variance = Self.variance(alphaProd: alphaProd, alphaProdPrev: alphaProdPrev)
        std = Float(eta) * TorchNumerics.sqrt(variance)
        directionCoefficient = TorchNumerics.sqrt(1 - alphaProdPrev - std * std)
        originalCoefficient = TorchNumerics.sqrt(alphaProdPrev)
    }

    /// diffusers' `_get_variance`: (1 − ᾱ_prev)/(1 − ᾱ_t) · (1 − ᾱ_t/ᾱ_prev).
    static func variance(alphaProd: Float, alphaProdPrev: Float) -> Float {
        ((1 - alphaProdPrev) / (1 - alphaProd)) * (1 - alphaProd / alphaProdPrev)
    }
}
