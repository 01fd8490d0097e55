/// The `beta_schedule` option of diffusers' DDPM-family schedulers.
///
/// Raw values are diffusers' spellings, so a `scheduler_config.json` decodes directly.
public enum BetaSchedule: String, Sendable, Codable, CaseIterable {
    /// `torch.linspace(beta_start, beta_end, T)` in float32.
    case linear
    /// `torch.linspace(beta_start**0.5, beta_end**0.5, T)**2`, the latent-diffusion schedule.
    case scaledLinear = "scaled_linear"
    /// The cosine ᾱ schedule of improved DDPM, via `betas_for_alpha_bar`, capped at 0.999.
    case squaredcosCapV2 = "squaredcos_cap_v2"
    /// GeoDiff's `sigmoid(linspace(-6, 6, T)) * (beta_end - beta_start) + beta_start` (DDPM only in diffusers).
    case sigmoid
    /// `betas_for_alpha_bar` with the Laplace log-SNR transform (DDPM only in diffusers).
    case laplace
    /// `betas_for_alpha_bar` with ᾱ(t) = exp(−12t), a constant β = 1 − e^(−12/T) (Heun only in diffusers).
    case exp
}
