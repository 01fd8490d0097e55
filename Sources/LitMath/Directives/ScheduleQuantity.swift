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
    /// The ᾱ DDIM-like samplers use after the last step (diffusers' `final_alpha_cumprod`): 1 with
    /// `set_alpha_to_one`, else ᾱ₀. One number, at index 0.
    case finalAlphaCumprod = "final_alpha_cumprod"

    /// Whether the quantity belongs to an inference schedule (needs `num_inference_steps`).
    var isInference: Bool { self == .timesteps || self == .inferenceSigmas }

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
        case .finalAlphaCumprod: "final ᾱ"
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
        case .timesteps, .inferenceSigmas, .finalAlphaCumprod: []  // read from the scheduler, see QuantityEvaluator
        }
    }
}
