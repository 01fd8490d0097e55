import Foundation
import Yams

/// The expression of an inline value, left of its `=`: small arithmetic over references.
///
/// ```
/// expression := sum
/// sum        := product (("+" | "-") product)*
/// product    := unary (("*" | "/") unary)*
/// unary      := ("-" | "+") unary | primary
/// primary    := number | "(" sum ")" | function "(" sum ")" | reference
/// function   := sqrt | log | log10 | exp | abs            (log is natural)
/// reference  := scheduler ["(" configuration ")"] "." quantity "[" integer "]"
///             | experiment "." label "[" steps "]" | experiment "[" quoted label "]" "[" steps "]"
/// ```
/// A scheduler is a class (`DDPM`) or a name from `scheduler define`; an experiment is the `id`
/// of a `scheduler experiment` on the page, its label a sampler's and its index a step count.
///
/// Hand-written recursive descent: the grammar is a dozen lines, every error must carry the
/// exact column in the article, and none of the packages available to this project (Yams,
/// swift-argument-parser, cmark) parses arithmetic.
struct PinExpression {
    /// Functions of one argument.
    static let functions: [String: @Sendable (Double) -> Double] = ["sqrt": { $0.squareRoot() }, "log": { Foundation.log($0) },
                                                          "log10": { Foundation.log10($0) }, "exp": { Foundation.exp($0) }, "abs": { Swift.abs($0) }]
    /// Nesting beyond this is refused rather than allowed to exhaust the stack.
    static let maxDepth = 64

    /// A parsed expression; offsets are scalar offsets in the inline value's source.
    indirect enum Node {
        case number(Double)
        case schedule(SchedulerSpec, ScheduleQuantity, index: Int, indexAt: Int)
        case experiment(id: String, sampler: String, steps: Int, at: Int, labelAt: Int, stepsAt: Int)
        case negate(Node)
        case binary(Character, Node, Node, at: Int)
        case call(String, Node, at: Int)
    }

    /// A problem at a scalar offset of the source.
    struct Failure: Error {
        var message: String
        var offset: Int
        var notes: [String] = []
        /// A diagnostic already placed (from a configuration or the library).
        var diagnostic: Diagnostic? = nil
    }

    private let scalars: [Unicode.Scalar]
    private let end: Int
    private let context: DirectiveContext
    private let location: (Int) -> SourceLocation
    private var i = 0
    private var depth = 0

    private init(scalars: [Unicode.Scalar], end: Int, context: DirectiveContext, location: @escaping (Int) -> SourceLocation) {
        self.scalars = scalars
        self.end = end
        self.context = context
        self.location = location
    }

