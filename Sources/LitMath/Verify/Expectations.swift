import Foundation
import LitMathFigures

/// The recorded values of one article's directives, kept in the repository as reviewable text
/// (`content/_expected/<article>.txt`) and compared value by value by `litmath check`.
///
/// ```text
/// directive table-1
///   tolerance rtol=1e-06 atol=1e-12
///   values "linear β" t=0:9.999999747378752e-05 t=100:0.002092091
/// directive plot-1
///   tolerance rtol=1e-06 atol=1e-12
///   summary "linear" n=1000 sum=… sumsq=…
///   values "linear" t=0:0.9999 t=111:… t=999:4.0358303e-05
/// ```
/// Short records keep every value; long ones (plots) keep their count, sum, sum of squares and
/// evenly spaced samples, which is enough to catch any change to the computation while staying
/// small enough to review.
public struct Expectations: Sendable, Equatable {
    /// One directive's recorded values.
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var tolerance: Tolerance
        public var records: [Record]
    }

    /// One series or column.
    public struct Record: Sendable, Equatable {
        public var key: String
        /// `nil` for short records, which list every value.
        public var summary: Summary?
        /// (position label, value) pairs: every value, or the samples of a long record.
        public var samples: [(String, Double)]

        public static func == (a: Record, b: Record) -> Bool {
            a.key == b.key && a.summary == b.summary && a.samples.map(\.0) == b.samples.map(\.0)
                && zip(a.samples, b.samples).allSatisfy { $0.1.bitPattern == $1.1.bitPattern }
        }
    }

    /// Aggregates of a long record.
    public struct Summary: Sendable, Equatable {
        public var count: Int
        public var sum: Double
        public var sumOfSquares: Double
    }

    /// Records longer than this are summarised.
    public static let fullLimit = 16
    /// Samples kept of a summarised record.
    public static let sampleCount = 11

    public var entries: [Entry]
    /// The figures the article's Swift examples show, in full: `build` draws them from here
    /// (`figure example-1-1` followed by a `json` line).
    public var figures: [RecordedFigure] = []

    public init(entries: [Entry], figures: [RecordedFigure] = []) {
        self.entries = entries
        self.figures = figures
    }

    /// The expectations of a page's directives as computed now.
    public init(directives: [DirectiveResult]) {
        entries = directives.filter { !$0.records.isEmpty }.map { result in
            Entry(id: result.id, tolerance: result.tolerance, records: result.records.map(Self.record))
        }
    }

    static func record(_ record: ValueRecord) -> Record {
        let label: (Int) -> String = { i in record.positions.map { "\(record.positionName)=\(Self.number($0[i]))" } ?? "\(i)" }
        if record.values.count <= fullLimit {
            return Record(key: record.key, summary: nil, samples: record.values.indices.map { (label($0), record.values[$0]) })
        }
        let n = record.values.count
        let indices = (0..<sampleCount).map { k in (k * (n - 1)) / (sampleCount - 1) }
        let summary = Summary(count: n, sum: record.values.reduce(0, +), sumOfSquares: record.values.reduce(0) { $0 + $1 * $1 })
        return Record(key: record.key, summary: summary, samples: indices.map { (label($0), record.values[$0]) })
    }

    /// Shortest text that reads back as the same double.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    // MARK: - Text form

    /// How the first line of every expectation file starts; with `headerEnd`, it is how `bless`
    /// recognises the files it wrote (and the only ones it will ever delete).
    static let headerStart = "# Expected values of the directives in "
    /// How the first line of every expectation file ends.
    static let headerEnd = ", recorded by `litmath bless`."

    /// Whether `data` begins with the header `text(for:)` writes: a file of litmath's own, as
    /// opposed to a README or notes an author keeps in `_expected/`.
    static func isWrittenByLitmath(_ text: String) -> Bool {
        let line = text.prefix { $0 != "\n" }
        return line.hasPrefix(headerStart) && line.hasSuffix(headerEnd)
    }

    /// The file's text.
    public func text(for article: String) -> String {
        var out = Self.headerStart + article + Self.headerEnd + "\n"
        out += "# `litmath check` recomputes them and fails on any difference beyond the tolerance.\n"
        out += "# Long series are recorded as count, sum, sum of squares and evenly spaced samples.\n"
        for entry in entries {
            out += "\ndirective \(entry.id)\n"
            out += "  tolerance rtol=\(entry.tolerance.rtol) atol=\(entry.tolerance.atol)\n"
            for record in entry.records {
                let key = Self.quote(record.key)
                if let summary = record.summary {
                    out += "  summary \(key) n=\(summary.count) sum=\(summary.sum) sumsq=\(summary.sumOfSquares)\n"
                }
                out += "  values \(key)" + record.samples.map { " \($0.0):\($0.1)" }.joined() + "\n"
            }
        }
        for figure in figures {
            // One line of JSON with sorted keys: stable bytes, and a diff shows which numbers moved.
            out += "\nfigure \(figure.id)\n  json " + figure.figure.line.dropFirst(ShownFigure.marker.count) + "\n"
        }
        return out
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Syntax errors reported one by one in a file; the rest are counted.
    static let maximumReported = 5

    /// A word of a line that did not parse, as a diagnostic may show it: quoted when it is a short
    /// plain word (a misspelt keyword), described otherwise, so that nothing read from a file that
    /// is not an expectation file (an environment, a password file) reaches the log.
    static func shown(_ word: some StringProtocol) -> String {
        let plain = word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "." }
        return plain && (1...24).contains(word.count) ? "'\(word)'" : "(\(word.unicodeScalars.count) characters, not shown)"
    }

    /// Parses the text form; problems are diagnostics at their line and column in `file`.
    public static func parse(_ text: String, file: String) -> (Expectations, [Diagnostic]) {
        var entries: [Entry] = []
        var figures: [RecordedFigure] = []
        var figureOpen = false
        var diagnostics: [Diagnostic] = []
        var failures = 0
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = n + 1
            var scanner = LineScanner(Array(rawLine.unicodeScalars))
            scanner.skipSpaces()
            if scanner.atEnd || scanner.peek == "#" { continue }
            func fail(_ message: String) {
                // A file that is not litmath's (a link to a secret, a binary) must not be printed
                // into a CI log line by line: a few located errors, then a count.
                failures += 1
                guard failures <= maximumReported else { return }
                diagnostics.append(.error("expectations.syntax", message, at: SourceLocation(file: file, line: lineNumber, column: scanner.position + 1),
                                          notes: ["this file is written by 'litmath bless'; run it again rather than editing by hand"]))
            }
            let word = scanner.word()
            if word != "json" && figureOpen {
                fail("expected the 'json' line of the figure")
                figureOpen = false
            }
            switch word {
            case "figure":
                scanner.skipSpaces()
                let id = scanner.word()
                guard !id.isEmpty else { fail("expected a figure id"); continue }
                figures.append(RecordedFigure(id: id, figure: ShownFigure(table: Table(columns: [], rows: [])), line: lineNumber))
                figureOpen = true
            case "json":
                guard figureOpen else { fail("'json' outside a 'figure'"); continue }
                figureOpen = false
                scanner.skipSpaces()
                let json = String(String.UnicodeScalarView(scanner.scalars[scanner.position...]))
                guard let figure = try? ShownFigure.decode(json) else {
                    figures.removeLast()
                    fail("the figure's json does not read back as a table or a plot")
                    continue
                }
                figures[figures.count - 1].figure = figure
            case "directive":
                scanner.skipSpaces()
                let id = scanner.word()
                guard !id.isEmpty else { fail("expected a directive id"); continue }
                scanner.skipSpaces()
                guard scanner.atEnd else { fail("unexpected text after the directive id"); continue }
                entries.append(Entry(id: id, tolerance: .standard, records: []))
            case "tolerance":
                guard !entries.isEmpty else { fail("'tolerance' before any 'directive'"); continue }
                var tolerance = Tolerance.standard
                while true {
                    scanner.skipSpaces()
                    if scanner.atEnd { break }
                    let pair = scanner.word()
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, let value = Double(parts[1]) else { fail("expected rtol=… atol=…"); break }
                    if parts[0] == "rtol" { tolerance.rtol = value } else if parts[0] == "atol" { tolerance.atol = value } else { fail("unknown tolerance \(shown(parts[0]))") }
                }
                entries[entries.count - 1].tolerance = tolerance
            case "summary", "values":
                guard !entries.isEmpty else { fail("'\(word)' before any 'directive'"); continue }
                scanner.skipSpaces()
                guard let key = scanner.quoted() else { fail("expected a quoted key"); continue }
                var records = entries[entries.count - 1].records
                if word == "summary" {
                    var count: Int?, sum: Double?, sumsq: Double?
                    while true {
                        scanner.skipSpaces()
                        if scanner.atEnd { break }
                        let pair = scanner.word()
                        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                        guard parts.count == 2 else { fail("expected n=… sum=… sumsq=…"); break }
                        switch parts[0] {
                        case "n": count = Int(parts[1])
                        case "sum": sum = Double(parts[1])
                        case "sumsq": sumsq = Double(parts[1])
                        default: fail("unknown summary field \(shown(parts[0]))")
                        }
                    }
                    guard let count, let sum, let sumsq else { fail("a summary needs n, sum and sumsq"); continue }
                    records.append(Record(key: key, summary: Summary(count: count, sum: sum, sumOfSquares: sumsq), samples: []))
                } else {
                    var samples: [(String, Double)] = []
                    var ok = true
                    while true {
                        scanner.skipSpaces()
                        if scanner.atEnd { break }
                        let item = scanner.word()
                        guard let colon = item.lastIndex(of: ":"), let value = Double(item[item.index(after: colon)...]) else {
                            fail("expected position:value, not \(shown(item))")
                            ok = false
                            break
                        }
                        samples.append((String(item[..<colon]), value))
                    }
                    guard ok else { continue }
                    if let last = records.last, last.key == key, last.summary != nil, last.samples.isEmpty {
                        records[records.count - 1].samples = samples
                    } else {
                        records.append(Record(key: key, summary: nil, samples: samples))
                    }
                }
                entries[entries.count - 1].records = records
            default:
                fail("unknown line \(shown(word)); expected 'directive', 'tolerance', 'summary', 'values', 'figure' or 'json'")
            }
        }
        if failures > maximumReported {
            diagnostics.append(.error("expectations.syntax", "\(failures - maximumReported) more lines are not expectations either",
                                      at: SourceLocation(file: file, line: 1, column: 1),
                                      notes: ["is this file really written by 'litmath bless'?"]))
        }
        if figureOpen {
            figures.removeLast()
            diagnostics.append(.error("expectations.syntax", "the last figure has no 'json' line", at: SourceLocation(file: file, line: max(1, text.split(separator: "\n", omittingEmptySubsequences: false).count), column: 1)))
        }
        return (Expectations(entries: entries, figures: figures), diagnostics)
    }
}

/// A tiny scanner over one line.
private struct LineScanner {
    let scalars: [Unicode.Scalar]
    var position = 0
    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }
    var atEnd: Bool { position >= scalars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : scalars[position] }
    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" || c == "\r" { position += 1 } }
    mutating func consume(_ c: Unicode.Scalar) -> Bool {
        guard peek == c else { return false }
        position += 1
        return true
    }
    mutating func word() -> String {
        var s = String.UnicodeScalarView()
        while let c = peek, c != " ", c != "\t", c != "\r" { s.append(c); position += 1 }
        return String(s)
    }
    mutating func quoted() -> String? {
        guard consume("\"") else { return nil }
        var s = String.UnicodeScalarView()
        while let c = peek {
            position += 1
            if c == "\"" { return String(s) }
            if c == "\\", let next = peek {
                position += 1
                s.append(next == "n" ? "\n" : next)
                continue
            }
            s.append(c)
        }
        return nil
    }
}
