/// The `set_timesteps` spacings of the sigma-based schedulers ("families" B, C and D of the
/// parity notes), each in numpy float64 with half-to-even rounding and int64 truncation.
extension TimestepSpacing {
    /// DPM-Solver multistep and UniPC (family B): n integer timesteps from n + 1 candidates,
    /// dropping the last. `last` is DPM-Solver's `last_timestep` (T minus the clipped λ range;
    /// T for UniPC), `leadingBase` the number `leading` divides (`last` for DPM-Solver, T for UniPC).
    func solverTimesteps(
        numInferenceSteps n: Int, numTrainTimesteps t: Int, last: Int, leadingBase: Int, trailingStart: Int,
        stepsOffset: Int
    ) -> [Int] {
        switch self {
        case .linspace:
            return Array(
                TorchNumerics.numpyLinspace(0, Double(last - 1), count: n + 1)
                    .map { Int($0.rounded(.toNearestOrEven)) }
                    .reversed()
                    .dropLast())
        case .leading:
            let ratio = leadingBase / (n + 1)
            return Array((0...n).reversed().map { $0 * ratio }.dropLast()).map { $0 + stepsOffset }
        case .trailing:
            let ratio = Double(t) / Double(n)
            return TorchNumerics.numpyArange(Double(trailingStart), 0, step: -ratio)
                .map { Int($0.rounded(.toNearestOrEven)) - 1 }
        }
    }

    /// Euler, Euler ancestral and Heun (family C): n float32 timesteps; `linspace` is not rounded.
    func discreteTimesteps(numInferenceSteps n: Int, numTrainTimesteps t: Int, stepsOffset: Int) -> [Float] {
        switch self {
        case .linspace:
            return TorchNumerics.numpyLinspace(0, Double(t - 1), count: n).map { Float($0) }.reversed()
        case .leading:
            let ratio = t / n
            return (0..<n).reversed().map { Float($0 * ratio) + Float(stepsOffset) }
        case .trailing:
            let ratio = Double(t) / Double(n)
            return TorchNumerics.numpyArange(Double(t), 0, step: -ratio)
                .map { Float($0.rounded(.toNearestOrEven)) - 1 }
        }
    }
}

/// The validated `num_inference_steps` of the sigma-based schedulers.
enum SolverSteps {
    /// Checks n ≥ 1 and n ≤ `limit` (T, or the usable range after clipping).
    static func validate(_ n: Int, limit: Int, what: String = "num_train_timesteps") throws(SchedulerError) {
        guard n >= 1 else {
            throw SchedulerError(key: "num_inference_steps", message: "num_inference_steps must be at least 1, not \(n)")
        }
        guard n <= limit else {
            throw SchedulerError(
                key: "num_inference_steps", message: "num_inference_steps \(n) cannot be larger than \(what) \(limit)")
        }
    }
}
