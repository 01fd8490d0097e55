/// The options of diffusers' `FlowMatchEulerDiscreteScheduler` (SD3, Flux, …), with diffusers
/// 0.42.1's defaults.
///
/// Coded with diffusers' snake_case keys, so a `scheduler_config.json` decodes into it and
/// encodes back. `base_shift`, `max_shift`, `base_image_seq_len` and `max_image_seq_len` are
/// only read by pipelines to compute `mu` (see ``FlowShift/mu(imageSeqLen:baseSeqLen:maxSeqLen:baseShift:maxShift:)``).
public struct FlowMatchEulerDiscreteSchedulerConfiguration: SchedulerConfiguration, SigmaSpacingConfiguration {
    /// `"FlowMatchEulerDiscreteScheduler"`.
    public static let className = "FlowMatchEulerDiscreteScheduler"
    /// The option keys, in diffusers' order.
    public static let keys = [
        "num_train_timesteps", "shift", "use_dynamic_shifting", "base_shift", "max_shift", "base_image_seq_len",
        "max_image_seq_len", "invert_sigmas", "shift_terminal", "use_karras_sigmas", "use_exponential_sigmas",
        "use_beta_sigmas", "time_shift_type", "stochastic_sampling",
    ]

    /// `num_train_timesteps`: T.
    public var numTrainTimesteps = 1000
    /// `shift`: the static timestep shift `shift·s / (1 + (shift − 1)·s)`.
    public var shift = 1.0
    /// `use_dynamic_shifting`: shift by `time_shift(mu)` instead; `setTimesteps` then needs `mu`.
    public var useDynamicShifting = false
    /// `base_shift`: μ at `base_image_seq_len` (pipelines only).
    public var baseShift: Double? = 0.5
    /// `max_shift`: μ at `max_image_seq_len` (pipelines only).
    public var maxShift: Double? = 1.15
    /// `base_image_seq_len` (pipelines only).
    public var baseImageSeqLen: Int? = 256
    /// `max_image_seq_len` (pipelines only).
    public var maxImageSeqLen: Int? = 4096
    /// `invert_sigmas`: use 1 − σ (Mochi); the schedule then ends at σ = 1.
    public var invertSigmas = false
    /// `shift_terminal`: stretch the shifted sigmas so that the last one equals this.
    public var shiftTerminal: Double? = nil
    /// `use_karras_sigmas`: Karras spacing between the shifted end sigmas.
    public var useKarrasSigmas = false
    /// `use_exponential_sigmas`: log-uniform sigmas between the shifted ends.
    public var useExponentialSigmas = false
    /// `use_beta_sigmas`: Beta(0.6, 0.6)-quantile sigmas between the shifted ends.
    public var useBetaSigmas = false
    /// `time_shift_type`: the dynamic shift's form.
    public var timeShiftType = TimeShiftType.exponential
    /// `stochastic_sampling`: re-noise the x₀ estimate to the next sigma instead of the Euler step.
    public var stochasticSampling = false

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
            .int("num_train_timesteps", \.numTrainTimesteps), .double("shift", \.shift),
            .bool("use_dynamic_shifting", \.useDynamicShifting), .nullableDouble("base_shift", \.baseShift),
            .nullableDouble("max_shift", \.maxShift), imageSeqLen("base_image_seq_len", \.baseImageSeqLen),
            imageSeqLen("max_image_seq_len", \.maxImageSeqLen), .bool("invert_sigmas", \.invertSigmas),
            .nullableDouble("shift_terminal", \.shiftTerminal),
        ] + ConfigurationField.sigmaSpacing + [
            .option("time_shift_type", \.timeShiftType), .bool("stochastic_sampling", \.stochasticSampling),
        ]
    }

    /// A sequence length, which diffusers' configs may write as a float, or `null`.
    private static func imageSeqLen(_ key: String, _ path: WritableKeyPath<Self, Int?>) -> ConfigurationField<Self> {
        ConfigurationField(
            key: key,
            read: { config, reader throws(SchedulerError) in
                guard let v = try reader.nullableDouble(key) else { return }
                guard let length = v else { config[keyPath: path] = nil; return }
                // Int(_:) traps outside Int's range or on NaN: a bad value is an error, not a crash.
                guard length.isFinite, length >= 0, length <= 1e15, length == length.rounded() else {
                    throw SchedulerError(key: key, message: "\(key) must be a whole, non-negative sequence length, not \(length)")
                }
                config[keyPath: path] = Int(length)
            },
            write: { $0[keyPath: path].map(ConfigValue.int) ?? .null })
    }

    /// Decodes a `scheduler_config.json` object.
    public init(from decoder: any Decoder) throws {
        try self.init(values: Self.decodeValues(from: decoder))
    }

    /// Encodes the `scheduler_config.json` object.
    public func encode(to encoder: any Encoder) throws {
        try encodeValues(to: encoder)
    }

    /// Checks the options as diffusers' constructor does (plus ranges that would only produce NaN).
    func validate() throws(SchedulerError) {
        guard numTrainTimesteps >= 1, numTrainTimesteps <= NoiseSchedule.maximumTrainTimesteps else {
            throw SchedulerError(
                key: "num_train_timesteps",
                message: "num_train_timesteps must be between 1 and \(NoiseSchedule.maximumTrainTimesteps), not \(numTrainTimesteps)")
        }
        try SolverValidation.positive(shift, key: "shift")
        _ = try sigmaSpacing()
        if let shiftTerminal, !(shiftTerminal.isFinite && shiftTerminal < 1) {
            throw SchedulerError(key: "shift_terminal", message: "shift_terminal must be a number below 1, not \(shiftTerminal)")
        }
    }

    /// The pipelines' μ for an image of `imageSeqLen` latent tokens, from this configuration's
    /// base/max shifts and sequence lengths (diffusers' `calculate_shift`).
    public func mu(imageSeqLen: Int) -> Double {
        FlowShift.mu(
            imageSeqLen: imageSeqLen, baseSeqLen: baseImageSeqLen ?? 256, maxSeqLen: maxImageSeqLen ?? 4096,
            baseShift: baseShift ?? 0.5, maxShift: maxShift ?? 1.15)
    }
}
