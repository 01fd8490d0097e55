/// The path of a batch of points through a solver: the state at every time of the grid.
public struct Trajectory: Sendable, Equatable {
    /// The times, in the order the solver visited them; `times[0]` is the start.
    public let times: [Double]
    /// `states[i]` holds the points at `times[i]`, with the shape of the starting tensor.
    public let states: [Tensor]

    /// The points at the last time.
    public var final: Tensor { states[states.count - 1] }
}
