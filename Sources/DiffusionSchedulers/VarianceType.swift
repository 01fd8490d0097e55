/// DDPM's `variance_type` option: the variance of the noise added at each reverse step.
public enum VarianceType: String, Sendable, Codable, CaseIterable {
    /// β̃ₜ, the posterior variance (formula 7 of the DDPM paper).
    case fixedSmall = "fixed_small"
    /// β̃ₜ via `exp(0.5 · log β̃ₜ)`, returned as a standard deviation.
    case fixedSmallLog = "fixed_small_log"
    /// βₜ itself (the "large" choice of the DDPM paper).
    case fixedLarge = "fixed_large"
    /// `log βₜ`; diffusers then takes its square root, which is NaN (kept for parity).
    case fixedLargeLog = "fixed_large_log"
    /// The model's second half of channels is the variance.
    case learned
    /// The model interpolates between log β̃ₜ and log βₜ (improved DDPM).
    case learnedRange = "learned_range"
}
