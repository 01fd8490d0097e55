import DiffusionSchedulers
import Yams

/// A fenced `scheduler <kind>` block, before it is understood.
public struct DirectiveBlock: Sendable, Equatable {
    /// The kind after `scheduler` in the info string (`plot`, `table`, …).
    public var kind: String
    /// The YAML body.
    public var body: String
    /// The article the block is in.
    public var file: String
    /// The line of the opening fence; the body starts on the next line.
    public var line: Int
    /// The column of the opening fence.
    public var column: Int

    /// Where the block starts.
    public var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    /// Reads a code block's info string; `nil` when it is not a scheduler directive.
    public static func from(info: String, body: String, file: String, line: Int, column: Int) -> DirectiveBlock? {
        let words = info.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.first == "scheduler" else { return nil }
        return DirectiveBlock(kind: words.count > 1 ? String(words[1]) : "", body: body, file: file, line: line, column: column)
    }
}

/// What a directive computed, ready to render.
public enum DirectiveOutput: Sendable {
    case plot(PlotFigure)
    case table(TableFigure)
}

/// Parses and runs scheduler directives against DiffusionSchedulers.
public enum DirectiveRunner {
    /// The directive kinds this version understands.
    static let kinds = ["plot", "table"]

    /// Runs one directive; `index` makes its figure id unique on the page.
    public static func run(_ block: DirectiveBlock, index: Int) -> Result<DirectiveOutput, DirectiveFailure> {
        var diagnostics: [Diagnostic] = []
        guard kinds.contains(block.kind) else {
            var notes: [String] = []
            if let guess = Spelling.closest(to: block.kind, in: kinds) { notes.append("did you mean '\(guess)'?") }
            notes.append("directive kinds: \(kinds.joined(separator: ", "))")
            let message = block.kind.isEmpty ? "scheduler directive needs a kind, as in '```scheduler plot'" : "unknown directive kind '\(block.kind)'"
            return .failure(DirectiveFailure([.error("directive.kind", message, at: block.location, notes: notes)]))
        }
        let file = block.file, firstLine = block.line
        // Marks are 1-based within the body; the body starts on the line after the fence.
        let place: @Sendable (Yams.Mark?) -> SourceLocation = { mark in
            SourceLocation(file: file, line: firstLine + (mark?.line ?? 1), column: mark?.column ?? 1)
        }
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: block.body)
        } catch {
            let (message, line, column) = YAMLErrors.describe(error)
            return .failure(DirectiveFailure([.error("directive.yaml", "invalid YAML in 'scheduler \(block.kind)': \(message)",
                                                     at: SourceLocation(file: file, line: firstLine + line, column: column))]))
        }
        guard let root, let map = YAMLMap(root, place: place) else {
            return .failure(DirectiveFailure([.error("directive.body", "'scheduler \(block.kind)' needs a YAML mapping of keys to values",
                                                     at: place(root?.mark))]))
        }
        let id = "fig-\(index + 1)"
        let output: DirectiveOutput?
        switch block.kind {
        case "plot": output = PlotDirective.run(map, id: id, diagnostics: &diagnostics).map(DirectiveOutput.plot)
        default: output = TableDirective.run(map, id: id, diagnostics: &diagnostics).map(DirectiveOutput.table)
        }
        if let output, !diagnostics.containsErrors { return .success(output) }
        if diagnostics.isEmpty {
            diagnostics.append(.error("directive.failed", "'scheduler \(block.kind)' produced nothing", at: block.location))
        }
        return .failure(DirectiveFailure(diagnostics))
    }
}

/// The diagnostics of a directive that could not run.
public struct DirectiveFailure: Error, Sendable {
    /// Every problem found in the block (one bad key never hides another).
    public var diagnostics: [Diagnostic]

    init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

/// Evaluates a schedule quantity for a spec, reporting problems once per spec.
struct QuantityEvaluator {
    private var cache: [String: NoiseSchedule] = [:]

    mutating func values(_ quantity: ScheduleQuantity, for spec: SchedulerSpec, diagnostics: inout [Diagnostic]) -> [Double]? {
        let key = "\(spec.kind)|" + spec.values.keys.sorted().map { "\($0)=\(spec.values[$0]!)" }.joined(separator: ",")
        if let cached = cache[key] { return quantity.values(cached) }
        switch spec.makeSchedule() {
        case let .success(schedule):
            cache[key] = schedule
            return quantity.values(schedule)
        case let .failure(diagnostic):
            if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
            return nil
        }
    }
}

/// Reads a quantity name with a "did you mean".
func readQuantity(_ map: YAMLMap, _ key: String, diagnostics: inout [Diagnostic]) -> ScheduleQuantity? {
    guard let name = map.string(key, into: &diagnostics) else { return nil }
    if let q = ScheduleQuantity(name: name) { return q }
    let names = ScheduleQuantity.allCases.map(\.rawValue)
    var notes: [String] = []
    if let guess = Spelling.closest(to: name, in: names) { notes.append("did you mean '\(guess)'?") }
    notes.append("quantities: \(names.joined(separator: ", "))")
    diagnostics.append(.error("directive.quantity", "unknown quantity '\(name)'", at: map.location(of: map.node(key)!), notes: notes))
    return nil
}

/// Reads a number format from `digits` and `notation` keys.
func readFormat(_ map: YAMLMap, diagnostics: inout [Diagnostic]) -> NumberFormat {
    var format = NumberFormat()
    if let digits = map.int("digits", into: &diagnostics) {
        if (1...17).contains(digits) { format.digits = digits } else {
            diagnostics.append(.error("directive.value", "'digits' must be between 1 and 17, not \(digits)", at: map.location(of: map.node("digits")!)))
        }
    }
    if let notation = map.choice("notation", NumberFormat.Style.allCases.map(\.rawValue), into: &diagnostics) {
        format.style = NumberFormat.Style(rawValue: notation)!
    }
    return format
}
