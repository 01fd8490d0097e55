import DiffusionSchedulers
import Yams

/// A fenced `scheduler <kind>` block, before it is understood.
public struct DirectiveBlock: Sendable, Equatable, Codable {
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
public enum DirectiveOutput: Sendable, Codable {
    case plot(PlotFigure)
    case table(TableFigure)
    /// A `scheduler define` block: shown as the configuration it names.
    case definition(name: String, yaml: String)
    /// A `scheduler value` block: one number with a label.
    case value(label: String, value: Double, format: NumberFormat)
}

/// A directive's computed numbers, by a stable key, for `check` to compare with the recorded
/// expectations.
public struct ValueRecord: Sendable, Equatable, Codable {
    /// A key unique within the directive, e.g. a series label or a table column header.
    public var key: String
    /// The values, in order.
    public var values: [Double]
    /// Where each value is (a timestep, say), when the values are not simply 0, 1, 2, ….
    public var positions: [Double]?
    /// The name of the position (`t`).
    public var positionName: String = "t"

    /// A plot's series as records, positioned by the plot's x. Step indices keep the name `t`, as
    /// they had before plots had a choice of axis, so existing expectations still read back.
    static func series(of plot: PlotFigure) -> [ValueRecord] {
        let name = plot.dataXName == "step" ? "t" : plot.dataXName
        return plot.series.map { ValueRecord(key: $0.label, values: $0.y, positions: $0.x, positionName: name) }
    }
}

/// How closely recomputed values must match their recorded expectations:
/// `|new − old| ≤ atol + rtol·|old|`.
public struct Tolerance: Sendable, Equatable, Codable {
    public var rtol: Double
    public var atol: Double
    /// The documented defaults: values are recomputed in Float32 by deterministic code, so only
    /// rounding-level drift (a few float32 ulps) is accepted.
    public static let standard = Tolerance(rtol: 1e-6, atol: 1e-12)
}

/// A directive that ran: its stable id, where it is, what to render and what to verify.
public struct DirectiveResult: Sendable, Codable {
    /// `id:` when the author gave one, else the kind and its ordinal on the page (`plot-1`).
    public var id: String
    /// The directive block.
    public var block: DirectiveBlock
    /// What to render.
    public var output: DirectiveOutput
    /// The numbers to verify.
    public var records: [ValueRecord]
    /// How closely they must match.
    public var tolerance: Tolerance
    /// The allowed-non-finite flag (`allow_nonfinite: true`).
    public var allowsNonFinite: Bool
    /// Warnings the directive produced while running.
    public var warnings: [Diagnostic] = []
    /// An experiment's errors by sampler and step count, for inline values to pin.
    public var experiment: ExperimentResults? = nil
}

/// What a directive may refer to: the scheduler definitions made earlier on the page.
public struct DirectiveContext: Sendable {
    var definitions: [String: SchedulerSpec] = [:]
    /// The experiments that ran, by id. Inline values are evaluated after every directive of the
    /// page has run, so a pin may refer to an experiment further down.
    var experiments: [String: ExperimentResults] = [:]
    /// Ordinals per kind, for default ids.
    var ordinals: [String: Int] = [:]
    /// Ids used so far on the page.
    var usedIDs: Set<String> = []
    /// Definitions whose `define` block had errors, by name, at their `name`: a use of one fails
    /// with a pointer there instead of computing with default configuration.
    var failedDefinitions: [String: SourceLocation] = [:]
    /// Every `define` of the page by name, at its `name`, known before any directive runs, so a
    /// use above its definition can say where the definition is.
    var pageDefinitions: [String: SourceLocation] = [:]

    public init() {}

    /// A context that knows every `define` among `blocks` (the page's directives, in order), so a
    /// use written above its definition gets a note saying where the definition is.
    public init(announcing blocks: [DirectiveBlock]) {
        for block in blocks {
            if let (name, location) = DirectiveRunner.definedName(block), pageDefinitions[name] == nil { pageDefinitions[name] = location }
        }
    }
}

/// Parses and runs scheduler directives against DiffusionSchedulers.
public enum DirectiveRunner {
    /// The directive kinds this version understands.
    static let kinds = ["plot", "table", "value", "define", "experiment", "trajectory", "density"]
    /// Keys every directive accepts.
    static let commonKeys = ["id", "rtol", "atol", "allow_nonfinite"]

