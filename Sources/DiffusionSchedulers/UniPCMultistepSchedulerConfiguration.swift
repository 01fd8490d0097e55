/// The options of diffusers' `UniPCMultistepScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. As in diffusers, `solver_type` `midpoint`/`heun`/`logrho` is read as `bh2`.
/// `solver_p` (an external predictor scheduler object) is not supported: only `null` decodes.
public struct UniPCMultistepSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, ThresholdingConfiguration, SigmaSpacingConfiguration {
    /// `"UniPCMultistepScheduler"`.
    public static let className = "UniPCMultistepScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "solver_order",
        "prediction_type", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "predict_x0",
        "solver_type", "lower_order_final", "disable_corrector", "solver_p", "use_karras_sigmas",
        "use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas", "flow_shift", "timestep_spacing",
        "steps_offset", "final_sigmas_type", "rescale_betas_zero_snr", "use_dynamic_shifting", "time_shift_type",
        "sigma_min", "sigma_max", "shift_terminal",
    ]
    /// The largest `solver_order` accepted (diffusers documents 1–3; higher orders are rarely stable).
    public static let maximumSolverOrder = 8

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
    /// `solver_order`: the order p of the predictor (UniP) and of the corrector (UniC).
    public var solverOrder = 2
    /// `prediction_type`.
    public var predictionType = SolverPredictionType.epsilon
    /// `thresholding`: dynamic thresholding of the x₀ estimate (with `predict_x0`).
    public var thresholding = false
    /// `dynamic_thresholding_ratio`: the quantile of |x₀| used as the threshold.
    public var dynamicThresholdingRatio = 0.995
    /// `sample_max_value`: the largest threshold dynamic thresholding may use.
    public var sampleMaxValue = 1.0
    /// `predict_x0`: the data-prediction form of UniPC (else the noise-prediction form).
    public var predictX0 = true
    /// `solver_type`: B(h) = h (`bh1`) or eʰ − 1 (`bh2`).
    public var solverType = UniPCSolverType.bh2
    /// `lower_order_final`: lower the order over the last steps (at any number of steps).
    public var lowerOrderFinal = true
    /// `disable_corrector`: the step indices after which the UniC correction is skipped.
    public var disableCorrector: [Int] = []
    /// `use_karras_sigmas`: Karras et al.'s ρ = 7 spacing.
    public var useKarrasSigmas = false
    /// `use_exponential_sigmas`: log-uniform sigmas.
    public var useExponentialSigmas = false
    /// `use_beta_sigmas`: Beta(0.6, 0.6)-quantile sigmas.
    public var useBetaSigmas = false
    /// `use_flow_sigmas`: the flow-matching schedule σ ∈ (0, 1) with α = 1 − σ.
    public var useFlowSigmas = false
    /// `flow_shift`: the static shift of the flow schedule.
    public var flowShift = 1.0
    /// `timestep_spacing`.
    public var timestepSpacing = TimestepSpacing.linspace
    /// `steps_offset`: added to `leading` timesteps.
    public var stepsOffset = 0
    /// `final_sigmas_type`: with converted (Karras, exponential, beta, flow) sigmas, `sigma_min` repeats the last one.
    public var finalSigmasType = FinalSigmasType.zero
    /// `rescale_betas_zero_snr`: rescale to zero terminal SNR (ᾱ_T is then set to 2⁻²⁴).
    public var rescaleBetasZeroSnr = false
    /// `use_dynamic_shifting`: shift flow sigmas by `time_shift(mu)`; `setTimesteps` then needs `mu`.
    public var useDynamicShifting = false
    /// `time_shift_type`: the dynamic shift's form.
    public var timeShiftType = TimeShiftType.exponential
    /// `sigma_min`: overrides the smallest sigma of the Karras / exponential / beta spacings.
    public var sigmaMin: Double? = nil
    /// `sigma_max`: overrides the largest sigma of the Karras / exponential / beta spacings.
    public var sigmaMax: Double? = nil
    /// `shift_terminal`: stretch the flow sigmas to end at this value (flow sigmas only).
    public var shiftTerminal: Double? = nil

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
            .int("solver_order", \.solverOrder), .option("prediction_type", \.predictionType),
        ] + ConfigurationField.thresholdingOptions + [
            .bool("predict_x0", \.predictX0),
            .option("solver_type", \.solverType, renaming: ["midpoint": .bh2, "heun": .bh2, "logrho": .bh2]),
            .bool("lower_order_final", \.lowerOrderFinal), .intArray("disable_corrector", \.disableCorrector),
            ConfigurationField(
                key: "solver_p",
                read: { _, reader throws(SchedulerError) in
                    switch reader.values["solver_p"] {
                    case nil, .null?: break
                    case let other?:
                        throw SchedulerError(
                            key: "solver_p", message: "solver_p (an external predictor) is not supported, got \(other.literal)")
                    }
                }, write: { _ in .null }),
        ] + ConfigurationField.sigmaSpacing + [
            .bool("use_flow_sigmas", \.useFlowSigmas), .double("flow_shift", \.flowShift),
            .option("timestep_spacing", \.timestepSpacing), .int("steps_offset", \.stepsOffset),
            .option("final_sigmas_type", \.finalSigmasType), .bool("rescale_betas_zero_snr", \.rescaleBetasZeroSnr),
            .bool("use_dynamic_shifting", \.useDynamicShifting), .option("time_shift_type", \.timeShiftType),
            .nullableDouble("sigma_min", \.sigmaMin), .nullableDouble("sigma_max", \.sigmaMax),
            .nullableDouble("shift_terminal", \.shiftTerminal),
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
        guard (1...Self.maximumSolverOrder).contains(solverOrder) else {
            throw SchedulerError(
                key: "solver_order", message: "solver_order must be between 1 and \(Self.maximumSolverOrder), not \(solverOrder)")
        }
        try validateThresholding()
        _ = try sigmaSpacing()
        if shiftTerminal != nil && !useFlowSigmas {
            throw SchedulerError(key: "shift_terminal", message: "shift_terminal is only supported with use_flow_sigmas")
        }
        if let shiftTerminal, !(shiftTerminal.isFinite && shiftTerminal < 1) {
            throw SchedulerError(key: "shift_terminal", message: "shift_terminal must be a number below 1, not \(shiftTerminal)")
        }
        for (value, key) in [(sigmaMin, "sigma_min"), (sigmaMax, "sigma_max")] {
            if let value { try SolverValidation.positive(value, key: key) }
        }
        try SolverValidation.positive(flowShift, key: "flow_shift")
        try SolverValidation.stepsOffset(stepsOffset)
    }
}
