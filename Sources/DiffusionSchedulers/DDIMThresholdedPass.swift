/// The second pass of a DDIM step with dynamic thresholding: x₀ was written unclipped, and the
/// per-item threshold s is known; clamp x₀ to ±s, divide by s, and finish the update.
///
/// Thresholding needs a quantile over the whole x₀ first, so it cannot be one fused pass; it is a
/// rare option and stays scalar Swift. Every expression keeps diffusers' float32 operation order.
struct DDIMThresholdedPass {
    let prediction: PredictionType
    let sqrtAlpha: Float, sqrtBeta: Float
    let originalCoeff: Float, directionCoeff: Float, std: Float
    let addsNoise: Bool
    let useClippedModelOutput: Bool

    /// x₀ ← clamp(x₀, −s, s) / s and x_{t−1} ← a · x₀ + c · ε (+ σ · noise). Element i is read
    /// before it is written, so `prev` may be the sample's storage.
    func run(
        _ x: UnsafeBufferPointer<Float>, _ m: UnsafeBufferPointer<Float>, _ noise: UnsafeBufferPointer<Float>,
        _ x0: UnsafeMutableBufferPointer<Float>, _ prev: UnsafeMutableBufferPointer<Float>, range: Range<Int>,
        _ s: Float
    ) {
        let sa = sqrtAlpha, sb = sqrtBeta
        let prediction = self.prediction, clipped = useClippedModelOutput
        let a = originalCoeff, c = directionCoeff, std = self.std
        for i in range {
            let xi = x[i], mi = m[i]
            let predicted = TorchNumerics.clamp(x0[i], -s, s) / s
            let epsilon: Float
            if clipped {
                epsilon = (xi - sa * predicted) / sb
            } else {
                switch prediction {
                case .epsilon: epsilon = mi
                case .sample: epsilon = (xi - sa * mi) / sb
                case .vPrediction: epsilon = sa * mi + sb * xi
                }
            }
            x0[i] = predicted
            let value = a * predicted + c * epsilon
            prev[i] = addsNoise ? value + std * noise[i] : value
        }
    }
}