    /// The name a `scheduler define` block gives and where it is written, read without running
    /// the block, so that a use above the definition can point at it.
    static func definedName(_ block: DirectiveBlock) -> (name: String, location: SourceLocation)? {
        guard block.kind == "define", let root = try? Yams.compose(yaml: block.body), let mapping = root.mapping,
              let name = mapping["name"], let text = name.string else { return nil }
        let line = block.line + (name.mark?.line ?? 1), column = (name.mark?.column ?? 1) + block.column - 1
        return (text, SourceLocation(file: block.file, line: line, column: column))
    }

    /// Runs one directive in the page's context (which a `define` block extends).
    public static func run(_ block: DirectiveBlock, context: inout DirectiveContext) -> Result<DirectiveResult, DirectiveFailure> {
        var diagnostics: [Diagnostic] = []
        guard kinds.contains(block.kind) else {
            var notes: [String] = []
            if let guess = Spelling.closest(to: block.kind, in: kinds) { notes.append("did you mean '\(guess)'?") }
            notes.append("directive kinds: \(kinds.joined(separator: ", "))")
            let message = block.kind.isEmpty ? "scheduler directive needs a kind, as in '```scheduler plot'" : "unknown directive kind '\(block.kind)'"
            return .failure(DirectiveFailure([.error("directive.kind", message, at: block.location, notes: notes)]))
        }
        let file = block.file, firstLine = block.line, indent = block.column - 1
        // Marks are 1-based within the body; the body starts on the line after the fence and is
        // indented like the fence (inside a list item, say).
        let place: @Sendable (Yams.Mark?) -> SourceLocation = { mark in
            SourceLocation(file: file, line: firstLine + (mark?.line ?? 1), column: (mark?.column ?? 1) + indent)
        }
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: block.body)
        } catch {
            let (message, line, column) = YAMLErrors.describe(error)
            return .failure(DirectiveFailure([.error("directive.yaml", "invalid YAML in 'scheduler \(block.kind)': \(message)",
                                                     at: SourceLocation(file: file, line: firstLine + line, column: column + indent))]))
        }
        guard let root, let map = YAMLMap(root, place: place) else {
            return .failure(DirectiveFailure([.error("directive.body", "'scheduler \(block.kind)' needs a YAML mapping of keys to values",
                                                     at: place(root?.mark))]))
        }

