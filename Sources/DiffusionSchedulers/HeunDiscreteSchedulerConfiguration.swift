/// The options of diffusers' `HeunDiscreteScheduler`, with diffusers 0.42.1's defaults
/// (note Stable Diffusion's β range and the linear schedule by default).
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. Values are checked when a ``HeunDiscreteScheduler`` is built from it.
public struct HeunDiscreteSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, SigmaSpacingConfiguration {
    /// `"HeunDiscreteScheduler"`.
    public static let className = "HeunDiscreteScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "prediction_type",
        "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "clip_sample", "clip_sample_range",
        "timestep_spacing", "steps_offset",
    ]

    /// `num_train_timesteps`: T, the number of training timesteps.
    public var numTrainTimesteps = 1000
    /// `beta_start`: β at t = 0 for the linear-type schedules.
    public var betaStart = 0.00085
    /// `beta_end`: β at t = T − 1 for the linear-type schedules.
    public var betaEnd = 0.012
    /// `beta_schedule`: `linear`, `scaled_linear`, `squaredcos_cap_v2` or `exp`.
    public var betaSchedule = BetaSchedule.linear
    /// `trained_betas`: explicit betas that override `beta_schedule`.
    public var trainedBetas: [Double]? = nil
    /// `prediction_type`.
    public var predictionType = PredictionType.epsilon
    /// `use_karras_sigmas`: Karras et al.'s ρ = 7 spacing between the interpolated end sigmas.
    public var useKarrasSigmas = false
    /// `use_exponential_sigmas`: log-uniform sigmas.
    public var useExponentialSigmas = false
    /// `use_beta_sigmas`: Beta(0.6, 0.6)-quantile sigmas.
    public var useBetaSigmas = false
    /// `clip_sample`: clamp the x₀ estimate to ±`clip_sample_range`.
    public var clipSample = false
    /// `clip_sample_range`.
    public var clipSampleRange = 1.0
    /// `timestep_spacing`.
    public var timestepSpacing = TimestepSpacing.linspace
    /// `steps_offset`: added to `leading` timesteps.
    public var stepsOffset = 0

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
        ConfigurationField.noiseSchedule + [.option("prediction_type", \.predictionType)]
            + ConfigurationField.sigmaSpacing + [
                .bool("clip_sample", \.clipSample), .double("clip_sample_range", \.clipSampleRange),
                .option("timestep_spacing", \.timestepSpacing), .int("steps_offset", \.stepsOffset),
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
        try SolverValidation.trainTimesteps(numTrainTimesteps)
        try betaSchedule.check(allowed: [.linear, .scaledLinear, .squaredcosCapV2, .exp], className: Self.className)
        _ = try sigmaSpacing()
        guard clipSampleRange.isFinite, clipSampleRange >= 0 else {
            throw SchedulerError(
                key: "clip_sample_range", message: "clip_sample_range must be a non-negative number, not \(clipSampleRange)")
        }
        try SolverValidation.stepsOffset(stepsOffset)
    }
}
