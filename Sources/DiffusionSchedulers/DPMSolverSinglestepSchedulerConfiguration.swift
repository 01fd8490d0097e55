/// The options of diffusers' `DPMSolverSinglestepScheduler`, with diffusers 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. As in diffusers, `algorithm_type: deis` is read as `dpmsolver++` and
/// `solver_type` `logrho`/`bh1`/`bh2` as `midpoint`; `sde-dpmsolver` does not exist here.
public struct DPMSolverSinglestepSchedulerConfiguration: SchedulerConfiguration, NoiseScheduleConfiguration, ThresholdingConfiguration, SigmaSpacingConfiguration {
    /// `"DPMSolverSinglestepScheduler"`.
    public static let className = "DPMSolverSinglestepScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "solver_order",
        "prediction_type", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "algorithm_type",
        "solver_type", "lower_order_final", "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas",
        "use_flow_sigmas", "flow_shift", "final_sigmas_type", "lambda_min_clipped", "variance_type",
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
    /// `solver_order`: 1, 2 or 3, the length of each single-step block.
    public var solverOrder = 2
    /// `prediction_type`.
    public var predictionType = SolverPredictionType.epsilon
    /// `thresholding`: dynamic thresholding of the x₀ estimate.
    public var thresholding = false
    /// `dynamic_thresholding_ratio`: the quantile of |x₀| used as the threshold.
    public var dynamicThresholdingRatio = 0.995
    /// `sample_max_value`: the largest threshold dynamic thresholding may use.
    public var sampleMaxValue = 1.0
    /// `algorithm_type`: `dpmsolver++`, `sde-dpmsolver++` or the deprecated `dpmsolver`.
    public var algorithmType = DPMSolverAlgorithmType.dpmsolverPlusPlus
    /// `solver_type`: the second- and third-order updates' form.
    public var solverType = DPMSolverType.midpoint
    /// `lower_order_final`: end with lower-order blocks (forced on by `setTimesteps` in some cases, as in diffusers).
    public var lowerOrderFinal = false
    /// `use_karras_sigmas`: Karras et al.'s ρ = 7 spacing.
    public var useKarrasSigmas = false
    /// `use_exponential_sigmas`: log-uniform sigmas.
    public var useExponentialSigmas = false
    /// `use_beta_sigmas`: Beta(0.6, 0.6)-quantile sigmas.
    public var useBetaSigmas = false
    /// `use_flow_sigmas`: the flow-matching schedule with α = 1 − σ.
    public var useFlowSigmas = false
    /// `flow_shift`: the static shift of the flow schedule (replaced by e^μ when `mu` is passed).
    public var flowShift = 1.0
    /// `final_sigmas_type`: `zero` needs a `++` algorithm.
    public var finalSigmasType = FinalSigmasType.zero
    /// `lambda_min_clipped`: timesteps whose λ falls below this are not used.
    public var lambdaMinClipped = -Double.infinity
    /// `variance_type`: `learned` / `learned_range` models output variance channels, which are dropped.
    public var varianceType: VarianceType? = nil
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
            .bool("lower_order_final", \.lowerOrderFinal),
        ] + ConfigurationField.sigmaSpacing + [
            .bool("use_flow_sigmas", \.useFlowSigmas), .double("flow_shift", \.flowShift),
            .option("final_sigmas_type", \.finalSigmasType), .extendedDouble("lambda_min_clipped", \.lambdaMinClipped),
            .nullableOption("variance_type", \.varianceType), .bool("use_dynamic_shifting", \.useDynamicShifting),
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

    /// Checks the options as diffusers' constructor does.
    func validate() throws(SchedulerError) {
        try SolverValidation.trainTimesteps(numTrainTimesteps)
        try betaSchedule.check(allowed: [.linear, .scaledLinear, .squaredcosCapV2], className: Self.className)
        guard (1...3).contains(solverOrder) else {
            throw SchedulerError(key: "solver_order", message: "solver_order must be 1, 2 or 3, not \(solverOrder)")
        }
        if algorithmType == .sdeDpmsolver {
            throw SchedulerError(
                key: "algorithm_type", message: "algorithm_type 'sde-dpmsolver' is not implemented for \(Self.className); use 'sde-dpmsolver++'")
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
    }
}
