import Foundation

extension GaussianMixture: ExactModel {
    /// The exact `target` prediction in double precision for points stored row by row (`N·D` values).
    public func predict(_ target: DenoiserTarget, points: [Double], level: NoiseLevel) throws(SchedulerError) -> [Double] {
        try checkFlatPoints(points)
        let posterior = Posterior(mixture: self, points: points, level: level)
        let (alpha, sigma) = (level.alpha, level.sigma)
        switch target {
        case .sample:
            return posterior.originalSample
        case .epsilon:
            return posterior.noise
        case .vPrediction:
            var v = posterior.noise
            for i in v.indices { v[i] = alpha * v[i] - sigma * posterior.originalSample[i] }
            return v
        case .flow:
            var v = posterior.noise
            for i in v.indices { v[i] -= posterior.originalSample[i] }
            return v
        case .score:
            guard let whitened = posterior.whitenedResidual else {
                throw SchedulerError(
                    key: "sigma",
                    message: "the score at sigma 0 does not exist for a mixture with a singular covariance")
            }
            return whitened.map { -$0 }
        }
    }

    /// log p(x) of the noisy marginal at `level` for every point of `sample` (`[N, D]`, or `[N]` when D = 1).
    ///
    /// At σ = 0 with a singular covariance the density does not exist and this throws.
    public func logDensity(of sample: Tensor, level: NoiseLevel) throws(SchedulerError) -> [Double] {
        try logDensity(points: try points(of: sample, key: "sample"), level: level)
    }

    /// log p(x) of the noisy marginal at `level` for points stored row by row (`N·D` values).
    public func logDensity(points: [Double], level: NoiseLevel) throws(SchedulerError) -> [Double] {
        try checkFlatPoints(points)
        let posterior = Posterior(mixture: self, points: points, level: level, withLogDensity: true)
        guard posterior.whitenedResidual != nil else {
            throw SchedulerError(
                key: "sigma", message: "the density at sigma 0 does not exist for a mixture with a singular covariance")
        }
        return posterior.logDensity
    }
}

/// The posterior of x₀ given noisy points at one level: E[x₀ | x], E[ε | x], Σₖ rₖ·Cₖ⁻¹·(x − α·μₖ) and log p(x).
///
/// The loops run over raw buffers of the mixture's flat tables: this is the inner loop of every
/// reference solve, and the tests run it in debug builds.
struct Posterior {
    /// E[x₀ | x], row-major.
    var originalSample: [Double]
    /// E[ε | x], row-major.
    var noise: [Double]
    /// Σₖ rₖ·Cₖ⁻¹·(x − α·μₖ) = −∇ log p(x); nil at σ = 0 when some Cₖ is singular.
    var whitenedResidual: [Double]?
    /// log p(x) per point when asked for (empty otherwise; meaningless when `whitenedResidual` is nil).
    var logDensity: [Double]

    /// The posterior moments at `points`; the log-density too with `withLogDensity` (one `log`
    /// per point, a fifth of the work of the probability-flow field, which does not need it).
    init(mixture: GaussianMixture, points x: [Double], level: NoiseLevel, withLogDensity: Bool = false) {
        let d = mixture.dimension
        let n = x.count / d
        let k = mixture.parts.count
        let alpha = level.alpha, sigma = level.sigma
        let alpha2 = alpha * alpha, sigma2 = sigma * sigma
        let tables = mixture.tables

        // Per component, in the eigenbasis of Σₖ: Cₖ has eigenvalues α²λᵢ + σ².
        var inverse = [Double](repeating: 0, count: k * d)  // 1 / (α²λᵢ + σ²)
        var gain = [Double](repeating: 0, count: k * d)  // αλᵢ / (α²λᵢ + σ²), the eigenvalues of α·Σ·C⁻¹
        var logNormaliser = [Double](repeating: 0, count: k)
        var singular = false
        let logTwoPi = Foundation.log(2 * Double.pi)
        for c in 0..<k {
            var logDeterminant = 0.0
            for i in 0..<d {
                let lambda = tables.eigenvalues[c * d + i]
                let denominator = alpha2 * lambda + sigma2
                if denominator > 0 {
                    inverse[c * d + i] = 1 / denominator
                    gain[c * d + i] = alpha * lambda / denominator
                    logDeterminant += Foundation.log(denominator)
                } else {
                    singular = true
                }
            }
            logNormaliser[c] = tables.logWeights[c] - 0.5 * logDeterminant - 0.5 * Double(d) * logTwoPi
        }

        if singular {
            // σ = 0 with a point mass or a flat direction: the posterior is the point x/α itself.
            originalSample = x.map { $0 / alpha }
            noise = [Double](repeating: 0, count: x.count)
            whitenedResidual = nil
            logDensity = [Double](repeating: -.infinity, count: n)
            return
        }

        var x0 = [Double](repeating: 0, count: x.count)
        var white = [Double](repeating: 0, count: x.count)
        var logp = [Double](repeating: 0, count: withLogDensity ? n : 0)
        var scratch = [Double](repeating: 0, count: k * d + k)  // Vₖᵀ(x − α·μₖ) for each k, then the log-terms
        x.withUnsafeBufferPointer { x in
        tables.means.withUnsafeBufferPointer { mu in
        tables.eigenvectors.withUnsafeBufferPointer { v in
        inverse.withUnsafeBufferPointer { inverse in
        gain.withUnsafeBufferPointer { gain in
        logNormaliser.withUnsafeBufferPointer { logNormaliser in
        x0.withUnsafeMutableBufferPointer { x0 in
        white.withUnsafeMutableBufferPointer { white in
        logp.withUnsafeMutableBufferPointer { logp in
        scratch.withUnsafeMutableBufferPointer { scratch in
            let dd = d * d
            let termBase = k * d
            for p in 0..<n {
                let base = p * d
                var largest = -Double.infinity
                for c in 0..<k {
                    var mahalanobis = 0.0
                    for j in 0..<d {
                        var s = 0.0
                        for i in 0..<d { s += v[c * dd + i * d + j] * (x[base + i] - alpha * mu[c * d + i]) }
                        scratch[c * d + j] = s
                        mahalanobis += s * s * inverse[c * d + j]
                    }
                    let term = logNormaliser[c] - 0.5 * mahalanobis
                    scratch[termBase + c] = term
                    if term > largest { largest = term }
                }
                var total = 0.0
                for c in 0..<k {
                    let e = Foundation.exp(scratch[termBase + c] - largest)
                    scratch[termBase + c] = e
                    total += e
                }
                if withLogDensity { logp[p] = largest + Foundation.log(total) }
                for c in 0..<k {
                    let r = scratch[termBase + c] / total
                    if !(r > 0) { continue }
                    for i in 0..<d {
                        var mean = mu[c * d + i]
                        var w = 0.0
                        for j in 0..<d {
                            let vij = v[c * dd + i * d + j]
                            let projected = scratch[c * d + j]
                            mean += vij * gain[c * d + j] * projected
                            w += vij * inverse[c * d + j] * projected
                        }
                        x0[base + i] += r * mean
                        white[base + i] += r * w
                    }
                }
            }
        }}}}}}}}}}
        originalSample = x0
        noise = white.map { sigma * $0 }
        whitenedResidual = white
        logDensity = logp
    }
}
