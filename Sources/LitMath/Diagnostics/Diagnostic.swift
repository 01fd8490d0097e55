/// One problem found in the content, as data: where, how bad, what, and what might fix it.
///
/// Printed like the Swift compiler: `content/ddpm.md:42:3: error: unknown key 'beta_shedule'`.
/// The summary is terse, has no final period, and phrases the rule.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible, Codable {
    /// How serious a diagnostic is. Errors fail the build; warnings do not.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning, note
    }

    /// Where the problem is; `nil` for problems with no place in a file (a missing tool, say).
    public var location: SourceLocation?
    /// How serious it is.
    public var severity: Severity
    /// A stable identifier for the kind of problem, for tests and tools (e.g. `directive.unknown-key`).
    public var id: String
    /// The one-line summary.
    public var message: String
    /// Extra lines printed after the summary ("did you mean …", a fix).
    public var notes: [String]

    /// Creates a diagnostic.
    public init(_ severity: Severity, _ id: String, _ message: String, at location: SourceLocation?, notes: [String] = []) {
        self.severity = severity
        self.id = id
        self.message = message
        self.location = location
        self.notes = notes
    }

    /// Convenience for the common case.
    public static func error(_ id: String, _ message: String, at location: SourceLocation?, notes: [String] = []) -> Diagnostic {
        Diagnostic(.error, id, message, at: location, notes: notes)
    }

    /// Convenience for warnings.
    public static func warning(_ id: String, _ message: String, at location: SourceLocation?, notes: [String] = []) -> Diagnostic {
        Diagnostic(.warning, id, message, at: location, notes: notes)
    }

    /// The one-line form: `path:line:col: error: message`.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(message)"
    }
}

extension Array where Element == Diagnostic {
    /// Whether any of these diagnostics fails a build.
    public var containsErrors: Bool { contains { $0.severity == .error } }
}
extension Diagnostic: Error {}
