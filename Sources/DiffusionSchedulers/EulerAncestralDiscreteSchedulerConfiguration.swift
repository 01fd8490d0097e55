/// The options of diffusers' `EulerAncestralDiscreteScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. `prediction_type: sample` decodes (diffusers accepts it in the constructor) but
/// `step` refuses it, as diffusers' does. Values are checked when an
/// ``EulerAncestralDiscreteScheduler`` is built from it.
public struct EulerAncestralDiscreteSchedulerConfiguration: SchedulerConfiguration {
    /// `"EulerAncestralDiscreteScheduler"`.
    public static let className = "EulerAncestralDiscreteScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "prediction_type",
        "timestep_spacing", "steps_offset", "rescale_betas_zero_snr",
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
    /// `prediction_type`: `epsilon` or `v_prediction`.
    public var predictionType = PredictionType.epsilon
    /// `timestep_spacing`.
    public var timestepSpacing = TimestepSpacing.linspace
    /// `steps_offset`: added to `leading` timesteps.
    public var stepsOffset = 0
    /// `rescale_betas_zero_snr`: rescale to zero terminal SNR (ᾱ_T is then set to 2⁻²⁴).
    public var rescaleBetasZeroSnr = false

    /// All defaults, as in diffusers.
    public init() {}

    /// Decodes diffusers' keys; `_class_name` and `_diffusers_version` are accepted and ignored.
    public init(values: [String: ConfigValue]) throws(SchedulerError) {
        let reader = try ConfigurationReader(values, knownKeys: Self.keys)
        if let v = try reader.int("num_train_timesteps") { numTrainTimesteps = v }
        if let v = try reader.double("beta_start") { betaStart = v }
        if let v = try reader.double("beta_end") { betaEnd = v }
        if let v = try reader.option("beta_schedule", BetaSchedule.self) { betaSchedule = v }
        if let v = try reader.doubleArray("trained_betas") { trainedBetas = v }
        if let v = try reader.option("prediction_type", PredictionType.self) { predictionType = v }
        if let v = try reader.option("timestep_spacing", TimestepSpacing.self) { timestepSpacing = v }
        if let v = try reader.int("steps_offset") { stepsOffset = v }
        if let v = try reader.bool("rescale_betas_zero_snr") { rescaleBetasZeroSnr = v }
    }

    /// The options with diffusers' keys, plus `_class_name` and `_diffusers_version`.
    public var values: [String: ConfigValue] {
        Self.metadataValues.merging([
            "num_train_timesteps": .int(numTrainTimesteps),
            "beta_start": .double(betaStart),
            "beta_end": .double(betaEnd),
            "beta_schedule": .string(betaSchedule.rawValue),
            "trained_betas": trainedBetas.map { .array($0.map(ConfigValue.double)) } ?? .null,
            "prediction_type": .string(predictionType.rawValue),
            "timestep_spacing": .string(timestepSpacing.rawValue),
            "steps_offset": .int(stepsOffset),
            "rescale_betas_zero_snr": .bool(rescaleBetasZeroSnr),
        ]) { _, new in new }
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
        try SolverValidation.stepsOffset(stepsOffset)
    }

    /// The noise schedule these options describe.
    func noiseSchedule() throws(SchedulerError) -> NoiseSchedule {
        try NoiseSchedule(
            numTrainTimesteps: numTrainTimesteps, betaStart: betaStart, betaEnd: betaEnd,
            betaSchedule: betaSchedule, trainedBetas: trainedBetas, rescaleBetasZeroSnr: rescaleBetasZeroSnr)
    }
}
