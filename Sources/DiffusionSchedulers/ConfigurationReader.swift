/// Reads typed options out of a diffusers-style `[String: ConfigValue]` dictionary.
///
/// Shared by every scheduler configuration so that unknown keys, wrong types and unknown
/// option values produce the same errors everywhere: each names the key and the value,
/// with a "did you mean" suggestion when one candidate is close.
struct ConfigurationReader {
    /// Keys diffusers writes into every saved config; they describe the file, not the scheduler.
    static let metadataKeys: Set<String> = ["_class_name", "_diffusers_version", "_use_default_values"]

    let values: [String: ConfigValue]

    /// Checks that every key is either one of `className`'s options or diffusers metadata.
    ///
    /// A key of another diffusers class is named as such (the factory's default policy drops
    /// those before this check, as `from_config` does); any other key gets a "did you mean".
    init(_ values: [String: ConfigValue], knownKeys: [String], className: String) throws(SchedulerError) {
        for key in values.keys.sorted() where !knownKeys.contains(key) && !Self.metadataKeys.contains(key) {
            let owners = SchedulerCatalog.classes(withKey: key)
            if !owners.isEmpty {
                throw SchedulerError(
                    key: key, message: "'\(key)' is not a key of \(className) (it is a key of \(SchedulerCatalog.list(owners)))")
            }
            throw SchedulerError(
                key: key, message: "'\(key)' is not a key of \(className)",
                suggestion: Self.closest(to: key, among: knownKeys))
        }
        self.values = values
    }

    func int(_ key: String) throws(SchedulerError) -> Int? {
        switch values[key] {
        case nil: return nil
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 1e15: return Int(value)
        case let other?: throw typeError(key, other, expected: "an integer")
        }
    }

    func double(_ key: String) throws(SchedulerError) -> Double? {
        switch values[key] {
        case nil: return nil
        case .int(let value): return Double(value)
        case .double(let value) where value.isFinite: return value
        case let other?: throw typeError(key, other, expected: "a finite number")
        }
    }

    func bool(_ key: String) throws(SchedulerError) -> Bool? {
        switch values[key] {
        case nil: return nil
        case .bool(let value): return value
        case let other?: throw typeError(key, other, expected: "true or false")
        }
    }

    /// A string option with a fixed set of values, e.g. `beta_schedule`.
    func option<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type = T.self) throws(SchedulerError) -> T?
    where T.RawValue == String {
        switch values[key] {
        case nil: return nil
        case .string(let raw):
            if let value = T(rawValue: raw) { return value }
            let names = T.allCases.map(\.rawValue)
            throw SchedulerError(
                key: key, message: "unknown \(key) '\(raw)'",
                suggestion: Self.aliases[raw] ?? Self.closest(to: raw, among: names) ?? names.joined(separator: "', '"))
        case let other?:
            throw typeError(key, other, expected: "one of '\(T.allCases.map(\.rawValue).joined(separator: "', '"))'")
        }
    }

    /// A list of numbers or `null`; the outer optional is nil when the key is absent.
    func doubleArray(_ key: String) throws(SchedulerError) -> [Double]?? {
        switch values[key] {
        case nil: return nil
        case .null: return .some(nil)
        case .array(let elements):
            var numbers: [Double] = []
            numbers.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                switch element {
                case .int(let value): numbers.append(Double(value))
                case .double(let value) where value.isFinite: numbers.append(value)
                default:
                    throw SchedulerError(
                        key: key, message: "\(key)[\(index)] must be a finite number, not \(element.literal)")
                }
            }
            return .some(numbers)
        case let other?:
            throw typeError(key, other, expected: "a list of numbers or null")
        }
    }

    private func typeError(_ key: String, _ value: ConfigValue, expected: String) -> SchedulerError {
        SchedulerError(key: key, message: "\(key) must be \(expected), not \(value.literal)")
    }

    /// Common names people reach for that diffusers spells differently.
    static let aliases: [String: String] = [
        "cosine": "squaredcos_cap_v2",
        "cos": "squaredcos_cap_v2",
        "squaredcos": "squaredcos_cap_v2",
        "eps": "epsilon",
        "noise": "epsilon",
        "v": "v_prediction",
        "velocity": "v_prediction",
        "x0": "sample",
    ]

    /// The candidate within a small edit distance of `word`, if exactly one is closest.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (candidate: String, distance: Int)?
        var tie = false
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if best == nil || distance < best!.distance {
                best = (candidate, distance)
                tie = false
            } else if distance == best!.distance {
                tie = true
            }
        }
        guard let best, !tie else { return nil }
        let limit = max(2, max(word.count, best.candidate.count) / 3)
        return best.distance <= limit ? best.candidate : nil
    }

    /// Levenshtein distance over Unicode scalars.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
