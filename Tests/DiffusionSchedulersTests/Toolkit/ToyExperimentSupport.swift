import Foundation
@testable import DiffusionSchedulers

/// The toy data the toolkit tests share.
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

    /// diffusers' DDIM defaults without x₀ clipping: the exact x₀ is not confined to [−1, 1].
    static var ddimConfig: DDIMSchedulerConfiguration {
        var config = DDIMSchedulerConfiguration()
        config.clipSample = false
        return config
    }

    /// diffusers' DDPM defaults without x₀ clipping.
    static var ddpmConfig: DDPMSchedulerConfiguration {
        var config = DDPMSchedulerConfiguration()
        config.clipSample = false
        return config
    }
}
