/// One run of a real scheduler with a ``GaussianMixture``'s exact model, from a given start to its last
/// step, with everything needed to compare it against the exact probability-flow ODE solution.
public struct SamplingRun: Sendable {
    /// The points the run started from.
    public let start: Tensor
    /// The noise level of `start`: that of the scheduler's first timestep.
    public let startLevel: NoiseLevel
    /// The noise level of the final samples (α = 1, σ = 0 unless the scheduler stops short of clean data).
    public let endLevel: NoiseLevel
    /// The timesteps the scheduler visited, in order.
    public let timesteps: [Int]
    /// The sample before the first step and after every step: `states.count == timesteps.count + 1`.
    public let states: [Tensor]

    /// The final samples.
    public var samples: Tensor { states[states.count - 1] }

    /// The exact probability-flow ODE solution from `start` at `startLevel` to `endLevel` (see
    /// ``GaussianMixture/probabilityFlowSolution(from:start:end:steps:)``).
    public func exactSolution(_ mixture: GaussianMixture, referenceSteps: Int = 400) throws(SchedulerError) -> Tensor {
        try mixture.probabilityFlowSolution(from: start, start: startLevel, end: endLevel, steps: referenceSteps)
    }

    /// The mean distance of the final samples to the exact probability-flow ODE solution from the same start.
    public func error(against mixture: GaussianMixture, referenceSteps: Int = 400) throws(SchedulerError) -> Double {
        try SampleMetrics.meanDistance(samples, exactSolution(mixture, referenceSteps: referenceSteps))
    }
}

extension GaussianMixture {
    /// Runs DDIM with this mixture's exact model for `steps` inference steps from `start`.
    ///
    /// The model returns the configuration's `prediction_type`. Note diffusers' default `clip_sample: true`
    /// clamps x₀ to ±1 at every step; for a mixture reaching beyond [−1, 1] turn it off to see the sampler's
    /// own error. With η > 0 the run draws its noise from `generator`.
    public func sampleDDIM(
        config: DDIMSchedulerConfiguration, steps: Int, start: Tensor, eta: Double = 0, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> SamplingRun {
        let scheduler = try DDIMScheduler(config: config)
        try scheduler.setTimesteps(steps)
        let model = try denoiser(predictionType: config.predictionType, alphasCumprod: scheduler.alphasCumprod)
        _ = try points(of: start, key: "start")
        var states = [start]
        var x = start
        for t in scheduler.timesteps {
            x = try scheduler.step(
                modelOutput: model(x, timestep: t), timestep: t, sample: x, eta: eta, generator: generator
            ).prevSample
            states.append(x)
        }
        return SamplingRun(
            start: start, startLevel: try model.noiseLevel(timestep: scheduler.timesteps[0]),
            endLevel: try .variancePreserving(alphaCumprod: Double(scheduler.finalAlphaCumprod)),
            timesteps: scheduler.timesteps, states: states)
    }

    /// Runs DDPM ancestral sampling with this mixture's exact model for `steps` inference steps from
    /// `start`, drawing each step's noise from `generator` as diffusers does.
    public func sampleDDPM(
        config: DDPMSchedulerConfiguration, steps: Int, start: Tensor, generator: TorchGenerator
    ) throws(SchedulerError) -> SamplingRun {
        let scheduler = try DDPMScheduler(config: config)
        try scheduler.setTimesteps(steps)
        let model = try denoiser(predictionType: config.predictionType, alphasCumprod: scheduler.alphasCumprod)
        _ = try points(of: start, key: "start")
        var states = [start]
        var x = start
        for t in scheduler.timesteps {
            x = try scheduler.step(modelOutput: model(x, timestep: t), timestep: t, sample: x, generator: generator)
                .prevSample
            states.append(x)
        }
        // DDPM's last step goes to ᾱ = 1 (diffusers' `one`).
        return SamplingRun(
            start: start, startLevel: try model.noiseLevel(timestep: scheduler.timesteps[0]),
            endLevel: NoiseLevel(uncheckedAlpha: 1, sigma: 0), timesteps: scheduler.timesteps, states: states)
    }
}
