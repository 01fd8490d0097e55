import Foundation

/// A scheduler configuration that round-trips through diffusers' `scheduler_config.json` form.
///
/// Conforming types keep diffusers' defaults, decode from `[String: ConfigValue]` (rejecting
/// unknown and ill-typed keys) and encode back with diffusers' snake_case keys.
public protocol SchedulerConfiguration: Sendable, Equatable, Codable {
    /// diffusers' class name, written as `_class_name`, e.g. `"DDPMScheduler"`.
    static var className: String { get }
    /// Every option key this configuration understands, in diffusers' spelling.
    static var keys: [String] { get }
    /// Decodes diffusers' keys; unknown keys, wrong types and unknown option values throw.
    init(values: [String: ConfigValue]) throws(SchedulerError)
    /// The options as diffusers writes them, with `_class_name` and `_diffusers_version`.
    var values: [String: ConfigValue] { get }
}

/// The diffusers release whose behaviour these schedulers reproduce, written as `_diffusers_version`.
public let referenceDiffusersVersion = "0.42.1"

extension SchedulerConfiguration {
    /// Decodes a `scheduler_config.json` document.
    public init(json: Data) throws {
        // JSON5 admits the bare `Infinity` / `-Infinity` that Python's `json` writes (DPM-Solver's
        // `lambda_min_clipped` defaults to -inf).
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let values = try decoder.decode([String: ConfigValue].self, from: json)
        try self.init(values: values)
    }

    /// The configuration as a `scheduler_config.json` document with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        // JSON has no infinity; written as a string, which `init(json:)` reads back.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(values)
    }

    /// Metadata diffusers adds to every saved config.
    static var metadataValues: [String: ConfigValue] {
        ["_class_name": .string(className), "_diffusers_version": .string(referenceDiffusersVersion)]
    }

    /// Shared `Decodable` body: a keyed object of config values.
    static func decodeValues(from decoder: any Decoder) throws -> [String: ConfigValue] {
        try decoder.singleValueContainer().decode([String: ConfigValue].self)
    }

    /// Shared `Encodable` body.
    func encodeValues(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}
