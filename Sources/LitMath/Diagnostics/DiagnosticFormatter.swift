/// Prints diagnostics two ways: one line each for CI and editors, or with the source line and
/// a caret under the column for people.
public struct DiagnosticFormatter: Sendable {
    /// The source text of each file, by the path used in diagnostics, for the caret form.
    public var sources: [String: String]
    /// Whether to print the source line and caret.
    public var showsSourceLines: Bool

    /// Creates a formatter.
    public init(sources: [String: String] = [:], showsSourceLines: Bool = true) {
        self.sources = sources
        self.showsSourceLines = showsSourceLines
    }

    /// Formats one diagnostic, ending with a newline.
    public func format(_ diagnostic: Diagnostic) -> String {
        var out = diagnostic.description + "\n"
        if showsSourceLines, let location = diagnostic.location, let text = sources[location.file],
           let line = Self.line(location.line, of: text) {
            out += line + "\n"
            let prefix = line.unicodeScalars.prefix(max(0, location.column - 1))
            // Keep tabs so the caret lines up under tab-indented text.
            let padding = String(String.UnicodeScalarView(prefix.map { $0 == "\t" ? "\t" : " " }))
            out += padding + "^\n"
        }
        for note in diagnostic.notes {
            out += "note: \(note)\n"
        }
        return out
    }

    /// Formats many diagnostics, sorted by location so the output is stable.
    public func format(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.sorted(by: Self.order).map(format).joined()
    }

    /// A stable order: by file, line, column; diagnostics without a place first.
    public static func order(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        switch (a.location, b.location) {
        case let (l?, r?): return l < r
        case (nil, _?): return true
        case (_?, nil): return false
        case (nil, nil): return a.message < b.message
        }
    }

    static func line(_ number: Int, of text: String) -> String? {
        var current = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == number { return String(line.hasSuffix("\r") ? line.dropLast() : line) }
            current += 1
        }
        return nil
    }
}
