/// A configuration with diffusers' dynamic-thresholding options (`thresholding`,
/// `dynamic_thresholding_ratio`, `sample_max_value`), read and checked the same way everywhere.
protocol ThresholdingConfiguration: SchedulerConfiguration {
    /// `thresholding`.
    var thresholding: Bool { get set }
    /// `dynamic_thresholding_ratio`.
    var dynamicThresholdingRatio: Double { get set }
    /// `sample_max_value`.
    var sampleMaxValue: Double { get set }
}

extension ThresholdingConfiguration {
    /// Checks the ratio and the maximum as the solver schedulers do.
    func validateThresholding() throws(SchedulerError) {
        try SolverValidation.thresholding(ratio: dynamicThresholdingRatio, maxValue: sampleMaxValue)
    }
}

extension ConfigurationField where Root: ThresholdingConfiguration {
    /// `thresholding`, `dynamic_thresholding_ratio` and `sample_max_value`, in diffusers' order.
    static var thresholdingOptions: [Self] { [.thresholding, .dynamicThresholdingRatio, .sampleMaxValue] }
    /// `thresholding`.
    static var thresholding: Self { .bool("thresholding", \.thresholding) }
    /// `dynamic_thresholding_ratio`.
    static var dynamicThresholdingRatio: Self { .double("dynamic_thresholding_ratio", \.dynamicThresholdingRatio) }
    /// `sample_max_value`.
    static var sampleMaxValue: Self { .double("sample_max_value", \.sampleMaxValue) }
}
