/// A configuration value as it appears in a diffusers `scheduler_config.json` (or a YAML directive).
public enum ConfigValue: Sendable, Equatable {
    /// A JSON integer.
    case int(Int)
    /// A JSON number with a fraction or exponent.
    case double(Double)
    /// A JSON string.
    case string(String)
    /// A JSON boolean.
    case bool(Bool)
    /// JSON `null` (Python `None`).
    case null
    /// A JSON array.
    case array([ConfigValue])

    /// The value as written in a config file, for error messages: strings quoted, arrays abbreviated.
    var literal: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return "'\(value)'"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let values):
            let head = values.prefix(4).map(\.literal).joined(separator: ", ")
            return values.count > 4 ? "[\(head), …]" : "[\(head)]"
        }
    }
}

extension ConfigValue: Codable {
    /// Decodes any JSON scalar or array; objects are not configuration values and fail to decode.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .array(try container.decode([ConfigValue].self))
        }
    }

    /// Encodes the value as the JSON scalar or array it stands for.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let values): try container.encode(values)
        }
    }
}

extension ConfigValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    /// `.int(value)`.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// `.double(value)`.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// `.string(value)`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `.bool(value)`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `.array(elements)`.
    public init(arrayLiteral elements: ConfigValue...) { self = .array(elements) }
    /// `.null`.
    public init(nilLiteral: ()) { self = .null }
}
