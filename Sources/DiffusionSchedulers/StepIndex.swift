/// The step-index bookkeeping of diffusers' sigma-based schedulers: `_step_index`,
/// `_begin_index`, `index_for_timestep` and `_init_step_index`.
struct StepIndex: Sendable {
    /// The index of the next step; nil until the first `step` or `scale_model_input`.
    var current: Int?
    /// Set by `set_begin_index`; the first step starts there instead of looking the timestep up.
    var begin: Int?

    /// What `index_for_timestep` does when the timestep is not in the schedule.
    enum Missing {
        /// DPM-Solver and UniPC: use the last index.
        case lastIndex
        /// Euler, Heun, LCM, flow matching: an error (diffusers raises IndexError).
        case error
    }

    /// `index_for_timestep`: the second match when the timestep occurs more than once (so an
    /// img2img start does not skip a sigma), else the only match.
    static func index<T>(
        of timestep: Double, in timesteps: [T], missing: Missing, value: (T) -> Double
    ) throws(SchedulerError) -> Int {
        var first: Int?
        for i in timesteps.indices where value(timesteps[i]) == timestep {
            if first == nil {
                first = i
            } else {
                return i
            }
        }
        if let first { return first }
        switch missing {
        case .lastIndex:
            return Swift.max(timesteps.count - 1, 0)
        case .error:
            throw SchedulerError(key: "timestep", message: "timestep \(timestep) is not in the scheduler's timesteps")
        }
    }

    /// `_init_step_index` if no step has run yet; returns the current index.
    mutating func resolve(_ lookup: () throws(SchedulerError) -> Int) throws(SchedulerError) -> Int {
        if let current { return current }
        let index: Int
        if let begin {
            index = begin
        } else {
            index = try lookup()
        }
        current = index
        return index
    }

    /// `set_timesteps` forgets both indices.
    mutating func reset() {
        current = nil
        begin = nil
    }

    /// Checks a `set_begin_index` argument against the schedule length.
    static func validateBegin(_ index: Int, count: Int) throws(SchedulerError) {
        guard index >= 0, index < count else {
            throw SchedulerError(key: "begin_index", message: "begin_index \(index) is outside 0..<\(count)")
        }
    }
}