        // The id: explicit, else kind + ordinal.
        let ordinal = (context.ordinals[block.kind] ?? 0) + 1
        context.ordinals[block.kind] = ordinal
        var id = "\(block.kind)-\(ordinal)"
        if let explicit = map.string("id", into: &diagnostics) {
            if explicit.isEmpty || explicit.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                diagnostics.append(.error("directive.id", "'id' may contain only letters, digits, '-' and '_'", at: map.location(of: map.node("id")!)))
            } else {
                id = explicit
            }
        }
        if context.usedIDs.contains(id) {
            diagnostics.append(.error("directive.duplicate-id", "another directive on this page already has id '\(id)'",
                                      at: map.node("id").map(map.location(of:)) ?? block.location))
        }
        context.usedIDs.insert(id)

        var tolerance = Tolerance.standard
        for (key, path) in [("rtol", \Tolerance.rtol), ("atol", \Tolerance.atol)] {
            guard let node = map.node(key) else { continue }
            if let value = node.float, value >= 0, value.isFinite { tolerance[keyPath: path] = value } else {
                diagnostics.append(.error("directive.value", "'\(key)' must be a non-negative number", at: map.location(of: node)))
            }
        }
        let allowsNonFinite = map.bool("allow_nonfinite", into: &diagnostics) ?? false

        let figureID = "fig-" + id
        var output: DirectiveOutput?
        var records: [ValueRecord] = []
        var experiment: ExperimentResults?
        // Why a result is not finite, when the directive can tell: by record key and position index.
        var nonFiniteCauses: [String: String] = [:]
        switch block.kind {
        case "plot":
            if let plot = PlotDirective.run(map, id: figureID, context: context, diagnostics: &diagnostics) {
                output = .plot(plot)
                records = ValueRecord.series(of: plot)
            }
        case "table":
            if let table = TableDirective.run(map, id: figureID, context: context, diagnostics: &diagnostics) {
                output = .table(table)
                records = table.headers.indices.dropFirst().map { column in
                    ValueRecord(key: table.headers[column], values: table.rows.map { $0[column] }, positions: table.rows.map { $0[0] })
                }
            }
        case "experiment":
            if let (plot, experimentRecords, results) = ExperimentDirective.run(map, id: figureID, context: context, diagnostics: &diagnostics,
                                                                                   nonFiniteCauses: &nonFiniteCauses) {
                output = .plot(plot)
                records = experimentRecords
                experiment = results
            }
        case "trajectory" where map.node("samplers") != nil:
            if let (plot, pathRecords) = SamplerPathDirective.run(map, id: figureID, context: context, diagnostics: &diagnostics) {
                output = .plot(plot)
                records = pathRecords
            }
        case "density":
            if let (plot, densityRecords) = DensityDirective.run(map, id: figureID, context: context, diagnostics: &diagnostics) {
                output = .plot(plot)
                records = densityRecords
            }
        case "trajectory":
            if let plot = TrajectoryDirective.run(map, id: figureID, diagnostics: &diagnostics) {
                output = .plot(plot)
                records = ValueRecord.series(of: plot)
            }
        case "value":
            if let (label, value, format) = ValueDirective.run(map, context: context, diagnostics: &diagnostics) {
                output = .value(label: label, value: value, format: format)
                records = [ValueRecord(key: "value", values: [value], positions: nil)]
            }
        default:
            if let (name, spec) = DefineDirective.run(map, context: context, diagnostics: &diagnostics) {
                if diagnostics.containsErrors {
                    context.failedDefinitions[name] = map.location(of: map.node("name")!)
                } else {
                    context.definitions[name] = spec
                    output = .definition(name: name, yaml: block.body)
                }
            } else if let name = map.node("name")?.string, context.definitions[name] == nil {
                context.failedDefinitions[name] = map.location(of: map.node("name")!)
            }
        }
        if !allowsNonFinite {
            for record in records {
                if let bad = record.values.firstIndex(where: { !$0.isFinite }) {
                    let position = record.positions.map { "\(record.positionName) = \(Expectations.number($0[bad]))" } ?? "position \(bad)"
                    let cause = nonFiniteCauses["\(record.key)#\(bad)"].map { [$0] } ?? []
                    diagnostics.append(.error("directive.nonfinite", "directive '\(id)': '\(record.key)' is \(Self.nonFiniteName(record.values[bad])) at \(position)",
                                              at: block.location, notes: cause + ["add 'allow_nonfinite: true' to the directive if that is expected"]))
                }
            }
        }
        if let output, !diagnostics.containsErrors {
            if let experiment { context.experiments[id] = experiment }
            return .success(DirectiveResult(id: id, block: block, output: output, records: records, tolerance: tolerance,
                                            allowsNonFinite: allowsNonFinite, warnings: diagnostics, experiment: experiment))
        }
        if diagnostics.isEmpty {
            diagnostics.append(.error("directive.failed", "'scheduler \(block.kind)' produced nothing", at: block.location))
        }
        return .failure(DirectiveFailure(diagnostics))
    }
}

