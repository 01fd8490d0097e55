/// The options of diffusers' `LCMScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. As in diffusers, `timestep_spacing` and `steps_offset` are accepted and
/// kept but unused: LCM picks its timesteps from the `original_inference_steps` grid.
public struct LCMSchedulerConfiguration: SchedulerConfiguration {
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
        let reader = try ConfigurationReader(values, knownKeys: Self.keys)
        if let v = try reader.int("num_train_timesteps") { numTrainTimesteps = v }
        if let v = try reader.double("beta_start") { betaStart = v }
        if let v = try reader.double("beta_end") { betaEnd = v }
        if let v = try reader.option("beta_schedule", BetaSchedule.self) { betaSchedule = v }
        if let v = try reader.doubleArray("trained_betas") { trainedBetas = v }
        if let v = try reader.int("original_inference_steps") { originalInferenceSteps = v }
        if let v = try reader.bool("clip_sample") { clipSample = v }
        if let v = try reader.double("clip_sample_range") { clipSampleRange = v }
        if let v = try reader.bool("set_alpha_to_one") { setAlphaToOne = v }
        if let v = try reader.int("steps_offset") { stepsOffset = v }
        if let v = try reader.option("prediction_type", PredictionType.self) { predictionType = v }
        if let v = try reader.bool("thresholding") { thresholding = v }
        if let v = try reader.double("dynamic_thresholding_ratio") { dynamicThresholdingRatio = v }
        if let v = try reader.double("sample_max_value") { sampleMaxValue = v }
        if let v = try reader.option("timestep_spacing", TimestepSpacing.self) { timestepSpacing = v }
        if let v = try reader.double("timestep_scaling") { timestepScaling = v }
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
            "original_inference_steps": .int(originalInferenceSteps),
            "clip_sample": .bool(clipSample),
            "clip_sample_range": .double(clipSampleRange),
            "set_alpha_to_one": .bool(setAlphaToOne),
            "steps_offset": .int(stepsOffset),
            "prediction_type": .string(predictionType.rawValue),
            "thresholding": .bool(thresholding),
            "dynamic_thresholding_ratio": .double(dynamicThresholdingRatio),
            "sample_max_value": .double(sampleMaxValue),
            "timestep_spacing": .string(timestepSpacing.rawValue),
            "timestep_scaling": .double(timestepScaling),
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
        try SolverValidation.thresholding(ratio: dynamicThresholdingRatio, maxValue: sampleMaxValue)
    }

    /// The noise schedule these options describe (ᾱ_T = 0 after a zero-SNR rescale, as in diffusers' LCM).
    func noiseSchedule() throws(SchedulerError) -> NoiseSchedule {
        try NoiseSchedule(
            numTrainTimesteps: numTrainTimesteps, betaStart: betaStart, betaEnd: betaEnd,
            betaSchedule: betaSchedule, trainedBetas: trainedBetas, rescaleBetasZeroSnr: rescaleBetasZeroSnr)
    }
}
