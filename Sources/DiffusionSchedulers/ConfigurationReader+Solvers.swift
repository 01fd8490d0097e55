/// Readers for the option shapes the solver schedulers add: nullable numbers and options,
/// values diffusers silently renames, and ±infinity.
extension ConfigurationReader {
    /// A number or `null`; the outer optional is nil when the key is absent.
    func nullableDouble(_ key: String) throws(SchedulerError) -> Double?? {
        if case .null? = values[key] { return .some(nil) }
        guard let value = try double(key) else { return nil }
        return .some(value)
    }

    /// A number that may be infinite: JSON5's `Infinity`/`-Infinity` (which Python's `json`
    /// writes), or the strings `"inf"`, `"-inf"`, `"Infinity"`, `"-Infinity"`.
    func extendedDouble(_ key: String) throws(SchedulerError) -> Double? {
        switch values[key] {
        case .double(let value)? where !value.isNaN: return value
        case .string(let text)?:
            switch text.lowercased() {
            case "inf", "infinity", "+inf", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default:
                throw SchedulerError(key: key, message: "\(key) must be a number, not '\(text)'")
            }
        default: return try double(key)
        }
    }

    /// An option or `null`; the outer optional is nil when the key is absent.
    func nullableOption<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type = T.self) throws(SchedulerError) -> T??
    where T.RawValue == String {
        if case .null? = values[key] { return .some(nil) }
        guard let value = try option(key, type) else { return nil }
        return .some(value)
    }

    /// An option that diffusers accepts under extra names and silently replaces
    /// (e.g. `algorithm_type: deis` becomes `dpmsolver++`).
    func option<T: RawRepresentable & CaseIterable>(
        _ key: String, _ type: T.Type = T.self, renaming: [String: T]
    ) throws(SchedulerError) -> T? where T.RawValue == String {
        if case .string(let raw)? = values[key], let renamed = renaming[raw] { return renamed }
        return try option(key, type)
    }

    /// A list of integers (UniPC's `disable_corrector`); `null` reads as empty.
    func intArray(_ key: String) throws(SchedulerError) -> [Int]? {
        switch values[key] {
        case nil: return nil
        case .null: return []
        case .array(let elements):
            var numbers: [Int] = []
            for (index, element) in elements.enumerated() {
                switch element {
                case .int(let value): numbers.append(value)
                case .double(let value) where value.rounded() == value && abs(value) < 1e15: numbers.append(Int(value))
                default:
                    throw SchedulerError(key: key, message: "\(key)[\(index)] must be an integer, not \(element.literal)")
                }
            }
            return numbers
        case let other?:
            throw SchedulerError(key: key, message: "\(key) must be a list of integers, not \(other.literal)")
        }
    }
}

extension ConfigValue {
    /// `.double(value)`, or `.null` for nil.
    static func optionalDouble(_ value: Double?) -> ConfigValue { value.map(ConfigValue.double) ?? .null }
}

/// Checks shared by the solver configurations.
enum SolverValidation {
    /// T ≥ 2: the sigma-to-timestep interpolation needs two neighbouring training sigmas.
    static func trainTimesteps(_ t: Int) throws(SchedulerError) {
        guard t >= 2 else {
            throw SchedulerError(key: "num_train_timesteps", message: "num_train_timesteps must be at least 2, not \(t)")
        }
    }

    /// Dynamic thresholding's ratio and maximum.
    static func thresholding(ratio: Double, maxValue: Double) throws(SchedulerError) {
        guard ratio >= 0, ratio <= 1 else {
            throw SchedulerError(
                key: "dynamic_thresholding_ratio", message: "dynamic_thresholding_ratio must be in [0, 1], not \(ratio)")
        }
        // diffusers clamps the threshold to [1, sample_max_value]; a maximum below 1 wins (its own tests use 0.5).
        guard maxValue.isFinite, maxValue > 0 else {
            throw SchedulerError(
                key: "sample_max_value", message: "sample_max_value must be a positive number, not \(maxValue)")
        }
    }

    /// `0 ≤ steps_offset ≤` the largest training table (larger offsets only overflow).
    static func stepsOffset(_ offset: Int) throws(SchedulerError) {
        guard offset >= 0 else {
            throw SchedulerError(key: "steps_offset", message: "steps_offset must not be negative, not \(offset)")
        }
        guard offset <= NoiseSchedule.maximumTrainTimesteps else {
            throw SchedulerError(key: "steps_offset", message: "steps_offset must be at most \(NoiseSchedule.maximumTrainTimesteps), not \(offset)")
        }
    }

    /// A positive finite option such as `flow_shift` or `shift`.
    static func positive(_ value: Double, key: String) throws(SchedulerError) {
        guard value.isFinite, value > 0 else {
            throw SchedulerError(key: key, message: "\(key) must be a positive number, not \(value)")
        }
    }
}
