/// A ``GaussianMixture``'s exact model for a scheduler: call it with the sample and the timestep, as a
/// trained network would be called, and pass its output to `step`.
///
/// ```swift
/// let scheduler = try DDIMScheduler(config: config)
/// let model = try mixture.denoiser(predictionType: config.predictionType, alphasCumprod: scheduler.alphasCumprod)
/// for t in scheduler.timesteps {
///     sample = try scheduler.step(modelOutput: model(sample, timestep: t), timestep: t, sample: sample).prevSample
/// }
/// ```
///
/// A timestep becomes a ``NoiseLevel`` through ``timestepScale``: the ᾱ table of a DDPM-family
/// schedule (fractional timesteps, as the Euler family passes, interpolate σ = √((1 − ᾱ)/ᾱ) linearly
/// like diffusers' `np.interp`), or σ = t/T for flow matching.
public struct ExactDenoiser: Sendable {
    /// How timesteps map to noise levels.
    public enum TimestepScale: Sendable, Equatable {
        /// Timestep t of a variance-preserving schedule with this ᾱ table: α = √ᾱₜ, σ = √(1 − ᾱₜ).
        case alphasCumprod([Float])
        /// Timestep t of a flow-matching schedule with T training timesteps: x = (1 − σ)·x₀ + σ·ε, σ = t/T.
        case flowMatching(numTrainTimesteps: Int)
    }

    /// The data distribution.
    public let mixture: GaussianMixture
    /// What the model returns.
    public let target: DenoiserTarget
    /// How timesteps map to noise levels.
    public let timestepScale: TimestepScale

    /// A denoiser for a variance-preserving schedule; throws when the ᾱ table is empty or has values outside [0, 1].
    public init(mixture: GaussianMixture, target: DenoiserTarget, alphasCumprod: [Float]) throws(SchedulerError) {
        guard !alphasCumprod.isEmpty else {
            throw SchedulerError(key: "alphasCumprod", message: "alphasCumprod must not be empty")
        }
        for (i, a) in alphasCumprod.enumerated() where !(a >= 0 && a <= 1) {
            throw SchedulerError(key: "alphasCumprod", message: "alphasCumprod[\(i)] must be in [0, 1], not \(a)")
        }
        self.mixture = mixture
        self.target = target
        self.timestepScale = .alphasCumprod(alphasCumprod)
    }

    /// A denoiser for a flow-matching schedule whose timesteps are σ·T.
    public init(mixture: GaussianMixture, target: DenoiserTarget, flowMatchingTrainTimesteps t: Int) throws(SchedulerError) {
        guard t >= 1 else {
            throw SchedulerError(key: "num_train_timesteps", message: "num_train_timesteps must be at least 1, not \(t)")
        }
        self.mixture = mixture
        self.target = target
        self.timestepScale = .flowMatching(numTrainTimesteps: t)
    }

    /// The noise level of an integer training timestep.
    public func noiseLevel(timestep: Int) throws(SchedulerError) -> NoiseLevel {
        try noiseLevel(timestep: Double(timestep))
    }

    /// The noise level of a timestep, which may be fractional (Euler family) or σ·T (flow matching).
    public func noiseLevel(timestep: Double) throws(SchedulerError) -> NoiseLevel {
        switch timestepScale {
        case .alphasCumprod(let table):
            guard timestep.isFinite, timestep >= 0, timestep <= Double(table.count - 1) else {
                throw SchedulerError(key: "timestep", message: "timestep \(Self.format(timestep)) is outside 0..<\(table.count)")
            }
            let low = Int(timestep.rounded(.down))
            let fraction = timestep - Double(low)
            if fraction == 0 {
                return try NoiseLevel.variancePreserving(alphaCumprod: Double(table[low]))
            }
            let sigma = { (i: Int) -> Double in
                let ac = Double(table[i])
                return ((1 - ac) / ac).squareRoot()
            }
            let interpolated = sigma(low) + fraction * (sigma(low + 1) - sigma(low))
            return try NoiseLevel.variancePreserving(alphaCumprod: 1 / (1 + interpolated * interpolated))
        case .flowMatching(let t):
            guard timestep.isFinite, timestep >= 0, timestep <= Double(t) else {
                throw SchedulerError(key: "timestep", message: "timestep \(Self.format(timestep)) is outside 0...\(t)")
            }
            return try NoiseLevel.flowMatching(sigma: timestep / Double(t))
        }
    }

    /// The model output for `sample` (shape `[N, D]`, or `[N]` when D = 1) at an integer `timestep`.
    public func callAsFunction(_ sample: Tensor, timestep: Int) throws(SchedulerError) -> Tensor {
        try mixture.predict(target, sample: sample, level: noiseLevel(timestep: timestep))
    }

    /// The model output for `sample` at a possibly fractional `timestep`, as the Euler family and flow matching pass.
    public func callAsFunction(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor {
        try mixture.predict(target, sample: sample, level: noiseLevel(timestep: timestep))
    }

    private static func format(_ t: Double) -> String {
        t.rounded() == t && abs(t) < 1e15 ? String(Int(t)) : String(t)
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

    /// The exact flow-matching model (timestep = σ·T, `flow_prediction` by default) for a flow-matching scheduler.
    public func flowMatchingDenoiser(
        target: DenoiserTarget = .flow, numTrainTimesteps: Int = 1000
    ) throws(SchedulerError) -> ExactDenoiser {
        try ExactDenoiser(mixture: self, target: target, flowMatchingTrainTimesteps: numTrainTimesteps)
    }
}