    /// Parses `scalars[0..<end]`.
    static func parse(_ scalars: [Unicode.Scalar], end: Int, context: DirectiveContext, location: @escaping (Int) -> SourceLocation) -> Result<Node, Failure> {
        var parser = PinExpression(scalars: scalars, end: end, context: context, location: location)
        do {
            parser.skipSpaces()
            guard parser.i < end else {
                throw Failure(message: "an inline value looks like `name.quantity[t] = pinned`, e.g. `DDPM.alpha_cumprod[999] = 4.036e-05`", offset: 0)
            }
            let node = try parser.sum()
            parser.skipSpaces()
            if parser.i < end {
                if parser.scalars[parser.i] == ")" { throw Failure(message: "unbalanced parenthesis: ')' without a matching '('", offset: parser.i) }
                throw Failure(message: "unexpected '\(parser.scalars[parser.i])'; expected an operator (+ - * /) or the end of the expression", offset: parser.i)
            }
            return .success(node)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(message: "\(error)", offset: 0))
        }
    }

    /// The offset of the first `=` outside parentheses, brackets and quotes: where the pin starts.
    static func pinSeparator(_ scalars: [Unicode.Scalar]) -> Int? {
        var depth = 0
        var quote: Unicode.Scalar?
        for (k, s) in scalars.enumerated() {
            if let q = quote {
                if s == q { quote = nil }
                continue
            }
            switch s {
            case "\"", "'": quote = s
            case "(", "[": depth += 1
            case ")", "]": depth -= 1
            case "=" where depth <= 0: return k
            default: break
            }
        }
        return nil
    }

    // MARK: Grammar

    private mutating func sum() throws -> Node {
        var left = try product()
        while true {
            skipSpaces()
            guard i < end, scalars[i] == "+" || scalars[i] == "-" else { return left }
            let op = Character(scalars[i]), at = i
            i += 1
            left = .binary(op, left, try product(), at: at)
        }
    }

    private mutating func product() throws -> Node {
        var left = try unary()
        while true {
            skipSpaces()
            guard i < end, scalars[i] == "*" || scalars[i] == "/" else { return left }
            let op = Character(scalars[i]), at = i
            i += 1
            left = .binary(op, left, try unary(), at: at)
        }
    }

    private mutating func unary() throws -> Node {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw Failure(message: "expression nested more than \(Self.maxDepth) levels deep", offset: i) }
        skipSpaces()
        guard i < end else { throw Failure(message: "expected a number, a reference or '(' after the operator", offset: i) }
        if scalars[i] == "-" { i += 1; return .negate(try unary()) }
        if scalars[i] == "+" { i += 1; return try unary() }
        return try primary()
    }

    private mutating func primary() throws -> Node {
        let start = i
        let s = scalars[i]
        if ("0"..."9").contains(s) || s == "." { return .number(try number()) }
        if s == "(" {
            i += 1
            let inner = try sum()
            skipSpaces()
            guard i < end, scalars[i] == ")" else { throw Failure(message: "unbalanced parenthesis: '(' is not closed", offset: start) }
            i += 1
            return inner
        }
        let name = identifier()
        guard !name.isEmpty else {
            throw Failure(message: "unexpected '\(s)'; expected a number, a reference such as DDPM.alpha_cumprod[999], or '('", offset: start)
        }
        skipSpaces()
        if Self.functions[name] != nil, i < end, scalars[i] == "(" {
            let open = i
            i += 1
            let argument = try sum()
            skipSpaces()
            guard i < end, scalars[i] == ")" else { throw Failure(message: "unbalanced parenthesis: '(' is not closed", offset: open) }
            i += 1
            return .call(name, argument, at: start)
        }
        i = start + name.unicodeScalars.count
        if context.definitions[name] != nil || SchedulerSpec.Kind(name: name) != nil { return try scheduleReference(name, at: start) }
        if let results = context.experiments[name] { return try experimentReference(name, results, at: start) }
        if let failed = context.failedDefinitions[name] {
            // Its define's errors are reported there; a number computed with defaults would be wrong.
            throw Failure(message: "scheduler '\(name)' has errors (see its define at line \(failed.line))", offset: start)
        }
        let candidates = SchedulerSpec.Kind.allCases.map(\.rawValue) + context.definitions.keys.sorted() + context.experiments.keys.sorted()
        var notes: [String] = []
        if let guess = Spelling.closest(to: name, in: candidates + Self.functions.keys.sorted()) { notes.append("did you mean '\(guess)'?") }
        notes.append("scheduler classes: \(SchedulerSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        if !context.definitions.isEmpty { notes.append("defined schedulers: \(context.definitions.keys.sorted().joined(separator: ", "))") }
        if !context.experiments.isEmpty { notes.append("experiments: \(context.experiments.keys.sorted().joined(separator: ", "))") }
        throw Failure(message: "unknown name '\(name)'", offset: start, notes: notes)
    }

    /// `target[(config)].quantity[index]`
    private mutating func scheduleReference(_ target: String, at start: Int) throws -> Node {
        var spec = context.definitions[target] ?? SchedulerSpec(kind: SchedulerSpec.Kind(name: target)!, location: location(start))
        spec.location = location(start)
        if i < end, scalars[i] == "(" {
            let open = i
            var level = 0
            var close: Int?
            for k in i..<end {
                if scalars[k] == "(" { level += 1 } else if scalars[k] == ")" { level -= 1; if level == 0 { close = k; break } }
            }
            guard let close else { throw Failure(message: "unbalanced parenthesis: '(' is not closed", offset: open) }
            let inner = String(String.UnicodeScalarView(scalars[(open + 1)..<close]))
            let base = location(open + 1)
            let place: @Sendable (Yams.Mark?) -> SourceLocation = { mark in
                var l = base
                l.column += (mark?.column ?? 1) - 2  // the YAML is "{" + inner + "}"
                return l
            }
            var diagnostics: [Diagnostic] = []
            do {
                guard let node = try Yams.compose(yaml: "{" + inner + "}"), let map = YAMLMap(node, place: place) else {
                    throw Failure(message: "expected configuration like DDPM(beta_schedule: linear)", offset: open)
                }
                map.checkKeys([], alsoAllowed: SchedulerKeys.isSpecKey, context: "an inline value's configuration", into: &diagnostics)
                spec = SchedulerSpec.read(map, reserved: [], over: spec, context: context, into: &diagnostics)
            } catch let failure as Failure {
                throw failure
            } catch {
                let (message, _, column) = YAMLErrors.describe(error)
                throw Failure(message: "invalid configuration: \(message)", offset: open + max(0, column - 1))
            }
            if let first = diagnostics.first(where: { $0.severity == .error }) { throw Failure(message: first.message, offset: open, diagnostic: first) }
            i = close + 1
        }
        guard i < end, scalars[i] == "." else { throw Failure(message: "expected '.' and a quantity after '\(target)'", offset: i) }
        i += 1
        let quantityStart = i
        let quantityName = identifier()
        guard let quantity = ScheduleQuantity(name: quantityName) else {
            let names = ScheduleQuantity.allCases.map(\.rawValue)
            throw Failure(message: "unknown quantity '\(quantityName)'", offset: quantityStart,
                          notes: (Spelling.closest(to: quantityName, in: names).map { ["did you mean '\($0)'?"] } ?? []) + ["quantities: \(names.joined(separator: ", "))"])
        }
        let (index, indexAt) = try bracketedInteger(after: quantityName, what: "timestep")
        return .schedule(spec, quantity, index: index, indexAt: indexAt)
    }

    /// `id.label[steps]` or `id["label"][steps]`
    private mutating func experimentReference(_ id: String, _ results: ExperimentResults, at start: Int) throws -> Node {
        let labelAt: Int
        let label: String
        if i < end, scalars[i] == "." {
            i += 1
            labelAt = i
            label = identifier()
            guard !label.isEmpty else { throw Failure(message: "expected a sampler label after '\(id).'", offset: labelAt) }
        } else if i < end, scalars[i] == "[" {
            i += 1
            skipSpaces()
            labelAt = i
            guard i < end, scalars[i] == "\"" || scalars[i] == "'" else {
                throw Failure(message: "expected a quoted sampler label, as in \(id)[\"DPM-Solver++ 2M\"][20]", offset: i)
            }
            let quote = scalars[i]
            i += 1
            var text = ""
            while i < end, scalars[i] != quote { text.unicodeScalars.append(scalars[i]); i += 1 }
            guard i < end else { throw Failure(message: "the quoted label is not closed", offset: labelAt) }
            i += 1
            skipSpaces()
            guard i < end, scalars[i] == "]" else { throw Failure(message: "expected ']' after the label", offset: i) }
            i += 1
            label = text
        } else {
            throw Failure(message: "expected '.label[steps]' or '[\"label\"][steps]' after experiment '\(id)'", offset: i)
        }
        guard results.samplers.contains(label) else {
            var notes: [String] = []
            if let guess = Spelling.closest(to: label, in: results.samplers) { notes.append("did you mean '\(guess)'?") }
            notes.append("samplers: \(results.samplers.joined(separator: ", "))")
            throw Failure(message: "experiment '\(id)' has no sampler '\(label)'", offset: labelAt, notes: notes)
        }
        let (steps, stepsAt) = try bracketedInteger(after: label, what: "step count")
        guard results.steps.contains(steps) else {
            throw Failure(message: "experiment '\(id)' did not run \(steps) steps", offset: stepsAt,
                          notes: ["steps: \(results.steps.map(String.init).joined(separator: ", "))"])
        }
        return .experiment(id: id, sampler: label, steps: steps, at: start, labelAt: labelAt, stepsAt: stepsAt)
    }

    // MARK: Evaluation

    /// The value of a parsed expression.
    static func evaluate(_ node: Node, context: DirectiveContext, evaluator: inout QuantityEvaluator) -> Result<Double, Failure> {
        do { return .success(try value(node, context: context, evaluator: &evaluator)) } catch let failure as Failure { return .failure(failure) } catch {
            return .failure(Failure(message: "\(error)", offset: 0))
        }
    }

    private static func value(_ node: Node, context: DirectiveContext, evaluator: inout QuantityEvaluator) throws -> Double {
        switch node {
        case let .number(x):
            return x
        case let .schedule(spec, quantity, index, indexAt):
            var diagnostics: [Diagnostic] = []
            guard let values = evaluator.values(quantity, for: spec, diagnostics: &diagnostics) else {
                let first = diagnostics.first(where: { $0.severity == .error }) ?? diagnostics.first ?? .error("value.failed", "could not compute the value", at: spec.location)
                throw Failure(message: first.message, offset: indexAt, diagnostic: first)
            }
            let k = index < 0 ? values.count + index : index
            guard values.indices.contains(k) else {
                let what = quantity.isInference ? "step" : (quantity == .finalAlphaCumprod ? "index" : "timestep")
                throw Failure(message: "\(what) \(index) is outside the schedule (0…\(values.count - 1))", offset: indexAt)
            }
            return values[k]
        case let .experiment(id, sampler, steps, _, _, stepsAt):
            guard let x = context.experiments[id]?.error(sampler: sampler, steps: steps) else {
                throw Failure(message: "experiment '\(id)' has no result for '\(sampler)' at \(steps) steps", offset: stepsAt)
            }
            return x
        case let .negate(inner):
            return -(try value(inner, context: context, evaluator: &evaluator))
        case let .binary(op, l, r, at):
            let a = try value(l, context: context, evaluator: &evaluator), b = try value(r, context: context, evaluator: &evaluator)
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            default:
                guard b != 0 else { throw Failure(message: "division by zero", offset: at) }
                return a / b
            }
        case let .call(name, argument, at):
            let x = try value(argument, context: context, evaluator: &evaluator)
            if name == "sqrt", x < 0 { throw Failure(message: "sqrt of a negative number (\(Expectations.number(x)))", offset: at) }
            if name == "log" || name == "log10", !(x > 0) { throw Failure(message: "\(name) of a number that is not positive (\(Expectations.number(x)))", offset: at) }
            return functions[name]!(x)
        }
    }

    // MARK: Lexical pieces

    private mutating func skipSpaces() { while i < end, scalars[i] == " " { i += 1 } }

    private mutating func identifier() -> String {
        var s = ""
        while i < end, scalars[i].properties.isAlphabetic || ("0"..."9").contains(scalars[i]) || scalars[i] == "_" {
            s.unicodeScalars.append(scalars[i])
            i += 1
        }
        return s
    }

    /// A decimal such as `12`, `0.5`, `1e-3`.
    private mutating func number() throws -> Double {
        let start = i
        var text = ""
        func digits() { while i < end, ("0"..."9").contains(scalars[i]) { text.unicodeScalars.append(scalars[i]); i += 1 } }
        digits()
        if i < end, scalars[i] == "." { text += "."; i += 1; digits() }
        if i < end, scalars[i] == "e" || scalars[i] == "E" {
            let mark = i
            var exponent = "e"
            i += 1
            if i < end, scalars[i] == "+" || scalars[i] == "-" { exponent.unicodeScalars.append(scalars[i]); i += 1 }
            let before = i
            while i < end, ("0"..."9").contains(scalars[i]) { exponent.unicodeScalars.append(scalars[i]); i += 1 }
            if i == before { i = mark } else { text += exponent }
        }
        guard let x = Double(text), text != "." else { throw Failure(message: "'\(text)' is not a number", offset: start) }
        return x
    }

    /// `[integer]` after a name; returns the integer and where it is written.
    private mutating func bracketedInteger(after name: String, what: String) throws -> (Int, Int) {
        guard i < end, scalars[i] == "[" else { throw Failure(message: "expected '[…]', a \(what), after '\(name)'", offset: i) }
        i += 1
        let start = i
        var text = ""
        while i < end, scalars[i] != "]" { text.unicodeScalars.append(scalars[i]); i += 1 }
        guard i < end else { throw Failure(message: "'[' is not closed", offset: start - 1) }
        guard let n = Int(text.trimmingCharacters(in: [" "])) else { throw Failure(message: "expected an integer \(what) in '[…]'", offset: start) }
        i += 1
        return (n, start)
    }
}
