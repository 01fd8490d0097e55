/// A linear Itô SDE dx = f(t)·x dt + g(t) dW on t ∈ [0, 1] whose marginals are x_t = α(t)·x₀ + σ(t)·ε.
///
/// Song et al., "Score-Based Generative Modeling through Stochastic Differential Equations"
/// (arXiv 2011.13456): its reverse-time SDE dx = [f·x − g²·∇log p_t(x)] dt + g dW̄ and its
/// probability-flow ODE dx/dt = f·x − ½·g²·∇log p_t(x) share the marginals p_t. ``DiffusionProcess``
/// builds both from an SDE and an exact score.
public protocol DiffusionSDE: Sendable {
    /// The marginal scales at time t: x_t = α(t)·x₀ + σ(t)·ε.
    func noiseLevel(at t: Double) throws(SchedulerError) -> NoiseLevel
    /// f(t), the coefficient of the linear drift f(t)·x.
    func driftCoefficient(at t: Double) throws(SchedulerError) -> Double
    /// g(t), the diffusion coefficient.
    func diffusionCoefficient(at t: Double) throws(SchedulerError) -> Double
}

extension DiffusionSDE {
    /// The drift f(t)·x of every element of `x`, a tensor of any shape.
    public func drift(_ x: Tensor, at t: Double) throws(SchedulerError) -> Tensor {
        let f = Float(try driftCoefficient(at: t))
        return Tensor(uncheckedShape: x.shape, scalars: x.scalars.map { f * $0 })
    }

    /// Throws unless t is a finite time in [0, 1].
    static func checkTime(_ t: Double) throws(SchedulerError) {
        guard t.isFinite, t >= 0, t <= 1 else {
            throw SchedulerError(key: "t", message: "time t must be in [0, 1], not \(t)")
        }
    }
}
