/// The options of diffusers' `DPMSolverMultistepScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. As in diffusers, `algorithm_type: deis` is read as `dpmsolver++` and
/// `solver_type` `logrho`/`bh1`/`bh2` as `midpoint`. Values are checked when a
/// ``DPMSolverMultistepScheduler`` is built from it.
public struct DPMSolverMultistepSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, ThresholdingConfiguration, SigmaSpacingConfiguration {
    /// `"DPMSolverMultistepScheduler"`.
    public static let className = "DPMSolverMultistepScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "solver_order",
        "prediction_type", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "algorithm_type",
        "solver_type", "lower_order_final", "euler_at_final", "use_karras_sigmas", "use_exponential_sigmas",
        "use_beta_sigmas", "use_lu_lambdas", "use_flow_sigmas", "flow_shift", "final_sigmas_type",
        "lambda_min_clipped", "variance_type", "timestep_spacing", "steps_offset", "rescale_betas_zero_snr",
        "use_dynamic_shifting", "time_shift_type",
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
    /// `solver_order`: 1, 2 or 3 (2 is recommended for guided sampling, 3 for unconditional).
    public var solverOrder = 2
    /// `prediction_type`.
    public var predictionType = SolverPredictionType.epsilon
    /// `thresholding`: dynamic thresholding of the x₀ estimate (Imagen), for pixel-space models.
    public var thresholding = false
    /// `dynamic_thresholding_ratio`: the quantile of |x₀| used as the threshold.
    public var dynamicThresholdingRatio = 0.995
    /// `sample_max_value`: the largest threshold dynamic thresholding may use.
    public var sampleMaxValue = 1.0
    /// `algorithm_type`.
    public var algorithmType = DPMSolverAlgorithmType.dpmsolverPlusPlus
    /// `solver_type`: the second-order update's form.
    public var solverType = DPMSolverType.midpoint
    /// `lower_order_final`: lower the order of the last steps when there are fewer than 15.
    public var lowerOrderFinal = true
    /// `euler_at_final`: always take a first-order (Euler) last step.
    public var eulerAtFinal = false
    /// `use_karras_sigmas`: Karras et al.'s ρ = 7 sigma spacing.
    public var useKarrasSigmas = false
    /// `use_exponential_sigmas`: log-uniform sigmas.
    public var useExponentialSigmas = false
    /// `use_beta_sigmas`: Beta(0.6, 0.6)-quantile sigmas.
    public var useBetaSigmas = false
    /// `use_lu_lambdas`: uniform steps in log σ from the training table (Lu et al.).
    public var useLuLambdas = false
    /// `use_flow_sigmas`: the flow-matching schedule σ ∈ (0, 1] with α = 1 − σ.
    public var useFlowSigmas = false
    /// `flow_shift`: the static shift of the flow schedule (replaced by e^μ when `mu` is passed).
    public var flowShift = 1.0
    /// `final_sigmas_type`: `zero` needs a `++` algorithm.
    public var finalSigmasType = FinalSigmasType.zero
    /// `lambda_min_clipped`: timesteps whose λ falls below this are not used (cosine schedules).
    public var lambdaMinClipped = -Double.infinity
    /// `variance_type`: `learned` / `learned_range` models output variance channels, which are dropped.
    public var varianceType: VarianceType? = nil
    /// `timestep_spacing`.
    public var timestepSpacing = TimestepSpacing.linspace
    /// `steps_offset`: added to `leading` timesteps.
    public var stepsOffset = 0
    /// `rescale_betas_zero_snr`: rescale to zero terminal SNR (ᾱ_T is then set to 2⁻²⁴).
    public var rescaleBetasZeroSnr = false
    /// `use_dynamic_shifting`: allow `mu` in `setTimesteps` to set the flow shift to e^μ.
    public var useDynamicShifting = false
    /// `time_shift_type`: only `exponential` is accepted with `mu`.
    public var timeShiftType = TimeShiftType.exponential

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
            .option("algorithm_type", \.algorithmType, renaming: ["deis": .dpmsolverPlusPlus]),
            .option("solver_type", \.solverType, renaming: ["logrho": .midpoint, "bh1": .midpoint, "bh2": .midpoint]),
            .bool("lower_order_final", \.lowerOrderFinal), .bool("euler_at_final", \.eulerAtFinal),
        ] + ConfigurationField.sigmaSpacing + [
            .bool("use_lu_lambdas", \.useLuLambdas), .bool("use_flow_sigmas", \.useFlowSigmas),
            .double("flow_shift", \.flowShift), .option("final_sigmas_type", \.finalSigmasType),
            .extendedDouble("lambda_min_clipped", \.lambdaMinClipped), .nullableOption("variance_type", \.varianceType),
            .option("timestep_spacing", \.timestepSpacing), .int("steps_offset", \.stepsOffset),
            .bool("rescale_betas_zero_snr", \.rescaleBetasZeroSnr), .bool("use_dynamic_shifting", \.useDynamicShifting),
            .option("time_shift_type", \.timeShiftType),
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

    /// Checks the combination of options as diffusers' constructor does.
    func validate() throws(SchedulerError) {
        try SolverValidation.trainTimesteps(numTrainTimesteps)
        try betaSchedule.check(allowed: [.linear, .scaledLinear, .squaredcosCapV2], className: Self.className)
        guard (1...3).contains(solverOrder) else {
            throw SchedulerError(key: "solver_order", message: "solver_order must be 1, 2 or 3, not \(solverOrder)")
        }
        try validateThresholding()
        _ = try sigmaSpacing()
        if !algorithmType.predictsData && finalSigmasType == .zero {
            throw SchedulerError(
                key: "final_sigmas_type",
                message: "final_sigmas_type 'zero' is not supported for algorithm_type '\(algorithmType.rawValue)'; choose 'sigma_min'")
        }
        guard !lambdaMinClipped.isNaN else {
            throw SchedulerError(key: "lambda_min_clipped", message: "lambda_min_clipped must be a number, not nan")
        }
        try SolverValidation.positive(flowShift, key: "flow_shift")
        try SolverValidation.stepsOffset(stepsOffset)
    }
}
