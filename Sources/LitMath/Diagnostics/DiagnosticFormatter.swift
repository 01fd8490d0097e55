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
            let (shown, caret) = Self.window(line, column: location.column)
            out += shown + "\n"
            out += caret + "^\n"
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

    /// Characters of a source line shown around the column: a 200 KB line (a minified file, a
    /// YAML flow sequence) prints as a window, never whole.
    static let windowWidth = 100

    /// At most `windowWidth` characters of `line` around `column`, cut ends marked `…`, control
    /// characters shown as `�`; and the padding that puts a caret under the column (tabs kept, so
    /// it lines up under tab-indented text).
    static func window(_ line: String, column: Int) -> (shown: String, caret: String) {
        let scalars = Array(line.unicodeScalars)
        let target = min(max(column - 1, 0), scalars.count)
        let start = scalars.count <= windowWidth ? 0 : min(max(target - windowWidth / 2, 0), scalars.count - windowWidth)
        let end = min(start + windowWidth, scalars.count)
        func clean(_ s: Unicode.Scalar) -> Unicode.Scalar { s == "\t" || (s.value >= 0x20 && s.value != 0x7f) ? s : "\u{FFFD}" }
        var shown = String.UnicodeScalarView(scalars[start..<end].map(clean))
        var caret = String.UnicodeScalarView(scalars[start..<target].map { $0 == "\t" ? "\t" : " " })
        if start > 0 {
            shown.insert("…", at: shown.startIndex)
            caret.insert(" ", at: caret.startIndex)
        }
        if end < scalars.count { shown.append("…") }
        return (String(shown), String(caret))
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
