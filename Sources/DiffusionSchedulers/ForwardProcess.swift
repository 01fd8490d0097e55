/// The forward-process helpers of the timestep-indexed VP schedulers: diffusers' `add_noise`
/// and `get_velocity` (DDPM `569-644`, DDIM `517-592`; Euler's `get_velocity` too), as fused loops.
enum ForwardProcess {
    /// Per-batch-item √ᾱₜ and √(1 − ᾱₜ) for `timesteps`, which holds one timestep or one per batch item.
    static func scales(
        alphasCumprod: [Float], timesteps: [Int], shape: [Int]
    ) throws(SchedulerError) -> [(signal: Float, noise: Float)] {
        try checkCount(timesteps.count, shape: shape)
        var alphaProducts: [Float] = []
        for t in timesteps {
            try InferenceTimesteps.validate(t, numTrainTimesteps: alphasCumprod.count, key: "timesteps")
            alphaProducts.append(alphasCumprod[t])
        }
        return scales(alphaProducts)
    }

    /// `ac ** 0.5` and `(1 - ac) ** 0.5` in float32 for each ᾱ.
    static func scales(_ alphaProducts: [Float]) -> [(signal: Float, noise: Float)] {
        alphaProducts.map { (TorchNumerics.sqrt($0), TorchNumerics.sqrt(1 - $0)) }
    }

    /// Throws unless there is one timestep, or one per batch item of a sample of `shape`.
    static func checkCount(_ count: Int, shape: [Int]) throws(SchedulerError) {
        let batch = shape.first ?? 1
        guard count == 1 || (count == batch && !shape.isEmpty) else {
            throw SchedulerError(
                key: "timesteps",
                message: "got \(count) timesteps for a batch of \(batch); pass one or one per batch item")
        }
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

    /// `get_velocity` with ᾱ already picked, one or one per batch item: √ᾱ · ε − √(1 − ᾱ) · x.
    static func velocity(alphaProducts: [Float], sample: Tensor, noise: Tensor) throws(SchedulerError) -> Tensor {
        try sample.checkSameShape(as: noise, "sample", "noise")
        try checkCount(alphaProducts.count, shape: sample.shape)
        return combine(noise, sample, scales: scales(alphaProducts).map { ($0.signal, $0.noise) }, subtract: true)
    }
}
