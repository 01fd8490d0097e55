/// How a model output lines up with the sample in a step: the same shape, or (learned variance)
/// twice the channels, split along dimension 1 as diffusers' `torch.split(model_output, C, dim=1)`.
struct StepLayout {
    /// The batch size (dimension 0).
    let batch: Int
    /// Elements per batch item of the sample.
    let itemCount: Int
    /// Elements per batch item of the model output: `itemCount`, or twice it when split.
    let modelStride: Int
    /// Whether the model output carries a predicted variance in its second half of channels.
    let splitsVariance: Bool

    init(modelOutput: Tensor, sample: Tensor, varianceType: VarianceType?) throws(SchedulerError) {
        let batch = sample.shape.first ?? 1
        let itemCount = batch > 0 ? sample.count / batch : 0
        self.batch = sample.shape.isEmpty ? 1 : batch
        self.itemCount = sample.shape.isEmpty ? sample.count : itemCount
        if modelOutput.shape == sample.shape {
            modelStride = self.itemCount
            splitsVariance = false
            return
        }
        var doubled = sample.shape
        if doubled.count >= 2 { doubled[1] *= 2 }
        if sample.shape.count >= 2, modelOutput.shape == doubled,
            varianceType == .learned || varianceType == .learnedRange
        {
            modelStride = 2 * self.itemCount
            splitsVariance = true
            return
        }
        throw SchedulerError(
            key: "modelOutput",
            message: "modelOutput has shape \(modelOutput.shape) but sample has shape \(sample.shape)")
    }
}
