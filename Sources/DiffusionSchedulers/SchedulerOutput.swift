/// What a scheduler `step` returns, as diffusers' `DDPMSchedulerOutput` / `DDIMSchedulerOutput`.
public struct SchedulerOutput: Sendable, Equatable {
    /// x_{t−1}, the sample to feed the model at the next timestep.
    public var prevSample: Tensor
    /// The scheduler's estimate of x₀ at this step (after clipping or thresholding).
    public var predOriginalSample: Tensor

    /// Bundles the two tensors.
    public init(prevSample: Tensor, predOriginalSample: Tensor) {
        self.prevSample = prevSample
        self.predOriginalSample = predOriginalSample
    }
}
