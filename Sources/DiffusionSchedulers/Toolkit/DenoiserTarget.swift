/// What an exact denoiser returns for a noisy sample x = α·x₀ + σ·ε: the scheduler's model target.
///
/// The first three are diffusers' `prediction_type` values and share their raw values; `flow` is
/// the flow-matching velocity and `score` the gradient of the log-density of the noisy marginal.
public enum DenoiserTarget: String, Sendable, CaseIterable {
    /// E[ε | x], the noise (`prediction_type: epsilon`).
    case epsilon
    /// E[x₀ | x], the clean sample (`prediction_type: sample`).
    case sample
    /// E[α·ε − σ·x₀ | x], diffusers' `v_prediction` when the level is variance preserving.
    case vPrediction = "v_prediction"
    /// E[ε − x₀ | x], the flow-matching velocity dx/dσ of x = (1 − σ)·x₀ + σ·ε (`flow_prediction`).
    case flow = "flow_prediction"
    /// ∇ₓ log pₓ(x), the score of the noisy marginal; equals −E[ε | x]/σ (Tweedie).
    case score

    /// The target a scheduler configured with `predictionType` expects from its model.
    public init(_ predictionType: PredictionType) throws(SchedulerError) {
        guard let target = DenoiserTarget(rawValue: predictionType.rawValue) else {
            throw SchedulerError(
                key: "prediction_type",
                message: "prediction_type '\(predictionType.rawValue)' has no exact Gaussian-mixture denoiser")
        }
        self = target
    }

    /// The target a DPM-Solver-family scheduler configured with `predictionType` expects from its model.
    public init(_ predictionType: SolverPredictionType) throws(SchedulerError) {
        guard let target = DenoiserTarget(rawValue: predictionType.rawValue) else {
            throw SchedulerError(
                key: "prediction_type",
                message: "prediction_type '\(predictionType.rawValue)' has no exact Gaussian-mixture denoiser")
        }
        self = target
    }
}
