/// The `prediction_type` option: what the denoising model outputs.
public enum PredictionType: String, Sendable, Codable, CaseIterable {
    /// The noise ε added to x₀.
    case epsilon
    /// The clean sample x₀ itself.
    case sample
    /// The velocity v = √ᾱ·ε − √(1−ᾱ)·x₀ (Imagen Video §2.4).
    case vPrediction = "v_prediction"
}
