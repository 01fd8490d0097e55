/// How a model output lines up with the sample in the solver schedulers' steps: the same
/// shape, or, for `variance_type` `learned` / `learned_range` with ε-prediction, the first
/// three channels of a wider output (diffusers' hard-coded `model_output[:, :3]`).
struct SolverLayout {
    /// The number of batch items (dimension 0; 1 for a 0-dim sample).
    let batch: Int
    /// Elements per batch item of the sample.
    let itemCount: Int
    /// Elements per batch item of the model output.
    let modelStride: Int

    /// Whether the model output is read contiguously (no channel slicing).
    var isContiguous: Bool { modelStride == itemCount }

    init(modelOutput: Tensor, sample: Tensor, slicesVarianceChannels: Bool) throws(SchedulerError) {
        try self.init(
            modelOutput: modelOutput, sampleShape: sample.shape, sampleCount: sample.count,
            slicesVarianceChannels: slicesVarianceChannels)
    }

    init(modelOutput: Tensor, sampleShape: [Int], sampleCount: Int, slicesVarianceChannels: Bool) throws(SchedulerError) {
        let sample = (shape: sampleShape, count: sampleCount)
        batch = sample.shape.isEmpty ? 1 : sample.shape[0]
        itemCount = batch > 0 ? sample.count / batch : 0
        if slicesVarianceChannels, modelOutput.shape.count >= 2, modelOutput.shape[1] >= 3 {
            var sliced = modelOutput.shape
            sliced[1] = 3
            guard sliced == sample.shape else {
                throw SchedulerError(
                    key: "modelOutput",
                    message: "with a learned variance the first 3 channels of modelOutput (shape \(modelOutput.shape)) must match sample shape \(sample.shape)")
            }
            modelStride = batch > 0 ? modelOutput.count / batch : 0
            return
        }
        guard modelOutput.shape == sample.shape else {
            throw SchedulerError(
                key: "modelOutput", message: "modelOutput has shape \(modelOutput.shape) but sample has shape \(sample.shape)")
        }
        modelStride = itemCount
    }
}
