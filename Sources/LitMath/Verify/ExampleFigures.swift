import Foundation
import LitMathFigures

/// A figure a Swift example showed, as `litmath bless` recorded it in the article's
/// `_expected/` file: what `build` draws and what `check` compares the example's next run with.
public struct RecordedFigure: Sendable, Equatable {
    /// `example-2-1`: the first figure of the page's second example.
    public var id: String
    /// The figure.
    public var figure: ShownFigure
    /// The line of its `figure` entry in the expectations file (for diagnostics).
    public var line: Int = 0

    /// A recorded figure.
    public init(id: String, figure: ShownFigure, line: Int = 0) {
        self.id = id
        self.figure = figure
        self.line = line
    }

    /// Equal when the id and the figure are; the line a figure was read from does not count.
    public static func == (a: RecordedFigure, b: RecordedFigure) -> Bool { a.id == b.id && a.figure == b.figure }
}

/// Figures shown by runnable Swift examples (`LitMathFigures`): checked for what a page can
/// draw, compared with the recorded ones within a tolerance, and turned into the same table and
/// plot outputs directives have, so they render alike.
///
/// Build renders the *recorded* figures, so a build needs no Swift toolchain and stays as fast
/// as before; `check` runs the examples and fails when a figure no longer matches its record
/// (and, as for directives, when `site/` differs from what build writes).
enum ExampleFigures {
    /// The tolerance a figure's numbers are compared with: the directives' default, since
    /// examples run the same deterministic library code.
    static let tolerance = Tolerance.standard

