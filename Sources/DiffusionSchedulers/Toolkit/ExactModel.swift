/// A data model whose denoiser is known exactly (or defined exactly, as a guided one is): what the
/// sampling runs call in place of a network and what the reference probability-flow ODE integrates.
///
/// ``GaussianMixture`` is the unguided model; ``GuidedGaussianMixture`` combines a mixture with
/// its class-conditional part as classifier-free guidance does. Everything a sampling experiment
/// needs — ``sample(scheduler:steps:start:generator:mu:options:)``,
/// ``probabilityFlowSolution(from:start:end:steps:)`` — is written once, over this protocol.
public protocol ExactModel: Sendable {
    /// The dimension D of every point.
    var dimension: Int { get }
    /// The `target` prediction in double precision for points stored row by row (`N·D` values) at `level`.
    func predict(_ target: DenoiserTarget, points: [Double], level: NoiseLevel) throws(SchedulerError) -> [Double]
    /// The length scale of the finest detail of the data (the smallest component standard deviation):
    /// how close to σ = 0 the reference ODE must integrate before its final exact jump.
    var smallestStandardDeviation: Double { get }
}

extension ExactModel {
    /// The exact `target` prediction for every point of `sample` at noise level `level`.
    ///
    /// `sample` has shape `[N, D]`, or `[N]` when D = 1; the result has the same shape, in float32.
    public func predict(_ target: DenoiserTarget, sample: Tensor, level: NoiseLevel) throws(SchedulerError) -> Tensor {
        let points = try points(of: sample, key: "sample")
        let values = try predict(target, points: points, level: level)
        return Tensor(uncheckedShape: sample.shape, scalars: values.map { Float($0) })
    }

    /// The points of `tensor` as row-major doubles, checking that its shape is `[N, D]` (or `[N]` when D = 1).
    func points(of tensor: Tensor, key: String) throws(SchedulerError) -> [Double] {
        let shape = tensor.shape
        let ok = (shape.count == 2 && shape[1] == dimension) || (shape.count == 1 && dimension == 1)
        guard ok else {
            let expected = dimension == 1 ? "[N, 1] or [N]" : "[N, \(dimension)]"
            throw SchedulerError(
                key: key, message: "\(key) has shape \(shape) but the mixture's points need shape \(expected)")
        }
        return tensor.scalars.map { Double($0) }
    }

    /// Throws unless `points` holds whole points of this model's dimension.
    func checkFlatPoints(_ points: [Double]) throws(SchedulerError) {
        guard points.count % dimension == 0 else {
            throw SchedulerError(
                key: "points",
                message: "points has \(points.count) values, not a multiple of the mixture's dimension \(dimension)")
        }
    }
}
