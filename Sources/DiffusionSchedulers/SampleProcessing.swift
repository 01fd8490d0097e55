/// Checks of the x₀-processing options shared by the DDPM-family schedulers.
enum SampleProcessing {
    static func validate(
        clipSampleRange: Double, thresholding: Bool, dynamicThresholdingRatio: Double, sampleMaxValue: Double,
        stepsOffset: Int
    ) throws(SchedulerError) {
        guard clipSampleRange.isFinite, clipSampleRange >= 0 else {
            throw SchedulerError(
                key: "clip_sample_range", message: "clip_sample_range must be a non-negative number, not \(clipSampleRange)")
        }
        guard dynamicThresholdingRatio >= 0, dynamicThresholdingRatio <= 1 else {
            throw SchedulerError(
                key: "dynamic_thresholding_ratio",
                message: "dynamic_thresholding_ratio must be in [0, 1], not \(dynamicThresholdingRatio)")
        }
        guard sampleMaxValue.isFinite, sampleMaxValue >= 1 else {
            throw SchedulerError(
                key: "sample_max_value", message: "sample_max_value must be a finite number ≥ 1, not \(sampleMaxValue)")
        }
        guard stepsOffset >= 0 else {
            throw SchedulerError(key: "steps_offset", message: "steps_offset must not be negative, not \(stepsOffset)")
        }
    }
}
