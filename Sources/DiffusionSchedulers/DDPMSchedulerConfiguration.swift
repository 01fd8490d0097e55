/// The options of diffusers' `DDPMScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. Values are checked when a ``DDPMScheduler`` is built from it.
public struct DDPMSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, ThresholdingConfiguration {
    /// `"DDPMScheduler"`.
    public static let className = "DDPMScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "variance_type",
        "clip_sample", "prediction_type", "thresholding", "dynamic_thresholding_ratio", "clip_sample_range",
        "sample_max_value", "timestep_spacing", "steps_offset", "rescale_betas_zero_snr",
    ]

    /// `num_train_timesteps`: T, the number of training timesteps.
    public var numTrainTimesteps = 1000
    /// `beta_start`: β at t = 0 for the linear-type schedules.
    public var betaStart = 0.0001
    /// `beta_end`: β at t = T − 1 for the linear-type schedules.
    public var betaEnd = 0.02
    /// `beta_schedule`.
    public var betaSchedule = BetaSchedule.linear
    /// `trained_betas`: explicit betas that override `beta_schedule`.
    public var trainedBetas: [Double]? = nil
    /// `variance_type`.
    public var varianceType = VarianceType.fixedSmall
    /// `clip_sample`: clamp the predicted x₀ to ±`clip_sample_range`.
    public var clipSample = true
    /// `prediction_type`.
    public var predictionType = PredictionType.epsilon
    /// `thresholding`: dynamic thresholding of x₀ (Imagen); takes precedence over `clip_sample`.
    public var thresholding = false
    /// `dynamic_thresholding_ratio`: the quantile of |x₀| used as the threshold.
    public var dynamicThresholdingRatio = 0.995
    /// `clip_sample_range`.
    public var clipSampleRange = 1.0
    /// `sample_max_value`: the largest threshold dynamic thresholding may use.
    public var sampleMaxValue = 1.0
    /// `timestep_spacing`.
    public var timestepSpacing = TimestepSpacing.leading
    /// `steps_offset`: added to `leading` timesteps.
    public var stepsOffset = 0
    /// `rescale_betas_zero_snr`: rescale to zero terminal SNR (arXiv 2305.08891).
    public var rescaleBetasZeroSnr = false

    /// All defaults, as in diffusers.
    public init() {}

    /// Decodes diffusers' keys; `_class_name` and `_diffusers_version` are accepted and ignored.
    public init(values: [String: ConfigValue]) throws(SchedulerError) {
        self.init()
        try read(values, fields: Self.fields)
    }

    /// The options with diffusers' keys, plus `_class_name` and `_diffusers_version`.
    public var values: [String: ConfigValue] { encodedValues(Self.fields) }

    /// The options in the order they are read.
    static var fields: [ConfigurationField<Self>] {
        ConfigurationField.noiseSchedule + [
            .option("variance_type", \.varianceType), .bool("clip_sample", \.clipSample),
            .option("prediction_type", \.predictionType), .thresholding, .dynamicThresholdingRatio,
            .double("clip_sample_range", \.clipSampleRange), .sampleMaxValue,
            .option("timestep_spacing", \.timestepSpacing), .int("steps_offset", \.stepsOffset),
            .bool("rescale_betas_zero_snr", \.rescaleBetasZeroSnr),
        ]
    }

    /// Decodes a `scheduler_config.json` object.
    public init(from decoder: any Decoder) throws {
        try self.init(values: Self.decodeValues(from: decoder))
    }

    /// Encodes the `scheduler_config.json` object.
    public func encode(to encoder: any Encoder) throws {
        try encodeValues(to: encoder)
    }

    /// diffusers' DDPM raises NotImplementedError for Heun's `exp` schedule.
    func checkBetaScheduleForNoiseSchedule() throws(SchedulerError) {
        try betaSchedule.check(allowed: [.linear, .scaledLinear, .squaredcosCapV2, .sigmoid, .laplace], className: Self.className)
    }
}
