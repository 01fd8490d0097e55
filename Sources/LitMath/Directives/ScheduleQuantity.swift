import DiffusionSchedulers

/// A per-timestep quantity of a noise schedule that tables and plots can show.
///
/// Names follow diffusers (`alphas_cumprod` is accepted for `alpha_cumprod`).
enum ScheduleQuantity: String, Sendable, CaseIterable {
    case beta
    case alpha
    case alphaCumprod = "alpha_cumprod"
    case sqrtAlphaCumprod = "sqrt_alpha_cumprod"
    case sqrtOneMinusAlphaCumprod = "sqrt_one_minus_alpha_cumprod"
    case sigma
    case snr
    case logSNR = "log_snr"
    case lambda
    /// The timesteps `set_timesteps(num_inference_steps)` chooses, by step.
    case timesteps
    /// The inference sigmas of sigma-based schedulers, by step (one more than the steps).
    case inferenceSigmas = "inference_sigmas"

    // Step quantities: the scalars each inference step uses, read from the library's
    // `stepCoefficients` / `stepPlan` (see ``StepQuantities``), by step.
    /// DDIM/DDPM: the timestep each step moves to (`prev_timestep`).
    case prevTimesteps = "prev_timesteps"
    /// DDIM/DDPM: ᾱ at the step's timestep (`alpha_prod_t`).
    case alphaCumprodT = "alpha_cumprod_t"
    /// DDIM/DDPM: ᾱ at the timestep it moves to (`alpha_prod_t_prev`).
    case alphaCumprodPrev = "alpha_cumprod_prev"
    /// DDIM: ᾱ after the last step (`final_alpha_cumprod`), one value at index 0; no steps needed.
    case finalAlphaCumprod = "final_alpha_cumprod"
    /// DDIM: `_get_variance`, σ_t² at η = 1.
    case ddimVariance = "ddim_variance"
    /// DDIM: σ_t(η) = η·√variance (`std_dev_t`).
    case ddimSigma = "ddim_sigma"
    /// DDIM: weight of x̂₀ (√ᾱ_prev); DDPM: `pred_original_sample_coeff`.
    case coeffX0 = "coeff_x0"
    /// DDIM: weight of ε̂ in the direction pointing to x_t, √(1 − ᾱ_prev − σ_t²).
    case coeffDirection = "coeff_direction"
    /// DDIM: weight of x_t in x_prev = a·x_t + b·ε̂; DDPM: `current_sample_coeff`.
    case coeffXt = "coeff_x_t"
    /// DDIM: weight of ε̂ in x_prev = a·x_t + b·ε̂.
    case coeffEps = "coeff_eps"
    /// DDIM/DDPM: the standard deviation of the noise the step adds (0 when it adds none).
    case noiseStd = "noise_std"
    /// DDPM: β̃_t, the posterior variance (`_get_variance` for `fixed_small`).
    case posteriorVariance = "posterior_variance"
    /// DDPM: what `_get_variance` returns for the configured `variance_type`.
    case ddpmVariance = "ddpm_variance"
    /// DPM-Solver, UniPC: λ where the update starts (`lambda_s0`, the singlestep anchor's, UniPC's predictor's).
    case lambdaS = "lambda_s"
    /// DPM-Solver, UniPC: λ where it ends (`lambda_t`).
    case lambdaT = "lambda_t"
    /// DPM-Solver, UniPC: h = λ_t − λ_s.
    case stepH = "step_h"
    /// DPM-Solver: r₀ = h₀/h (NaN where the order does not use it).
    case stepR0 = "step_r0"
    /// DPM-Solver: r₁ = h₁/h (NaN where the order does not use it).
    case stepR1 = "step_r1"
    /// DPM-Solver, UniPC: the order the step's update (UniPC: its predictor) takes.
    case solverOrderUsed = "solver_order_used"
    /// DPM-Solver: weight of the sample x_s.
    case coeffSample = "coeff_sample"
    /// DPM-Solver: weight of D₀.
    case coeffD0 = "coeff_d0"
    /// DPM-Solver: weight of D₁ (0 where the order has no D₁ term).
    case coeffD1 = "coeff_d1"
    /// DPM-Solver: weight of D₂ (0 where the order has no D₂ term).
    case coeffD2 = "coeff_d2"
    /// DPM-Solver SDE variants: weight of the noise z (0 for the ODE solvers).
    case coeffNoise = "coeff_noise"
    /// Euler: dt = σ_{i+1} − σ̂.
    case dt
    /// Euler: γ, Karras et al.'s churn.
    case gamma
    /// Euler: σ̂ = σ_i·(γ + 1).
    case sigmaHat = "sigma_hat"

