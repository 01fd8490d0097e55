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

    /// The error of a step past the end of the schedule, naming the usual cause: a first timestep
    /// that repeats (`use_beta_sigmas` at 40 steps gives 998, 998, …), so `index_for_timestep`
    /// took its second match and sampling began at step 1, one step short at the end.
    static func pastTheEnd(_ step: Int, timesteps: [Double]) -> SchedulerError {
        var message = "step \(step) is past the last of \(timesteps.count) steps"
        if timesteps.count >= 2, timesteps[0] == timesteps[1] {
            let first = timesteps[0].rounded() == timesteps[0] ? String(Int(timesteps[0])) : String(timesteps[0])
            let repeats = timesteps.prefix { $0 == timesteps[0] }.count
            message += ": the first timestep, \(first), occurs \(repeats) times, and the first step starts at its second "
                + "occurrence (diffusers' index_for_timestep), so the schedule runs out one step early; "
                + "diffusers 0.42.1 raises an IndexError there too"
        }
        return SchedulerError(key: "timestep", message: message)
    }

    /// Checks a `set_begin_index` argument against the schedule length.
    static func validateBegin(_ index: Int, count: Int) throws(SchedulerError) {
        guard index >= 0, index < count else {
            throw SchedulerError(key: "begin_index", message: "begin_index \(index) is outside 0..<\(count)")
        }
    }
}
