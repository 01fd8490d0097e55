/// One diffusers option of a configuration: its key, how it is read from a
/// `scheduler_config.json` dictionary and how it is written back.
///
/// Each configuration lists its options once, in the order it reads them, so that decoding
/// and encoding share one table instead of repeating every key twice. Reading in a fixed
/// order keeps the error reported first the same when several values are wrong.
struct ConfigurationField<Root> {
    /// diffusers' key, or nil for a check that runs between two reads.
    let key: String?
    /// Sets the option on `root` when the key is present; throws for a malformed value.
    let read: (inout Root, ConfigurationReader) throws(SchedulerError) -> Void
    /// The value as diffusers writes it.
    let write: (Root) -> ConfigValue

    /// An integer option.
    static func int(_ key: String, _ path: WritableKeyPath<Root, Int>) -> Self {
        Self(
            key: key, read: { root, reader throws(SchedulerError) in if let v = try reader.int(key) { root[keyPath: path] = v } },
            write: { .int($0[keyPath: path]) })
    }

    /// A finite number.
    static func double(_ key: String, _ path: WritableKeyPath<Root, Double>) -> Self {
        Self(
            key: key,
            read: { root, reader throws(SchedulerError) in if let v = try reader.double(key) { root[keyPath: path] = v } },
            write: { .double($0[keyPath: path]) })
    }

    /// A finite number or `null`.
    static func nullableDouble(_ key: String, _ path: WritableKeyPath<Root, Double?>) -> Self {
        Self(
            key: key,
            read: { root, reader throws(SchedulerError) in
                if let v = try reader.nullableDouble(key) { root[keyPath: path] = v }
            },
            write: { .optionalDouble($0[keyPath: path]) })
    }

    /// A number that may be ±infinity (see ``ConfigurationReader/extendedDouble(_:)``).
    static func extendedDouble(_ key: String, _ path: WritableKeyPath<Root, Double>) -> Self {
        Self(
            key: key,
            read: { root, reader throws(SchedulerError) in
                if let v = try reader.extendedDouble(key) { root[keyPath: path] = v }
            },
            write: { .double($0[keyPath: path]) })
    }

    /// `true` or `false`.
    static func bool(_ key: String, _ path: WritableKeyPath<Root, Bool>) -> Self {
        Self(
            key: key, read: { root, reader throws(SchedulerError) in if let v = try reader.bool(key) { root[keyPath: path] = v } },
            write: { .bool($0[keyPath: path]) })
    }

    /// A string option with a fixed set of values; `renaming` lists the extra names diffusers
    /// silently replaces.
    static func option<T: RawRepresentable & CaseIterable>(
        _ key: String, _ path: WritableKeyPath<Root, T>, renaming: [String: T] = [:]
    ) -> Self where T.RawValue == String {
        Self(
            key: key,
            read: { root, reader throws(SchedulerError) in
                if let v = try reader.option(key, T.self, renaming: renaming) { root[keyPath: path] = v }
            },
            write: { .string($0[keyPath: path].rawValue) })
    }

    /// A string option or `null`.
    static func nullableOption<T: RawRepresentable & CaseIterable>(_ key: String, _ path: WritableKeyPath<Root, T?>) -> Self
    where T.RawValue == String {
        Self(
            key: key,
            read: { root, reader throws(SchedulerError) in
                if let v = try reader.nullableOption(key, T.self) { root[keyPath: path] = v }
            },
            write: { $0[keyPath: path].map { .string($0.rawValue) } ?? .null })
    }

    /// A list of numbers or `null`, such as `trained_betas`.
    static func doubleArray(_ key: String, _ path: WritableKeyPath<Root, [Double]?>) -> Self {
        Self(
            key: key,
            read: { root, reader throws(SchedulerError) in
                if let v = try reader.doubleArray(key) { root[keyPath: path] = v }
            },
            write: { $0[keyPath: path].map { .array($0.map(ConfigValue.double)) } ?? .null })
    }

    /// A list of integers; `null` reads as empty.
    static func intArray(_ key: String, _ path: WritableKeyPath<Root, [Int]>) -> Self {
        Self(
            key: key,
            read: { root, reader throws(SchedulerError) in if let v = try reader.intArray(key) { root[keyPath: path] = v } },
            write: { .array($0[keyPath: path].map(ConfigValue.int)) })
    }

    /// A check on the options read so far, run at its place in the reading order.
    static func check(_ body: @escaping (Root) throws(SchedulerError) -> Void) -> Self {
        Self(key: nil, read: { root, _ throws(SchedulerError) in try body(root) }, write: { _ in .null })
    }
}

extension SchedulerConfiguration {
    /// Reads `fields` in order, after checking that every key in `values` is one of `keys`.
    mutating func read(_ values: [String: ConfigValue], fields: [ConfigurationField<Self>]) throws(SchedulerError) {
        let reader = try ConfigurationReader(values, knownKeys: Self.keys, className: Self.className)
        for field in fields { try field.read(&self, reader) }
    }

    /// `fields` with diffusers' keys, plus `_class_name` and `_diffusers_version`.
    func encodedValues(_ fields: [ConfigurationField<Self>]) -> [String: ConfigValue] {
        var values = Self.metadataValues
        for field in fields {
            if let key = field.key { values[key] = field.write(self) }
        }
        return values
    }
}
