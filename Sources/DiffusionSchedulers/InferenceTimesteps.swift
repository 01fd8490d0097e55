/// The validated `set_timesteps` logic shared by DDPM and DDIM ("family A" of the parity notes).
enum InferenceTimesteps {
    /// `set_timesteps(n)`: checks n against T, then applies the spacing.
    static func make(
        numInferenceSteps n: Int, numTrainTimesteps t: Int, spacing: TimestepSpacing, stepsOffset: Int
    ) throws(SchedulerError) -> [Int] {
        guard n >= 1 else {
            throw SchedulerError(
                key: "num_inference_steps", message: "num_inference_steps must be at least 1, not \(n)")
        }
        guard n <= t else {
            throw SchedulerError(
                key: "num_inference_steps",
                message: "num_inference_steps \(n) cannot be larger than num_train_timesteps \(t)")
        }
        // An offset past T could only push timesteps out of the table (and overflow on the way).
        guard stepsOffset >= 0, stepsOffset <= t else {
            throw SchedulerError(
                key: "steps_offset", message: "steps_offset must be between 0 and num_train_timesteps (\(t)), not \(stepsOffset)")
        }
        let timesteps = spacing.ddpmTimesteps(numInferenceSteps: n, numTrainTimesteps: t, stepsOffset: stepsOffset)
        // Only `leading` adds the offset, and only it can push a timestep past T - 1, where
        // diffusers would fail later with an index error.
        if let first = timesteps.first, first >= t {
            throw SchedulerError(
                key: "steps_offset",
                message: "steps_offset \(stepsOffset) moves timestep \(first) past the last training timestep \(t - 1)")
        }
        return timesteps
    }

    /// `set_timesteps(timesteps=[...])`: strictly descending, within `0 ..< T`.
    static func validateCustom(_ timesteps: [Int], numTrainTimesteps t: Int) throws(SchedulerError) {
        guard let first = timesteps.first else {
            throw SchedulerError(key: "timesteps", message: "custom timesteps must not be empty")
        }
        for i in timesteps.indices.dropFirst() where timesteps[i] >= timesteps[i - 1] {
            throw SchedulerError(
                key: "timesteps",
                message: "custom timesteps must be in descending order, but \(timesteps[i]) follows \(timesteps[i - 1])")
        }
        guard first < t else {
            throw SchedulerError(
                key: "timesteps", message: "custom timesteps must start before num_train_timesteps \(t), not at \(first)")
        }
        if let last = timesteps.last, last < 0 {
            throw SchedulerError(key: "timesteps", message: "custom timesteps must not be negative, not \(last)")
        }
    }

    /// Checks a timestep passed to `step`, `add_noise` or `get_velocity` against the training range.
    static func validate(_ timestep: Int, numTrainTimesteps t: Int, key: String = "timestep") throws(SchedulerError) {
        guard timestep >= 0, timestep < t else {
            throw SchedulerError(key: key, message: "\(key) \(timestep) is outside 0..<\(t)")
        }
    }
}