extension DirectiveRunner {
    /// `NaN`, `infinity` or `-infinity`, as a message names a non-finite result (Swift prints `-nan`).
    static func nonFiniteName(_ value: Double) -> String {
        value.isNaN ? "NaN" : (value < 0 ? "-infinity" : "infinity")
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
        if quantity.isInference { return inferenceValues(quantity, for: spec, diagnostics: &diagnostics) }
        // One number that DDIM and LCM keep: no step plan needed.
        if quantity == .finalAlphaCumprod, spec.stepArguments.isEmpty { return finalAlphaCumprod(for: spec, diagnostics: &diagnostics) }
        if !spec.stepArguments.isEmpty || StepQuantities.family(of: quantity) != nil {
            // A step argument the scheduler's step does not take is an error, not silently ignored.
            guard case let .success(scheduler) = spec.makeScheduler() else {
                return scheduleValues(quantity, for: spec, diagnostics: &diagnostics)  // reports why
            }
            if let bad = StepQuantities.checkArguments(spec, scheduler: scheduler) {
                if !diagnostics.contains(bad) { diagnostics.append(bad) }
                return nil
            }
            if StepQuantities.family(of: quantity) != nil {  // final_alpha_cumprod: needs no steps
                return report(StepQuantities.values(quantity, scheduler: scheduler, spec: spec), &diagnostics)
            }
        }
        return scheduleValues(quantity, for: spec, diagnostics: &diagnostics)
    }

    private func report(_ result: Result<[Double], Diagnostic>, _ diagnostics: inout [Diagnostic]) -> [Double]? {
        switch result {
        case let .success(values): return values
        case let .failure(diagnostic):
            if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
            return nil
        }
    }

    /// A training-schedule quantity, from the (cached) noise schedule.
    private mutating func scheduleValues(_ quantity: ScheduleQuantity, for spec: SchedulerSpec, diagnostics: inout [Diagnostic]) -> [Double]? {
        let key = "\(spec.kind)|" + spec.values.keys.sorted().map { "\($0)=\(spec.values[$0]!)" }.joined(separator: ",")
        if let cached = cache[key] { return quantity.values(cached) }
        for warning in spec.ignoredKeyWarnings() where !diagnostics.contains(warning) { diagnostics.append(warning) }
        switch spec.makeSchedule() {
        case let .success(schedule):
            cache[key] = schedule
            return quantity.values(schedule)
        case let .failure(diagnostic):
            if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
            return nil
        }
    }

    /// `final_alpha_cumprod` of the schedulers that have one (DDIM, LCM), as a one-element list.
    func finalAlphaCumprod(for spec: SchedulerSpec, diagnostics: inout [Diagnostic]) -> [Double]? {
        guard let scheduler = spec.makeScheduler(reporting: &diagnostics) else { return nil }
        if let ddim = scheduler as? DDIMScheduler { return [Double(ddim.finalAlphaCumprod)] }
        if let lcm = scheduler as? LCMScheduler { return [Double(lcm.finalAlphaCumprod)] }
        diagnostics.append(.error("directive.scheduler", "\(spec.kind.className) has no final_alpha_cumprod", at: spec.location,
                                  notes: ["DDIMScheduler and LCMScheduler have one: the ᾱ after the last step (1 with 'set_alpha_to_one', else ᾱ₀)"]))
        return nil
    }

    /// `timesteps` or `inference_sigmas` after `set_timesteps(num_inference_steps)`.
    func inferenceValues(_ quantity: ScheduleQuantity, for spec: SchedulerSpec, diagnostics: inout [Diagnostic]) -> [Double]? {
        guard let steps = spec.inferenceSteps else {
            diagnostics.append(.error("directive.missing-key", "'\(quantity.rawValue)' needs 'num_inference_steps', the argument of set_timesteps", at: spec.location))
            return nil
        }
        guard let scheduler = spec.makeScheduler(reporting: &diagnostics) else { return nil }
        do {
            try scheduler.setTimesteps(steps)
        } catch {
            diagnostics.append(spec.diagnostic(for: error))
            return nil
        }
        if quantity.isStep { return report(StepQuantities.values(quantity, scheduler: scheduler, spec: spec), &diagnostics) }
        if let bad = StepQuantities.checkArguments(spec, scheduler: scheduler) {
            diagnostics.append(bad)
            return nil
        }
        if quantity == .timesteps { return scheduler.timestepValues }
        guard let sigmas = (scheduler as? any SigmaScheduled)?.sigmas else {
            diagnostics.append(.error("directive.scheduler", "\(spec.kind.className) has no inference sigmas; use 'timesteps'", at: spec.location))
            return nil
        }
        return sigmas.map(Double.init)
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
