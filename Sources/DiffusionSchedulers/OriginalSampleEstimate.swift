/// The x₀ estimate of the DDPM-family steps and its clipping or dynamic thresholding, shared by
/// DDPM and DDIM, with torch's float32 operation order.
struct OriginalSampleEstimate {
    /// How x₀ is derived from the model output.
    let prediction: PredictionType
    /// √ᾱₜ and √(1 − ᾱₜ) as float32 scalars.
    let sqrtAlpha: Float, sqrtBeta: Float
    /// The clamp range when `clip_sample` is on and thresholding is off.
    let clipRange: Float?
    /// The quantile and maximum when `thresholding` is on.
    let threshold: (ratio: Double, maxValue: Double)?

    init(prediction: PredictionType, alphaProd: Float, clipSample: Bool, clipSampleRange: Double,
         thresholding: Bool, dynamicThresholdingRatio: Double, sampleMaxValue: Double) {
        self.prediction = prediction
        self.sqrtAlpha = TorchNumerics.sqrt(alphaProd)
        self.sqrtBeta = TorchNumerics.sqrt(1 - alphaProd)
        self.threshold = thresholding ? (dynamicThresholdingRatio, sampleMaxValue) : nil
        self.clipRange = !thresholding && clipSample ? Float(clipSampleRange) : nil
    }

    /// x₀ for one element, before clipping; the Python expression is in each case's comment.
    @inline(__always)
    func unclipped(sample x: Float, modelOutput m: Float) -> Float {
        switch prediction {
        case .epsilon: (x - sqrtBeta * m) / sqrtAlpha  // (sample - beta_prod_t ** 0.5 * model_output) / alpha_prod_t ** 0.5
        case .sample: m
        case .vPrediction: sqrtAlpha * x - sqrtBeta * m  // alpha_prod_t**0.5 * sample - beta_prod_t**0.5 * model_output
        }
    }

    /// x₀ for one element with `clip_sample` applied (thresholding happens in a second pass).
    @inline(__always)
    func estimate(sample x: Float, modelOutput m: Float) -> Float {
        let value = unclipped(sample: x, modelOutput: m)
        guard let range = clipRange else { return value }
        return TorchNumerics.clamp(value, -range, range)
    }
}

/// diffusers' `_threshold_sample` (Imagen's dynamic thresholding), per batch item over all
/// channels and pixels: s = clamp(quantile(|x₀|, ratio), 1, max); x₀ = clamp(x₀, −s, s) / s.
enum DynamicThresholding {
    /// The threshold s of each batch item of `values` laid out as `[batch, rest]`.
    static func thresholds(
        _ values: UnsafeBufferPointer<Float>, batch: Int, ratio: Double, maxValue: Double
    ) -> [Float] {
        let perItem = batch > 0 ? values.count / batch : 0
        var magnitudes = [Float](repeating: 0, count: perItem)
        return (0..<batch).map { b in
            for i in 0..<perItem { magnitudes[i] = abs(values[b * perItem + i]) }
            let q = TorchNumerics.quantile(sorting: &magnitudes, Float(ratio))
            // torch.clamp(s, min=1, max=sample_max_value): max wins when it is below min.
            return Swift.min(Swift.max(q, 1), Float(maxValue))
        }
    }

    /// Thresholds `values` (x₀ laid out as `[batch, rest]`) in place: each item clamped to ±s and
    /// divided by s, its threshold.
    static func apply(_ values: UnsafeMutableBufferPointer<Float>, batch: Int, ratio: Double, maxValue: Double) {
        let s = thresholds(UnsafeBufferPointer(values), batch: batch, ratio: ratio, maxValue: maxValue)
        let perItem = Swift.max(batch > 0 ? values.count / batch : 0, 1)
        for k in values.indices {
            let limit = s[k / perItem]
            values[k] = TorchNumerics.clamp(values[k], -limit, limit) / limit
        }
    }
}
