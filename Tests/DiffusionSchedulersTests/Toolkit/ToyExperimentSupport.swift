import Foundation
@testable import DiffusionSchedulers

/// The toy data and sampling loops the toolkit tests share.
enum Toy {
    /// Three correlated 2-D components inside [−1, 1]², standard deviations 0.14–0.22.
    static let mixture2D = try! GaussianMixture(components: [
        GaussianComponent(weight: 0.5, mean: [-0.6, -0.2], covariance: [[0.04, 0.01], [0.01, 0.02]]),
        GaussianComponent(weight: 0.3, mean: [0.5, 0.5], covariance: [[0.03, -0.01], [-0.01, 0.05]]),
        GaussianComponent(weight: 0.2, mean: [0.4, -0.6], standardDeviation: 0.15),
    ])

    /// An asymmetric 1-D mixture with one narrow and one wide component.
    static let mixture1D = try! GaussianMixture(
        weights: [0.3, 0.7], means: [-0.7, 0.4], standardDeviations: [0.1, 0.25])

    /// The level x = x₀ (α = 1, σ = 0) every sampler ends at.
    static let clean = try! NoiseLevel(alpha: 1, sigma: 0)

    /// DDIM from `start` at its first timestep down to ᾱ = 1, with the exact ε model.
    static func ddim(_ mixture: GaussianMixture, steps: Int, start: Tensor) throws -> (sample: Tensor, startTimestep: Int) {
        var config = DDIMSchedulerConfiguration()
        config.clipSample = false  // the exact x₀ is not confined to [−1, 1]
        let scheduler = try DDIMScheduler(config: config)
        try scheduler.setTimesteps(steps)
        let model = try mixture.denoiser(predictionType: .epsilon, alphasCumprod: scheduler.alphasCumprod)
        var x = start
        for t in scheduler.timesteps {
            x = try scheduler.step(modelOutput: model(x, timestep: t), timestep: t, sample: x).prevSample
        }
        return (x, scheduler.timesteps[0])
    }

    /// DDPM ancestral sampling from `start` with `steps` inference steps and a seeded generator.
    static func ddpm(
        _ mixture: GaussianMixture, steps: Int, start: Tensor, seed: UInt64
    ) throws -> (sample: Tensor, startTimestep: Int) {
        var config = DDPMSchedulerConfiguration()
        config.clipSample = false
        let scheduler = try DDPMScheduler(config: config)
        try scheduler.setTimesteps(steps)
        let model = try mixture.denoiser(predictionType: .epsilon, alphasCumprod: scheduler.alphasCumprod)
        let generator = TorchGenerator(seed: seed)
        var x = start
        for t in scheduler.timesteps {
            x = try scheduler.step(modelOutput: model(x, timestep: t), timestep: t, sample: x, generator: generator)
                .prevSample
        }
        return (x, scheduler.timesteps[0])
    }

    /// The level of DDPM-family timestep t under the default linear schedule.
    static func level(timestep t: Int) throws -> NoiseLevel {
        try NoiseLevel.variancePreserving(alphaCumprod: Double(NoiseSchedule().alphasCumprod[t]))
    }
}
