/// The options of diffusers' `EulerDiscreteScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. diffusers also accepts `prediction_type: original_sample`, which it treats
/// exactly like `sample`; it is read as `sample` here. Values are checked when an
/// ``EulerDiscreteScheduler`` is built from it.
public struct EulerDiscreteSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, SigmaSpacingConfiguration {
    /// `"EulerDiscreteScheduler"`.
    public static let className = "EulerDiscreteScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "prediction_type",
        "interpolation_type", "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "sigma_min",
        "sigma_max", "timestep_spacing", "timestep_type", "steps_offset", "rescale_betas_zero_snr",
        "final_sigmas_type",
    ]

    /// `num_train_timesteps`: T, the number of training timesteps.
    public var numTrainTimesteps = 1000
    /// `beta_start`: β at t = 0 for the linear-type schedules.
    public var betaStart = 0.0001
    /// `beta_end`: β at t = T − 1 for the linear-type schedules.
    public var betaEnd = 0.02
    /// `beta_schedule`: `linear`, `scaled_linear` or `squaredcos_cap_v2`.
    public var betaSchedule = BetaSchedule.linear
    /// `trained_betas`: explicit betas that override `beta_schedule`.
    public var trainedBetas: [Double]? = nil
    /// `prediction_type`.
    public var predictionType = PredictionType.epsilon
    /// `interpolation_type`: how sigmas are read off the training table.
    public var interpolationType = InterpolationType.linear
    /// `use_karras_sigmas`: Karras et al.'s ρ = 7 spacing between the interpolated end sigmas.
    public var useKarrasSigmas = false
    /// `use_exponential_sigmas`: log-uniform sigmas.
    public var useExponentialSigmas = false
    /// `use_beta_sigmas`: Beta(0.6, 0.6)-quantile sigmas.
    public var useBetaSigmas = false
    /// `sigma_min`: overrides the smallest sigma of the Karras / exponential / beta spacings.
    public var sigmaMin: Double? = nil
    /// `sigma_max`: overrides the largest sigma of the Karras / exponential / beta spacings.
    public var sigmaMax: Double? = nil
    /// `timestep_spacing`.
    public var timestepSpacing = TimestepSpacing.linspace
    /// `timestep_type`: `continuous` with `v_prediction` gives EDM-style `0.25 · log σ` timesteps.
    public var timestepType = TimestepType.discrete
    /// `steps_offset`: added to `leading` timesteps.
    public var stepsOffset = 0
    /// `rescale_betas_zero_snr`: rescale to zero terminal SNR (ᾱ_T is then set to 2⁻²⁴).
    public var rescaleBetasZeroSnr = false
    /// `final_sigmas_type`: the sigma after the last step.
    public var finalSigmasType = FinalSigmasType.zero

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
            .option("prediction_type", \.predictionType, renaming: ["original_sample": .sample]),
            .option("interpolation_type", \.interpolationType),
        ] + ConfigurationField.sigmaSpacing + [
            .nullableDouble("sigma_min", \.sigmaMin), .nullableDouble("sigma_max", \.sigmaMax),
            .option("timestep_spacing", \.timestepSpacing), .option("timestep_type", \.timestepType),
            .int("steps_offset", \.stepsOffset), .bool("rescale_betas_zero_snr", \.rescaleBetasZeroSnr),
            .option("final_sigmas_type", \.finalSigmasType),
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
        try betaSchedule.check(allowed: [.linear, .scaledLinear, .squaredcosCapV2], className: Self.className)
        _ = try sigmaSpacing()
        for (value, key) in [(sigmaMin, "sigma_min"), (sigmaMax, "sigma_max")] {
            if let value { try SolverValidation.positive(value, key: key) }
        }
        try SolverValidation.stepsOffset(stepsOffset)
    }

    /// Whether timesteps are EDM's `0.25 · log σ` (`continuous` with `v_prediction`).
    var usesContinuousTimesteps: Bool { timestepType == .continuous && predictionType == .vPrediction }
}
