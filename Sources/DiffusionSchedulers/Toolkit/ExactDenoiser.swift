/// A ``GaussianMixture``'s exact model for a timestep-indexed scheduler (DDPM, DDIM, …): call it with
/// the sample and the timestep, as a trained network would be called, and pass its output to `step`.
///
/// ```swift
/// let scheduler = try DDIMScheduler(config: config)
/// let model = try mixture.denoiser(predictionType: config.predictionType, alphasCumprod: scheduler.alphasCumprod)
/// for t in scheduler.timesteps {
///     sample = try scheduler.step(modelOutput: model(sample, timestep: t), timestep: t, sample: sample).prevSample
/// }
/// ```
public struct ExactDenoiser: Sendable {
    /// The data distribution.
    public let mixture: GaussianMixture
    /// What the model returns.
    public let target: DenoiserTarget
    /// ᾱₜ of the scheduler's training timesteps; timestep t is the level α = √ᾱₜ, σ = √(1 − ᾱₜ).
    public let alphasCumprod: [Float]

    /// A denoiser for the given target and ᾱ table; throws when the table is empty or has values outside [0, 1].
    public init(mixture: GaussianMixture, target: DenoiserTarget, alphasCumprod: [Float]) throws(SchedulerError) {
        guard !alphasCumprod.isEmpty else {
            throw SchedulerError(key: "alphasCumprod", message: "alphasCumprod must not be empty")
        }
        for (i, a) in alphasCumprod.enumerated() where !(a >= 0 && a <= 1) {
            throw SchedulerError(key: "alphasCumprod", message: "alphasCumprod[\(i)] must be in [0, 1], not \(a)")
        }
        self.mixture = mixture
        self.target = target
        self.alphasCumprod = alphasCumprod
    }

    /// The noise level of training timestep `timestep`.
    public func noiseLevel(timestep: Int) throws(SchedulerError) -> NoiseLevel {
        guard timestep >= 0, timestep < alphasCumprod.count else {
            throw SchedulerError(key: "timestep", message: "timestep \(timestep) is outside 0..<\(alphasCumprod.count)")
        }
        return try NoiseLevel.variancePreserving(alphaCumprod: Double(alphasCumprod[timestep]))
    }

    /// The model output for `sample` (shape `[N, D]`, or `[N]` when D = 1) at `timestep`.
    public func callAsFunction(_ sample: Tensor, timestep: Int) throws(SchedulerError) -> Tensor {
        try mixture.predict(target, sample: sample, level: noiseLevel(timestep: timestep))
    }
}

extension GaussianMixture {
    /// The exact model for a scheduler configured with `predictionType` and the ᾱ table `alphasCumprod`.
    public func denoiser(predictionType: PredictionType, alphasCumprod: [Float]) throws(SchedulerError) -> ExactDenoiser {
        try ExactDenoiser(mixture: self, target: DenoiserTarget(predictionType), alphasCumprod: alphasCumprod)
    }

    /// The exact model returning `target` (including `flow_prediction` and `score`) at the levels of `alphasCumprod`.
    public func denoiser(target: DenoiserTarget, alphasCumprod: [Float]) throws(SchedulerError) -> ExactDenoiser {
        try ExactDenoiser(mixture: self, target: target, alphasCumprod: alphasCumprod)
    }
}