    /// Why `figure` cannot be recorded and drawn; empty when it can.
    static func problems(_ figure: ShownFigure) -> [String] {
        var problems: [String] = []
        func finite(_ values: [Double], _ what: (Int) -> String) {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                problems.append("\(what(i)) is \(values[i].isNaN ? "NaN" : "infinite"); a figure shows finite numbers only")
            }
        }
        switch (figure.table, figure.plot) {
        case let (table?, nil):
            if table.columns.isEmpty { problems.append("a table needs at least one column") }
            if table.rows.isEmpty { problems.append("a table needs at least one row") }
            for (r, row) in table.rows.enumerated() {
                if row.count != table.columns.count {
                    problems.append("row \(r + 1) has \(row.count) value\(row.count == 1 ? "" : "s") for \(table.columns.count) column\(table.columns.count == 1 ? "" : "s")")
                    continue
                }
                finite(row) { "row \(r + 1), column '\(table.columns[$0])'" }
            }
        case let (nil, plot?):
            if plot.series.isEmpty { problems.append("a plot needs at least one series") }
            var labels: Set<String> = []
            for series in plot.series {
                if !labels.insert(series.label).inserted { problems.append("two series are labelled '\(series.label)'") }
                if series.x.count != series.y.count {
                    problems.append("series '\(series.label)' has \(series.x.count) x values and \(series.y.count) y values")
                    continue
                }
                if series.x.isEmpty { problems.append("series '\(series.label)' has no points") }
                finite(series.x) { "series '\(series.label)', x[\($0)]" }
                finite(series.y) { "series '\(series.label)', y[\($0)]" }
                if plot.xScale == .log, let i = series.x.firstIndex(where: { $0 <= 0 }) {
                    problems.append("series '\(series.label)', x[\(i)] = \(series.x[i]) cannot be drawn on a log axis")
                }
                if plot.yScale == .log, let i = series.y.firstIndex(where: { $0 <= 0 }) {
                    problems.append("series '\(series.label)', y[\(i)] = \(series.y[i]) cannot be drawn on a log axis")
                }
            }
        default:
            problems.append("a figure is a table or a plot")
        }
        return problems
    }

    /// Differences between a recorded figure and the one shown now, as `what: old → new (change)`.
    static func differences(_ old: ShownFigure, _ new: ShownFigure) -> [String] {
        var out: [String] = []
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= tolerance.atol + tolerance.rtol * abs(a) }
        func numbers(_ a: [Double], _ b: [Double], _ what: (Int) -> String) {
            guard a.count == b.count else { out.append("\(what(-1)): \(a.count) values → \(b.count)"); return }
            for i in a.indices where !close(a[i], b[i]) {
                out.append("\(what(i)): \(a[i]) → \(b[i]) (\(Verifier.relativeChange(a[i], b[i])))")
            }
        }
        func same<T: Equatable>(_ a: T, _ b: T, _ what: String) {
            if a != b { out.append("\(what): \(a) → \(b)") }
        }
        switch (old.table, new.table, old.plot, new.plot) {
        case let (a?, b?, nil, nil):
            same(a.title ?? "", b.title ?? "", "title")
            same(a.columns, b.columns, "columns")
            guard a.rows.count == b.rows.count else { out.append("rows: \(a.rows.count) → \(b.rows.count)"); break }
            for r in a.rows.indices {
                numbers(a.rows[r], b.rows[r]) { $0 < 0 ? "row \(r + 1)" : "row \(r + 1), '\(b.columns.indices.contains($0) ? b.columns[$0] : "\($0)")'" }
            }
        case let (nil, nil, a?, b?):
            same(a.title ?? "", b.title ?? "", "title")
            same(a.xLabel, b.xLabel, "x label")
            same(a.yLabel, b.yLabel, "y label")
            same(a.xScale.rawValue, b.xScale.rawValue, "x scale")
            same(a.yScale.rawValue, b.yScale.rawValue, "y scale")
            same(a.series.map(\.label), b.series.map(\.label), "series")
            for (s, t) in zip(a.series, b.series) where s.label == t.label {
                numbers(s.x, t.x) { $0 < 0 ? "'\(s.label)' x" : "'\(s.label)' x[\($0)]" }
                numbers(s.y, t.y) { $0 < 0 ? "'\(s.label)' y" : "'\(s.label)' y[\($0)]" }
            }
        default:
            out.append("was a \(old.table == nil ? "plot" : "table"), now a \(new.table == nil ? "plot" : "table")")
        }
        return out
    }

    /// Findings for one example's figures against the page's recorded ones.
    static func compare(_ run: SwiftExamples.ExampleRun, recorded: [RecordedFigure]) -> [Verifier.Finding] {
        let example = run.example
        var findings: [Verifier.Finding] = []
        let byID = Dictionary(recorded.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (j, figure) in run.figures.enumerated() {
            let id = example.figureID(j + 1)
            guard let old = byID[id] else {
                findings.append(Verifier.Finding(article: example.file, directive: id, location: run.location, message: "figure is not recorded"))
                continue
            }
            findings += differences(old.figure, figure).prefix(20).map {
                Verifier.Finding(article: example.file, directive: id, location: run.location, message: $0)
            }
        }
        let shown = Set(run.figures.indices.map { example.figureID($0 + 1) })
        for old in recorded where old.id.hasPrefix("example-\(example.index)-") && !shown.contains(old.id) {
            findings.append(Verifier.Finding(article: example.file, directive: old.id, location: run.location,
                                             message: "recorded, but the example no longer shows this figure"))
        }
        return findings
    }

    /// A figure as the output of a directive, so pages draw it with the same renderers.
    static func output(_ figure: ShownFigure, id: String) -> DirectiveOutput? {
        if let table = figure.table {
            return .table(TableFigure(caption: table.title, headers: table.columns, rows: table.rows, format: NumberFormat(), id: id))
        }
        if let plot = figure.plot {
            func scale(_ s: Plot.Scale) -> PlotFigure.Scale { s == .log ? .log : .linear }
            return .plot(PlotFigure(title: plot.title ?? "", caption: nil, xLabel: plot.xLabel, yLabel: plot.yLabel,
                                    xScale: scale(plot.xScale), yScale: scale(plot.yScale),
                                    series: plot.series.map { PlotFigure.Series(label: $0.label, x: $0.x, y: $0.y) }, id: id))
        }
        return nil
    }

    /// The recorded figures of each example of `page`, by the example's opening fence line, ready
    /// to draw; figures that cannot be drawn are errors at their line in `file`.
    static func attach(_ recorded: [RecordedFigure], to page: Page, file: String) -> (figures: [Int: [DirectiveOutput]], diagnostics: [Diagnostic]) {
        let examples = SwiftExamples.examples(in: page)
        var figures: [Int: [DirectiveOutput]] = [:]
        var diagnostics: [Diagnostic] = []
        for example in examples {
            let prefix = "example-\(example.index)-"
            // In the order shown: example-1-2 before example-1-10.
            let mine = recorded.filter { $0.id.hasPrefix(prefix) }.sorted { (Int($0.id.dropFirst(prefix.count)) ?? 0) < (Int($1.id.dropFirst(prefix.count)) ?? 0) }
            for record in mine {
                let problems = problems(record.figure)
                guard problems.isEmpty, let output = output(record.figure, id: record.id) else {
                    for problem in problems {
                        diagnostics.append(.error("expectations.figure", "recorded figure '\(record.id)': \(problem)",
                                                  at: SourceLocation(file: file, line: record.line, column: 1),
                                                  notes: ["run 'litmath bless' again once the example shows a figure that can be drawn"]))
                    }
                    continue
                }
                figures[example.fenceLine, default: []].append(output)
            }
        }
        return (figures, diagnostics)
    }
}
