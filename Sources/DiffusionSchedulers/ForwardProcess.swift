/// The forward-process helpers of the timestep-indexed VP schedulers: diffusers' `add_noise`
/// and `get_velocity` (DDPM `569-644`, DDIM `517-592`), as fused loops.
enum ForwardProcess {
    /// Per-batch-item √ᾱₜ and √(1 − ᾱₜ) for `timesteps`, which holds one timestep or one per batch item.
    static func scales(
        alphasCumprod: [Float], timesteps: [Int], shape: [Int]
    ) throws(SchedulerError) -> [(signal: Float, noise: Float)] {
        let batch = shape.first ?? 1
        guard timesteps.count == 1 || (timesteps.count == batch && !shape.isEmpty) else {
            throw SchedulerError(
                key: "timesteps",
                message: "got \(timesteps.count) timesteps for a batch of \(batch); pass one or one per batch item")
        }
        var scales: [(signal: Float, noise: Float)] = []
        for t in timesteps {
            try InferenceTimesteps.validate(t, numTrainTimesteps: alphasCumprod.count, key: "timesteps")
            let ac = alphasCumprod[t]
            scales.append((TorchNumerics.sqrt(ac), TorchNumerics.sqrt(1 - ac)))
        }
        return scales
    }

    /// `a * x + b * y` per batch item, the shape of both `add_noise` and (with b negated) `get_velocity`.
    static func combine(
        _ x: Tensor, _ y: Tensor, scales: [(Float, Float)], subtract: Bool
    ) -> Tensor {
        let perItem = scales.count == 1 ? x.count : x.count / max(scales.count, 1)
        var out = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { xs in
            y.scalars.withUnsafeBufferPointer { ys in
                out.withUnsafeMutableBufferPointer { o in
                    for (item, (a, b)) in scales.enumerated() {
                        let range = item * perItem..<(item + 1) * perItem
                        if subtract {
                            for i in range { o[i] = a * xs[i] - b * ys[i] }
                        } else {
                            for i in range { o[i] = a * xs[i] + b * ys[i] }
                        }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: x.shape, scalars: out)
    }

    /// `add_noise`: √ᾱₜ · x₀ + √(1 − ᾱₜ) · ε.
    static func addNoise(
        alphasCumprod: [Float], originalSamples: Tensor, noise: Tensor, timesteps: [Int]
    ) throws(SchedulerError) -> Tensor {
        try originalSamples.checkSameShape(as: noise, "originalSamples", "noise")
        let scales = try scales(alphasCumprod: alphasCumprod, timesteps: timesteps, shape: originalSamples.shape)
        return combine(originalSamples, noise, scales: scales.map { ($0.signal, $0.noise) }, subtract: false)
    }

    /// `get_velocity`: √ᾱₜ · ε − √(1 − ᾱₜ) · x.
    static func velocity(
        alphasCumprod: [Float], sample: Tensor, noise: Tensor, timesteps: [Int]
    ) throws(SchedulerError) -> Tensor {
        try sample.checkSameShape(as: noise, "sample", "noise")
        let scales = try scales(alphasCumprod: alphasCumprod, timesteps: timesteps, shape: sample.shape)
        return combine(noise, sample, scales: scales.map { ($0.signal, $0.noise) }, subtract: true)
    }
}
