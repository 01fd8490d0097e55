import Foundation

/// A mixture of Gaussians in D dimensions whose noisy marginals, posterior means and scores are known
/// in closed form: a data distribution with an exact denoiser.
///
/// Under any forward process x = α·x₀ + σ·ε the mixture stays a mixture: component k becomes
/// N(α·μₖ, Cₖ) with Cₖ = α²·Σₖ + σ²·I. The posterior responsibilities rₖ(x) ∝ wₖ·N(x; α·μₖ, Cₖ) then give
///
/// - E[x₀ | x] = Σₖ rₖ·(μₖ + α·Σₖ·Cₖ⁻¹·(x − α·μₖ)),
/// - E[ε | x] = σ·Σₖ rₖ·Cₖ⁻¹·(x − α·μₖ),
/// - ∇ log p(x) = −Σₖ rₖ·Cₖ⁻¹·(x − α·μₖ),
///
/// and from them the v- and flow predictions (see ``DenoiserTarget``). Everything inside is double
/// precision; samples come in and go out as float32 ``Tensor``s of shape `[N, D]` (or `[N]` when D = 1),
/// the layout the schedulers step. Each covariance is eigen-decomposed once, so a prediction costs
/// O(K·D²) per point for K components.
public struct GaussianMixture: Sendable, Equatable {
    /// The components, with weights normalised to sum to 1.
    public let components: [GaussianComponent]
    /// The dimension D of every point.
    public let dimension: Int

    /// Per component: log-weight, mean, and the eigen-decomposition of the covariance.
    let parts: [Part]
    /// The same, laid out flat for the evaluation loops.
    let tables: Tables

    /// One component ready for evaluation.
    struct Part: Sendable, Equatable {
        var logWeight: Double
        var mean: [Double]
        /// The eigenvalues λᵢ of Σ (negative rounding noise clamped to 0).
        var eigenvalues: [Double]
        /// The eigenvectors V as columns, row-major D×D.
        var eigenvectors: [Double]
    }

    /// The components' parameters in flat arrays, component after component.
    struct Tables: Sendable, Equatable {
        /// log wₖ, K values.
        var logWeights: [Double]
        /// μₖ, K·D values.
        var means: [Double]
        /// λ of Σₖ, K·D values.
        var eigenvalues: [Double]
        /// Vₖ row-major, K·D·D values.
        var eigenvectors: [Double]
    }

    /// Builds the mixture; throws naming the component and argument at fault.
    ///
    /// Weights must be finite, non-negative and not all zero; they are normalised to sum to 1.
    /// Every mean must have D entries, every covariance D rows of D entries, symmetric and positive
    /// semi-definite (a zero covariance is a point mass).
    public init(components: [GaussianComponent]) throws(SchedulerError) {
        guard let first = components.first else {
            throw SchedulerError(key: "components", message: "components must hold at least one Gaussian component")
        }
        let d = first.mean.count
        guard d >= 1 else {
            throw SchedulerError(key: "components[0].mean", message: "components[0].mean must have at least one entry")
        }
        var totalWeight = 0.0
        for (k, c) in components.enumerated() {
            guard c.weight.isFinite, c.weight >= 0 else {
                throw SchedulerError(
                    key: "components[\(k)].weight",
                    message: "components[\(k)].weight must be a finite number ≥ 0, not \(c.weight)")
            }
            totalWeight += c.weight
        }
        guard totalWeight > 0, totalWeight.isFinite else {
            throw SchedulerError(key: "components", message: "components must not all have weight 0")
        }
        var normalised: [GaussianComponent] = []
        var parts: [Part] = []
        for (k, c) in components.enumerated() {
            let covariance = try Self.validatedCovariance(c, index: k, dimension: d)
            let eigen = SymmetricEigen(symmetric: covariance, size: d)
            let largest = eigen.values.map(abs).max() ?? 0
            if let smallest = eigen.values.min(), smallest < -1e-10 * max(largest, .leastNormalMagnitude) {
                throw SchedulerError(
                    key: "components[\(k)].covariance",
                    message: "components[\(k)].covariance must be positive semi-definite, but has eigenvalue \(smallest)")
            }
            let weight = c.weight / totalWeight
            normalised.append(GaussianComponent(weight: weight, mean: c.mean, covariance: c.covariance))
            parts.append(Part(
                logWeight: Foundation.log(weight), mean: c.mean, eigenvalues: eigen.values.map { max($0, 0) },
                eigenvectors: eigen.vectors))
        }
        self.components = normalised
        self.dimension = d
        self.parts = parts
        self.tables = Tables(
            logWeights: parts.map(\.logWeight), means: parts.flatMap(\.mean), eigenvalues: parts.flatMap(\.eigenvalues),
            eigenvectors: parts.flatMap(\.eigenvectors))
    }

