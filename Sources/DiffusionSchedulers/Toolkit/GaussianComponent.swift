/// One component of a ``GaussianMixture``: a weight, a mean and a covariance matrix.
///
/// A plain value: nothing is checked until a ``GaussianMixture`` is built from it, which names the
/// component and argument at fault.
public struct GaussianComponent: Sendable, Equatable {
    /// The mixture weight; the mixture normalises the weights to sum to 1.
    public var weight: Double
    /// The mean, one entry per dimension.
    public var mean: [Double]
    /// The covariance, one row per dimension; symmetric and positive semi-definite (zero gives a point mass).
    public var covariance: [[Double]]

    /// A component with a full covariance matrix.
    public init(weight: Double, mean: [Double], covariance: [[Double]]) {
        self.weight = weight
        self.mean = mean
        self.covariance = covariance
    }

    /// An isotropic component: covariance s²·I with s = `standardDeviation`.
    public init(weight: Double, mean: [Double], standardDeviation s: Double) {
        self.weight = weight
        self.mean = mean
        self.covariance = mean.indices.map { i in mean.indices.map { j in i == j ? s * s : 0 } }
    }

    /// A one-dimensional component N(mean, s²) with s = `standardDeviation`.
    public init(weight: Double, mean: Double, standardDeviation s: Double) {
        self.init(weight: weight, mean: [mean], covariance: [[s * s]])
    }
}
