/// An experiment's numbers by sampler and step count, kept so that prose can pin them:
/// `` {value}`samplers["DPM-Solver++ 2M"][20] = 0.0049` `` is the error of that sampler at 20 steps
/// in the experiment whose `id` is `samplers`.
public struct ExperimentResults: Sendable, Codable, Equatable {
    /// The step counts, ascending.
    public var steps: [Int]
    /// The sampler labels, in the directive's order.
    public var samplers: [String]
    /// `errors[s][k]`: sampler `s` at `steps[k]`.
    public var errors: [[Double]]

    /// The error of `sampler` at `steps` steps, if the experiment ran it.
    public func error(sampler: String, steps count: Int) -> Double? {
        guard let s = samplers.firstIndex(of: sampler), let k = steps.firstIndex(of: count) else { return nil }
        return errors[s][k]
    }
}