    /// Whether the quantity belongs to an inference schedule (needs `num_inference_steps`).
    var isInference: Bool { self == .timesteps || self == .inferenceSigmas || isStep }

    /// Whether the quantity is a scalar of the inference steps, read from the library's step plan.
    var isStep: Bool { StepQuantities.family(of: self) != nil && self != .finalAlphaCumprod }

    /// Whether the quantity has one value per training timestep (and so can be an axis for another).
    var isPerTimestep: Bool { !isInference && self != .finalAlphaCumprod }

    /// Accepts the plural diffusers attribute names too (`betas`, `alphas_cumprod`).
    init?(name: String) {
        if let q = ScheduleQuantity(rawValue: name) { self = q; return }
        let singular = name.replacingOccurrences(of: "alphas", with: "alpha").replacingOccurrences(of: "betas", with: "beta")
            .replacingOccurrences(of: "sigmas", with: "sigma")
        guard let q = ScheduleQuantity(rawValue: singular) else { return nil }
        self = q
    }

    /// A readable default axis or column label.
    var label: String {
        switch self {
        case .beta: "β_t"
        case .alpha: "α_t"
        case .alphaCumprod: "ᾱ_t"
        case .sqrtAlphaCumprod: "√ᾱ_t"
        case .sqrtOneMinusAlphaCumprod: "√(1−ᾱ_t)"
        case .sigma: "σ_t"
        case .snr: "SNR(t)"
        case .logSNR: "log-SNR log(ᾱ_t/(1−ᾱ_t))"
        case .lambda: "λ_t = log(α_t/σ_t)"
        case .timesteps: "timestep"
        case .inferenceSigmas: "σ"
        case .prevTimesteps: "previous timestep"
        case .alphaCumprodT: "ᾱ_t"
        case .alphaCumprodPrev: "ᾱ_prev"
        case .finalAlphaCumprod: "final ᾱ"
        case .ddimVariance: "σ_t²(η = 1)"
        case .ddimSigma: "σ_t(η)"
        case .coeffX0: "coefficient of x̂₀"
        case .coeffDirection: "√(1−ᾱ_prev−σ_t²)"
        case .coeffXt: "coefficient of x_t"
        case .coeffEps: "coefficient of ε̂"
        case .noiseStd: "noise std"
        case .posteriorVariance: "β̃_t"
        case .ddpmVariance: "variance"
        case .lambdaS: "λ_s"
        case .lambdaT: "λ_t"
        case .stepH: "h = λ_t − λ_s"
        case .stepR0: "r₀"
        case .stepR1: "r₁"
        case .solverOrderUsed: "order"
        case .coeffSample: "coefficient of x_s"
        case .coeffD0: "coefficient of D₀"
        case .coeffD1: "coefficient of D₁"
        case .coeffD2: "coefficient of D₂"
        case .coeffNoise: "coefficient of z"
        case .dt: "dt"
        case .gamma: "γ"
        case .sigmaHat: "σ̂"
        }
    }

    /// The quantity at every training timestep.
    func values(_ schedule: NoiseSchedule) -> [Double] {
        switch self {
        case .beta: schedule.betas.map(Double.init)
        case .alpha: schedule.alphas.map(Double.init)
        case .alphaCumprod: schedule.alphasCumprod.map(Double.init)
        case .sqrtAlphaCumprod: schedule.sqrtAlphasCumprod.map(Double.init)
        case .sqrtOneMinusAlphaCumprod: schedule.sqrtOneMinusAlphasCumprod.map(Double.init)
        case .sigma: schedule.sigmas.map(Double.init)
        case .snr: schedule.signalToNoiseRatios
        case .logSNR: schedule.logSNR
        case .lambda: schedule.lambdas
        default: []  // read from the scheduler, see `isInference` and ``StepQuantities``
        }
    }
}
