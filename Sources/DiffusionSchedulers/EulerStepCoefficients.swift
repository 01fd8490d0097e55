/// The scalars of one `EulerDiscreteScheduler` step, exactly as `step` uses them (it reads them
/// from ``EulerDiscreteScheduler/stepCoefficients(stepIndex:sChurn:sTmin:sTmax:sNoise:)``).
///
/// Algorithm 2 of Karras et al.: with churn, σ̂ = σ_i·(γ + 1) and x̂ = x + z·s_noise·√(σ̂² − σ_i²);
/// then x̂₀ from the model, d = (x̂ − x̂₀)/σ̂ and x_{i+1} = x̂ + d·dt with dt = σ_{i+1} − σ̂.
public struct EulerStepCoefficients: Sendable, Equatable {
    /// The index of the step in `timesteps`.
    public let stepIndex: Int
    /// σ_i, the noise level the step starts from. diffusers: `sigma`.
    public let sigma: Float
    /// σ_{i+1}, the noise level it moves to. diffusers: `self.sigmas[self.step_index + 1]`.
    public let sigmaNext: Float
    /// γ = min(s_churn/(N − 1), √2 − 1) when s_tmin ≤ σ_i ≤ s_tmax, else 0 (a Python float). diffusers: `gamma`.
    public let gamma: Double
    /// σ̂ = σ_i·(γ + 1), the raised noise level the derivative is taken at. diffusers: `sigma_hat`.
    public let sigmaHat: Float
    /// dt = σ_{i+1} − σ̂. diffusers: `dt`.
    public let dt: Float
    /// s_noise, the scale of the churn noise. diffusers: `s_noise`.
    public let sNoise: Float
    /// √(σ̂² − σ_i²), the standard deviation of the churn noise before `s_noise`, or nil when
    /// γ = 0 (no noise is drawn). diffusers: `(sigma_hat**2 - sigma**2) ** 0.5`.
    public let churnStd: Float?

    init(stepIndex: Int, sigma: Float, sigmaNext: Float, gamma: Double, sNoise: Double) {
        self.stepIndex = stepIndex
        self.sigma = sigma
        self.sigmaNext = sigmaNext
        self.gamma = gamma
        // Python-float γ, then σ̂ = σ·(γ + 1) as a float32 tensor op.
        sigmaHat = sigma * Float(gamma + 1)
        dt = sigmaNext - sigmaHat
        self.sNoise = Float(sNoise)
        churnStd = gamma > 0 ? TorchNumerics.sqrt(sigmaHat * sigmaHat - sigma * sigma) : nil
    }
}
