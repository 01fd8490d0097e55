/// The options of diffusers' `LCMScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. As in diffusers, `timestep_spacing` and `steps_offset` are accepted and
/// kept but unused: LCM picks its timesteps from the `original_inference_steps` grid.
public struct LCMSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, ThresholdingConfiguration {
    /// `"LCMScheduler"`.
    public static let className = "LCMScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas",
        "original_inference_steps", "clip_sample", "clip_sample_range", "set_alpha_to_one", "steps_offset",
        "prediction_type", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "timestep_spacing",
        "timestep_scaling", "rescale_betas_zero_snr",
    ]

    /// `num_train_timesteps`: T, the number of training timesteps.
    public var numTrainTimesteps = 1000
    /// `beta_start`: β at t = 0 for the linear-type schedules.
    public var betaStart = 0.00085
    /// `beta_end`: β at t = T − 1 for the linear-type schedules.
    public var betaEnd = 0.012
    /// `beta_schedule`: `linear`, `scaled_linear` or `squaredcos_cap_v2`.
    public var betaSchedule = BetaSchedule.scaledLinear
    /// `trained_betas`: explicit betas that override `beta_schedule`.
    public var trainedBetas: [Double]? = nil
    /// `original_inference_steps`: the size of the distillation timestep grid the schedule is taken from.
    public var originalInferenceSteps = 50
    /// `clip_sample`: clamp the x₀ estimate to ±`clip_sample_range`.
    public var clipSample = false
    /// `clip_sample_range`.
    public var clipSampleRange = 1.0
    /// `set_alpha_to_one`: use ᾱ = 1 after the last step (else ᾱ₀).
    public var setAlphaToOne = true
    /// `steps_offset`: unused by LCM (kept for the configuration round trip).
    public var stepsOffset = 0
    /// `prediction_type`.
    public var predictionType = PredictionType.epsilon
    /// `thresholding`: dynamic thresholding of x₀; takes precedence over `clip_sample`.
    public var thresholding = false
    /// `dynamic_thresholding_ratio`: the quantile of |x₀| used as the threshold.
    public var dynamicThresholdingRatio = 0.995
    /// `sample_max_value`: the largest threshold dynamic thresholding may use.
    public var sampleMaxValue = 1.0
    /// `timestep_spacing`: unused by LCM (kept for the configuration round trip).
    public var timestepSpacing = TimestepSpacing.leading
    /// `timestep_scaling`: the factor on t in the consistency boundary conditions c_skip and c_out.
    public var timestepScaling = 10.0
    /// `rescale_betas_zero_snr`: rescale to zero terminal SNR (ᾱ_T stays exactly 0 here).
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
            .int("original_inference_steps", \.originalInferenceSteps), .bool("clip_sample", \.clipSample),
            .double("clip_sample_range", \.clipSampleRange), .bool("set_alpha_to_one", \.setAlphaToOne),
            .int("steps_offset", \.stepsOffset), .option("prediction_type", \.predictionType),
        ] + ConfigurationField.thresholdingOptions + [
            .option("timestep_spacing", \.timestepSpacing), .double("timestep_scaling", \.timestepScaling),
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

    /// Checks the options as diffusers' constructor does.
    func validate() throws(SchedulerError) {
        try betaSchedule.check(allowed: [.linear, .scaledLinear, .squaredcosCapV2], className: Self.className)
        guard originalInferenceSteps >= 1 else {
            throw SchedulerError(
                key: "original_inference_steps", message: "original_inference_steps must be at least 1, not \(originalInferenceSteps)")
        }
        guard clipSampleRange.isFinite, clipSampleRange >= 0 else {
            throw SchedulerError(
                key: "clip_sample_range", message: "clip_sample_range must be a non-negative number, not \(clipSampleRange)")
        }
        guard timestepScaling.isFinite else {
            throw SchedulerError(key: "timestep_scaling", message: "timestep_scaling must be finite, not \(timestepScaling)")
        }
        try validateThresholding()
    }
}
