/// The scalars of one UniPC step, exactly as `UniPCMultistepScheduler.step` uses them (it reads
/// them from ``UniPCMultistepScheduler/stepCoefficients(stepIndex:)``'s computation).
///
/// A step first corrects the incoming sample (UniC, from the second step on) and then predicts
/// the next one (UniP). Each is an update
///
///     x = a·x_s + b·m₀ + c·Σₖ ρₖ·D1ₖ
///
/// whose weights this type holds (signs folded in, so every term is added). For the corrector,
/// x_s is the previous step's corrected start (`last_sample`), m₀ the previous prediction,
/// D1ₖ = (m_k − m₀)/rₖ over older predictions and its last term ρ·(m_this − m₀); for the
/// predictor, x_s is the corrected sample, m₀ this step's prediction and D1ₖ = (m_{k−1} − m₀)/rₖ
/// over the earlier ones (newest first).
public struct UniPCStepCoefficients: Sendable, Equatable {
    /// The index of the step in `timesteps`.
    public let stepIndex: Int
    /// The UniP predictor of this step. diffusers: `multistep_uni_p_bh_update`.
    public let predictor: UniPCUpdateCoefficients
    /// The UniC corrector applied to the incoming sample, or nil at the first step and where
    /// `disable_corrector` turns it off. diffusers: `multistep_uni_c_bh_update`.
    public let corrector: UniPCUpdateCoefficients?
}

/// The weights of one UniP or UniC update (see ``UniPCStepCoefficients``).
public struct UniPCUpdateCoefficients: Sendable, Equatable {
    /// The order of the update. diffusers: `order` (predictor), `this_order` (corrector).
    public let order: Int
    /// λ where the update starts. diffusers: `lambda_s0`.
    public let lambdaS: Float
    /// λ where it ends. diffusers: `lambda_t`.
    public let lambdaT: Float
    /// h = λ_t − λ_s. diffusers: `h`.
    public let h: Float
    /// −h with `predict_x0`, else h. diffusers: `hh`.
    public let hh: Float
    /// B(h): hh for `bh1`, e^{hh} − 1 for `bh2`. diffusers: `B_h`.
    public let bH: Float
    /// rₖ = (λ_{s_k} − λ_s)/h of the earlier outputs used, k = 1 ..< order. diffusers: `rks` (without its final 1).
    public let r: [Float]
    /// ρ, the weights of the D1 terms. diffusers: `rhos_p` (predictor), `rhos_c` (corrector).
    public let rho: [Float]
    /// a, the weight of the sample: σ_t/σ_s (x₀ form) or α_t/α_s. diffusers: `sigma_t / sigma_s0` / `alpha_t / alpha_s0`.
    public let sampleCoefficient: Float
    /// b, the weight of m₀: −α_t·h_phi_1 (x₀ form) or −σ_t·h_phi_1. diffusers: `h_phi_1` times `alpha_t` / `sigma_t`, negated.
    public let d0Coefficient: Float
    /// c, the weight of Σρₖ·D1ₖ: −α_t·B(h) (x₀ form) or −σ_t·B(h). diffusers: `B_h` times `alpha_t` / `sigma_t`, negated.
    public let sumCoefficient: Float
}