    /// A one-dimensional mixture from parallel lists of weights, means and standard deviations.
    public init(weights: [Double], means: [Double], standardDeviations: [Double]) throws(SchedulerError) {
        guard weights.count == means.count, means.count == standardDeviations.count else {
            throw SchedulerError(
                key: "weights",
                message: "weights, means and standardDeviations must have the same length, not \(weights.count), \(means.count) and \(standardDeviations.count)")
        }
        for (k, s) in standardDeviations.enumerated() where !(s.isFinite && s >= 0) {
            throw SchedulerError(
                key: "standardDeviations[\(k)]",
                message: "standardDeviations[\(k)] must be a finite number ≥ 0, not \(s)")
        }
        try self.init(components: (0..<weights.count).map {
            GaussianComponent(weight: weights[$0], mean: means[$0], standardDeviation: standardDeviations[$0])
        })
    }

    /// The mean of the mixture, Σₖ wₖ·μₖ.
    public var mean: [Double] {
        (0..<dimension).map { i in components.reduce(0) { $0 + $1.weight * $1.mean[i] } }
    }

    /// The covariance of the mixture, Σₖ wₖ·(Σₖ + μₖμₖᵀ) − μμᵀ, one row per dimension.
    public var covariance: [[Double]] {
        let m = mean
        return (0..<dimension).map { i in
            (0..<dimension).map { j in
                components.reduce(0) { $0 + $1.weight * ($1.covariance[i][j] + $1.mean[i] * $1.mean[j]) } - m[i] * m[j]
            }
        }
    }

    // MARK: - Validation

    private static func validatedCovariance(
        _ c: GaussianComponent, index k: Int, dimension d: Int
    ) throws(SchedulerError) -> [Double] {
        guard c.mean.count == d else {
            throw SchedulerError(
                key: "components[\(k)].mean",
                message: "components[\(k)].mean has \(c.mean.count) entries but the mixture has dimension \(d)")
        }
        for (i, v) in c.mean.enumerated() where !v.isFinite {
            throw SchedulerError(
                key: "components[\(k)].mean", message: "components[\(k)].mean[\(i)] must be finite, not \(v)")
        }
        guard c.covariance.count == d, c.covariance.allSatisfy({ $0.count == d }) else {
            let shape = c.covariance.map { String($0.count) }.joined(separator: ", ")
            throw SchedulerError(
                key: "components[\(k)].covariance",
                message: "components[\(k)].covariance must be \(d)×\(d), but has rows of lengths [\(shape)]")
        }
        var scale = 0.0
        for i in 0..<d {
            for j in 0..<d {
                let v = c.covariance[i][j]
                guard v.isFinite else {
                    throw SchedulerError(
                        key: "components[\(k)].covariance",
                        message: "components[\(k)].covariance[\(i)][\(j)] must be finite, not \(v)")
                }
                scale = max(scale, abs(v))
            }
        }
        var flat = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0..<d {
                let a = c.covariance[i][j], b = c.covariance[j][i]
                guard abs(a - b) <= 1e-12 * scale else {
                    throw SchedulerError(
                        key: "components[\(k)].covariance",
                        message: "components[\(k)].covariance must be symmetric, but [\(i)][\(j)] = \(a) and [\(j)][\(i)] = \(b)")
                }
                flat[i * d + j] = (a + b) / 2
            }
        }
        return flat
    }
}
