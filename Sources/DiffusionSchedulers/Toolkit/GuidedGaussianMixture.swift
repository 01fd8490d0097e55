/// Classifier-free guidance on a class-conditional ``GaussianMixture``, exactly: the model
/// ε̂ = ε̂_uncond + w·(ε̂_cond − ε̂_uncond) that a guided pipeline feeds its scheduler, where ε̂_uncond
/// is the exact denoiser of the whole mixture and ε̂_cond that of the mixture restricted to one
/// class's components (their weights renormalised: the exact p(x₀ | class)).
///
/// Every target the toolkit knows (x₀, ε, v, flow velocity, score) is affine in ε̂ at a fixed sample
/// and level, so each is guided the same way: u + w·(c − u). w = 1 is the conditional model, w = 0
/// the unconditional one; diffusers' pipelines use w = 7.5 for Stable Diffusion.
///
/// A guided model is not the denoiser of any distribution, so no closed form gives its sampling
/// answer: the reference is its own probability-flow ODE solved accurately
/// (``ExactModel/probabilityFlowSolution(from:start:end:steps:)``, RK4 on the guided field).
public struct GuidedGaussianMixture: ExactModel, Equatable {
    /// The unconditional data distribution (all classes).
    public let unconditional: GaussianMixture
    /// The distribution of the guided class: the mixture of that class's components.
    public let conditional: GaussianMixture
    /// The guidance scale w.
    public let scale: Double

    /// Guidance towards the components of `mixture` whose entry in `classes` equals `guidedClass`,
    /// with scale `scale`; throws when the lists disagree in length, no component has that class,
    /// or the scale is not finite.
    public init(mixture: GaussianMixture, classes: [Int], guidedClass: Int, scale: Double) throws(SchedulerError) {
        guard classes.count == mixture.components.count else {
            throw SchedulerError(
                key: "classes",
                message: "classes has \(classes.count) entries but the mixture has \(mixture.components.count) components")
        }
        guard scale.isFinite else {
            throw SchedulerError(key: "scale", message: "the guidance scale must be finite, not \(scale)")
        }
        let selected = mixture.components.indices.filter { classes[$0] == guidedClass }.map { mixture.components[$0] }
        guard selected.contains(where: { $0.weight > 0 }) else {
            throw SchedulerError(key: "class", message: "no component of positive weight has class \(guidedClass)")
        }
        self.unconditional = mixture
        self.conditional = try GaussianMixture(components: selected)
        self.scale = scale
    }

    /// The dimension of the data.
    public var dimension: Int { unconditional.dimension }

    /// The finer of the two distributions' finest scales.
    public var smallestStandardDeviation: Double {
        min(unconditional.smallestStandardDeviation, conditional.smallestStandardDeviation)
    }

    /// u + w·(c − u) of the unconditional and conditional predictions of `target`.
    public func predict(_ target: DenoiserTarget, points: [Double], level: NoiseLevel) throws(SchedulerError) -> [Double] {
        var u = try unconditional.predict(target, points: points, level: level)
        let c = try conditional.predict(target, points: points, level: level)
        for i in u.indices { u[i] += scale * (c[i] - u[i]) }
        return u
    }
}
