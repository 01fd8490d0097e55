/// The scalars of one DPM-Solver step (multistep or singlestep), exactly as the step uses them:
/// `step` reads them from `stepCoefficients` and hands them to the fused kernel.
///
/// The update, with every sign folded into the coefficients (so each term is *added*):
///
///     x_t = a·x_s + b·D₀ [+ c₁·D₁ [+ c₂·D₂]] [+ n·z]
///
/// where, for the `++` algorithms, D are data (x̂₀) predictions and, for `dpmsolver`, noise (ε̂)
/// predictions, and
/// - multistep: x_s is the current sample, D₀ = m₀ (this step's converted output); order 2:
///   D₁ = (m₀ − m₁)/r₀; order 3: D₁ = D₁₀ + r₀/(r₀+r₁)·(D₁₀ − D₁₁), D₂ = (D₁₀ − D₁₁)/(r₀+r₁) with
///   D₁₀ = (m₀ − m₁)/r₀, D₁₁ = (m₁ − m₂)/r₁;
/// - singlestep: x_s is the block's anchor sample, D₀ the anchor's output, and D₁ (D₂) built
///   from the outputs within the block as in diffusers' `singlestep_dpm_solver_*_update`.
///
/// `h = λ_t − λ_s` is the step in λ = log(α/σ); `r₀` (`r₁`) the ratio of the earlier λ
/// step(s) to h, present only when the order uses them.
public struct DPMSolverStepCoefficients: Sendable, Equatable {
    /// The index of the step in `timesteps`.
    public let stepIndex: Int
    /// The order of the update this step takes (after warm-up, `lower_order_final` and
    /// `euler_at_final`). diffusers: `order` (multistep: from `lower_order_nums`; singlestep: `order_list`).
    public let order: Int
    /// σ where the update starts: this step's σ (multistep) or the block's anchor (singlestep).
    /// diffusers: `sigma_s0` (multistep), `sigma_s` / `sigma_s1` / `sigma_s2` (singlestep, by order), as a noise level.
    public let sigmaS: Float
    /// σ where the update ends, the next step's. diffusers: `sigma_t` (as a noise level, `self.sigmas[step_index + 1]`).
    public let sigmaT: Float
    /// α_s, the VP signal scale at ``sigmaS``. diffusers: `alpha_s0` / `alpha_s`.
    public let alphaS: Float
    /// α_t. diffusers: `alpha_t`.
    public let alphaT: Float
    /// The VP noise scale at the start. diffusers: `sigma_s0` / `sigma_s` (after `_sigma_to_alpha_sigma_t`).
    public let noiseS: Float
    /// The VP noise scale at the end. diffusers: `sigma_t` (after `_sigma_to_alpha_sigma_t`).
    public let noiseT: Float
    /// λ_s = log α_s − log σ_s. diffusers: `lambda_s0` (multistep) / `lambda_s` or `lambda_s1`, `lambda_s2` (singlestep).
    public let lambdaS: Float
    /// λ_t = log α_t − log σ_t. diffusers: `lambda_t`.
    public let lambdaT: Float
    /// h = λ_t − λ_s. diffusers: `h`.
    public let h: Float
    /// r₀ = h₀ / h for orders 2 and 3, else nil. diffusers: `r0`.
    public let r0: Float?
    /// r₁ = h₁ / h for order 3, else nil. diffusers: `r1`.
    public let r1: Float?
    /// a, the weight of x_s: σ_t/σ_s (dpmsolver++), α_t/α_s (dpmsolver), σ_t/σ_s·e^{−h} (sde-dpmsolver++).
    /// diffusers: the factor of `sample` in the update.
    public let sampleCoefficient: Float
    /// b, the weight of D₀: −α_t(e^{−h} − 1) (dpmsolver++), −σ_t(e^{h} − 1) (dpmsolver), α_t(1 − e^{−2h})
    /// (sde-dpmsolver++), −2σ_t(e^{h} − 1) (sde-dpmsolver). diffusers: the factor of `D0` (sign folded in).
    public let d0Coefficient: Float
    /// c₁, the weight of D₁ (orders 2 and 3), else nil. diffusers: the factor of `D1` (sign folded in).
    public let d1Coefficient: Float?
    /// c₂, the weight of D₂ (third order with a D₂ term), else nil. diffusers: the factor of `D2` (sign folded in).
    public let d2Coefficient: Float?
    /// n, the weight of the noise z of the SDE variants: σ_t√(1 − e^{−2h}) (sde-dpmsolver++),
    /// σ_t√(e^{2h} − 1) (sde-dpmsolver); nil for the ODE solvers. diffusers: the factor of `noise`.
    public let noiseCoefficient: Float?

    /// The step's start and end and its λ step, before the order-dependent terms.
    struct Ends {
        var sigmaS: Float, sigmaT: Float
        var s: (alpha: Float, sigma: Float), t: (alpha: Float, sigma: Float)
        var lambdaS: Float, lambdaT: Float, h: Float
    }

    init(
        stepIndex: Int, order: Int, ends e: Ends, r0: Float?, r1: Float?, a: Float, b: Float, c1: Float?, c2: Float?,
        noise: Float?
    ) {
        self.stepIndex = stepIndex
        self.order = order
        sigmaS = e.sigmaS
        sigmaT = e.sigmaT
        alphaS = e.s.alpha
        alphaT = e.t.alpha
        noiseS = e.s.sigma
        noiseT = e.t.sigma
        lambdaS = e.lambdaS
        lambdaT = e.lambdaT
        h = e.h
        self.r0 = r0
        self.r1 = r1
        sampleCoefficient = a
        d0Coefficient = b
        d1Coefficient = c1
        d2Coefficient = c2
        noiseCoefficient = noise
    }

    /// The multistep kernel's scalars, derived with diffusers' float32 operations (1/r₀, r₀/(r₀+r₁), …).
    var multistep: MultistepCoefficients {
        var k = MultistepCoefficients(order: order, a: sampleCoefficient, b: d0Coefficient, noise: noiseCoefficient)
        guard order >= 2, let r0 else { return k }
        k.r0 = 1.0 / r0
        k.c1 = d1Coefficient ?? 0
        guard order == 3, let r1 else { return k }
        k.r1 = 1.0 / r1
        k.q = r0 / (r0 + r1)
        k.s = 1.0 / (r0 + r1)
        k.c2 = d2Coefficient ?? 0
        return k
    }

    /// The singlestep kernel's scalars; `heun` selects the third-order form with a D₂ term.
    func singlestep(heun: Bool) -> SinglestepCoefficients {
        var k = SinglestepCoefficients(order: order)
        k.a = sampleCoefficient
        k.b = d0Coefficient
        k.noise = noiseCoefficient
        guard order >= 2, let r0 else { return k }
        k.r0 = 1.0 / r0
        k.c1 = d1Coefficient ?? 0
        guard order == 3, let r1 else { return k }
        k.r1 = 1.0 / r1
        k.q0 = r0
        k.q1 = r1
        k.difference = r0 - r1
        k.heun = heun
        k.c2 = d2Coefficient ?? 0
        return k
    }
}
