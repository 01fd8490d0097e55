/// The fused element loop of `DDIMScheduler.step`: x₀, clip, ε, direction, noise in one pass.
///
/// Each prediction type gets its own tight loop so the compiler vectorises it; every expression
/// keeps diffusers' float32 operation order (see the comments in `DDIMScheduler.step`).
struct DDIMKernel {
    let prediction: PredictionType
    let sqrtAlpha: Float, sqrtBeta: Float
    let originalCoeff: Float, directionCoeff: Float, std: Float
    let addsNoise: Bool
    let useClippedModelOutput: Bool

    init(prediction: PredictionType, sqrtAlpha: Float, sqrtBeta: Float, originalCoeff: Float, directionCoeff: Float,
         std: Float, addsNoise: Bool, useClippedModelOutput: Bool) {
        self.prediction = prediction
        self.sqrtAlpha = sqrtAlpha
        self.sqrtBeta = sqrtBeta
        self.originalCoeff = originalCoeff
        self.directionCoeff = directionCoeff
        self.std = std
        self.addsNoise = addsNoise
        self.useClippedModelOutput = useClippedModelOutput
    }

    /// One pass with `clip_sample` (or nothing) applied to x₀.
    func run(
        _ x: UnsafeBufferPointer<Float>, _ m: UnsafeBufferPointer<Float>, _ x0: UnsafeMutableBufferPointer<Float>,
        _ prev: UnsafeMutableBufferPointer<Float>, range: Range<Int>, clipRange: Float?
    ) {
        let lo = clipRange.map { -$0 } ?? -.infinity
        let hi = clipRange ?? .infinity
        let sa = sqrtAlpha, sb = sqrtBeta
        // clamp(±∞) is the identity, also for NaN, so one loop serves clipped and unclipped x₀.
        switch (prediction, useClippedModelOutput) {
        case (.epsilon, false):
            fused(x, m, x0, prev, range) { xi, mi in
                (TorchNumerics.clamp((xi - sb * mi) / sa, lo, hi), mi)
            }
        case (.sample, false):
            fused(x, m, x0, prev, range) { xi, mi in
                (TorchNumerics.clamp(mi, lo, hi), (xi - sa * mi) / sb)
            }
        case (.vPrediction, false):
            fused(x, m, x0, prev, range) { xi, mi in
                (TorchNumerics.clamp(sa * xi - sb * mi, lo, hi), sa * mi + sb * xi)
            }
        case (let prediction, true):
            let estimate = { (xi: Float, mi: Float) -> Float in
                switch prediction {
                case .epsilon: (xi - sb * mi) / sa
                case .sample: mi
                case .vPrediction: sa * xi - sb * mi
                }
            }
            fused(x, m, x0, prev, range) { xi, mi in
                let predicted = TorchNumerics.clamp(estimate(xi, mi), lo, hi)
                return (predicted, (xi - sa * predicted) / sb)
            }
        }
    }

    /// The second pass of dynamic thresholding: x₀ was written unclipped; clamp to ±s and divide by s.
    func run(
        _ x: UnsafeBufferPointer<Float>, _ m: UnsafeBufferPointer<Float>, _ x0: UnsafeMutableBufferPointer<Float>,
        _ prev: UnsafeMutableBufferPointer<Float>, range: Range<Int>, _ s: Float
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
            prev[i] = addsNoise ? value + std * prev[i] : value
        }
    }

    /// The shared loop: writes x₀ and x_{t−1} = √ᾱ_prev · x₀ + √(1 − ᾱ_prev − σ²) · ε (+ σ · noise,
    /// read from `prev`, where the step placed it).
    @inline(__always)
    private func fused(
        _ x: UnsafeBufferPointer<Float>, _ m: UnsafeBufferPointer<Float>, _ x0: UnsafeMutableBufferPointer<Float>,
        _ prev: UnsafeMutableBufferPointer<Float>, _ range: Range<Int>,
        _ element: (Float, Float) -> (Float, Float)
    ) {
        let a = originalCoeff, c = directionCoeff, std = self.std
        guard let xs = x.baseAddress, let ms = m.baseAddress, let x0s = x0.baseAddress, let ps = prev.baseAddress
        else { return }
        if addsNoise {
            for i in range {
                let (predicted, epsilon) = element(xs[i], ms[i])
                x0s[i] = predicted
                ps[i] = (a * predicted + c * epsilon) + std * ps[i]
            }
        } else {
            for i in range {
                let (predicted, epsilon) = element(xs[i], ms[i])
                x0s[i] = predicted
                ps[i] = a * predicted + c * epsilon
            }
        }
    }
}
