/// The options of diffusers' `DDIMScheduler`, with diffusers 0.42.1's defaults.
///
/// `beta_schedule` accepts only `linear`, `scaled_linear` and `squaredcos_cap_v2` here, as in diffusers.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. Values are checked when a ``DDIMScheduler`` is built from it.
public struct DDIMSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, ThresholdingConfiguration {
    /// `"DDIMScheduler"`.
    public static let className = "DDIMScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "clip_sample",
        "set_alpha_to_one", "steps_offset", "prediction_type", "thresholding", "dynamic_thresholding_ratio",
        "clip_sample_range", "sample_max_value", "timestep_spacing", "rescale_betas_zero_snr",
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
    /// `clip_sample`: clamp the predicted x₀ to ±`clip_sample_range`.
    public var clipSample = true
    /// `set_alpha_to_one`: use ᾱ = 1 before the first training timestep (else ᾱ₀).
    public var setAlphaToOne = true
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
        [
            .numTrainTimesteps, .betaStart, .betaEnd, .betaSchedule, .check { config throws(SchedulerError) in
                try checkBetaSchedule(config.betaSchedule)
            }, .trainedBetas,
            .bool("set_alpha_to_one", \.setAlphaToOne), .bool("clip_sample", \.clipSample),
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

    /// diffusers' DDIM raises `NotImplementedError` for the DDPM-only schedules.
    static func checkBetaSchedule(_ schedule: BetaSchedule) throws(SchedulerError) {
        switch schedule {
        case .linear, .scaledLinear, .squaredcosCapV2: return
        case .sigmoid, .laplace, .exp:
            throw SchedulerError(
                key: "beta_schedule", message: "beta_schedule '\(schedule.rawValue)' is not implemented for DDIMScheduler; choose linear, scaled_linear or squaredcos_cap_v2")
        }
    }
}
