import Foundation
import Yams

/// A number in prose, computed at build time, with the author's claim about it.
///
/// `` {value}`sd.alpha_cumprod[999] = 4.036e-05` `` shows the computed number with the precision
/// and notation of the pin; `check` fails when the computed number no longer rounds to the pin
/// at the written precision, and `bless` rewrites the pin.
public struct InlineValue: Sendable {
    /// The claim written after `=`.
    public struct Pin: Sendable, Equatable {
        /// The digits as written, e.g. `4.036e-05`.
        public var text: String
        /// Where the pin's first character is.
        public var location: SourceLocation
        /// Its value.
        public var value: Double
        /// Significant digits written.
        public var significantDigits: Int
        /// Whether it was written in e-notation.
        public var scientific: Bool
        /// The power of ten of the last written digit (−8 for 4.036e-05).
        public var lastDigitExponent: Int

        /// Parses a decimal like `4.036e-05`, `0.0786`, `-12`, `1e3`.
        public static func parse(_ text: String, at location: SourceLocation) -> Pin? {
            let scalars = Array(text.unicodeScalars)
            var i = 0
            if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" { i += 1 }
            var digits = ""
            var fractionDigits = 0
            var seenPoint = false
            while i < scalars.count, ("0"..."9").contains(scalars[i]) || (scalars[i] == "." && !seenPoint) {
                if scalars[i] == "." { seenPoint = true } else {
                    digits.unicodeScalars.append(scalars[i])
                    if seenPoint { fractionDigits += 1 }
                }
                i += 1
            }
            guard !digits.isEmpty else { return nil }
            var exponent = 0
            var scientific = false
            if i < scalars.count, scalars[i] == "e" || scalars[i] == "E" {
                scientific = true
                i += 1
                var expText = ""
                if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" { expText.unicodeScalars.append(scalars[i]); i += 1 }
                while i < scalars.count, ("0"..."9").contains(scalars[i]) { expText.unicodeScalars.append(scalars[i]); i += 1 }
                guard let e = Int(expText) else { return nil }
                exponent = e
            }
            guard i == scalars.count, let value = Double(text) else { return nil }
            let trimmed = digits.drop(while: { $0 == "0" })
            let significant = max(1, trimmed.count)
            return Pin(text: text, location: location, value: value, significantDigits: significant,
                       scientific: scientific, lastDigitExponent: exponent - fractionDigits)
        }

        /// Whether `value` rounds to this pin at its written precision.
        public func matches(_ computed: Double) -> Bool {
            guard computed.isFinite else { return false }
            let halfUnit = 0.5 * pow(10, Double(lastDigitExponent))
            return abs(computed - value) <= halfUnit * (1 + 1e-9)
        }

        /// `computed` written with this pin's precision and notation (what `bless` splices in).
        public func rewritten(_ computed: Double) -> String {
            if scientific {
                let mantissaDecimals = max(0, significantDigits - 1)
                var text = String(format: "%.\(mantissaDecimals)e", computed)
                if self.text.contains("E") { text = text.uppercased() }
                return text
            }
            return String(format: "%.\(max(0, -lastDigitExponent))f", computed)
        }

        /// How the page shows a value pinned like this.
        public var format: NumberFormat {
            scientific ? NumberFormat(digits: significantDigits, style: .scientific) : NumberFormat(digits: significantDigits, style: .fixed)
        }
    }

    /// The span as written.
    public var span: InlineValueSpan
    /// The expression left of `=`.
    public var expression: String
    /// The author's claim, if any.
    public var pin: Pin?
    /// The computed number.
    public var computed: Double
    /// How to show it.
    public var format: NumberFormat

    /// Whether the claim (if any) still holds.
    public var holds: Bool { pin?.matches(computed) ?? true }

    /// Evaluates an inline value in the page's context.
    static func evaluate(_ span: InlineValueSpan, context: DirectiveContext) -> Result<InlineValue, Diagnostic> {
        let source = span.source
        let scalars = Array(source.unicodeScalars)
        func location(_ offset: Int) -> SourceLocation {
            var l = span.location
            l.column += offset
            return l
        }
        func fail(_ message: String, at offset: Int = 0, notes: [String] = []) -> Result<InlineValue, Diagnostic> {
            .failure(.error("value.syntax", message, at: location(offset), notes: notes))
        }
        // Split off the pin at the first '=' outside parentheses.
        var depth = 0
        var equals: Int?
        for (k, s) in scalars.enumerated() {
            if s == "(" { depth += 1 } else if s == ")" { depth -= 1 } else if s == "=", depth == 0 { equals = k; break }
        }
        let expressionEnd = equals ?? scalars.count
        var pin: Pin?
        if let equals {
            var start = equals + 1
            while start < scalars.count, scalars[start] == " " { start += 1 }
            var end = scalars.count
            while end > start, scalars[end - 1] == " " { end -= 1 }
            let text = String(String.UnicodeScalarView(scalars[start..<end]))
            guard let parsed = Pin.parse(text, at: location(start)) else {
                return fail("pinned value '\(text)' is not a number", at: start)
            }
            pin = parsed
        }

        // target[(config)].quantity[index]
        var i = 0
        func skipSpaces() { while i < expressionEnd, scalars[i] == " " { i += 1 } }
        func identifier() -> String {
            var s = ""
            while i < expressionEnd, scalars[i].properties.isAlphabetic || ("0"..."9").contains(scalars[i]) || scalars[i] == "_" {
                s.unicodeScalars.append(scalars[i])
                i += 1
            }
            return s
        }
        skipSpaces()
        let targetStart = i
        let target = identifier()
        guard !target.isEmpty else {
            return fail("an inline value looks like `name.quantity[t] = pinned`, e.g. `DDPM.alpha_cumprod[999] = 4.036e-05`")
        }
        var spec: SchedulerSpec
        if let named = context.definitions[target] {
            spec = named
        } else if let kind = SchedulerSpec.Kind(name: target) {
            spec = SchedulerSpec(kind: kind, location: location(targetStart))
        } else {
            let candidates = SchedulerSpec.Kind.allCases.map(\.rawValue) + context.definitions.keys.sorted()
            return fail("unknown scheduler '\(target)'", at: targetStart,
                        notes: (Spelling.closest(to: target, in: candidates).map { ["did you mean '\($0)'?"] } ?? []) + ["available: \(candidates.joined(separator: ", "))"])
        }
        spec.location = location(targetStart)
        var diagnostics: [Diagnostic] = []
        if i < expressionEnd, scalars[i] == "(" {
            let open = i
            var level = 0
            var close: Int?
            for k in i..<expressionEnd {
                if scalars[k] == "(" { level += 1 } else if scalars[k] == ")" { level -= 1; if level == 0 { close = k; break } }
            }
            guard let close else { return fail("'(' is not closed", at: open) }
            let inner = String(String.UnicodeScalarView(scalars[(open + 1)..<close]))
            let base = location(open + 1)
            let place: @Sendable (Yams.Mark?) -> SourceLocation = { mark in
                var l = base
                l.column += (mark?.column ?? 1) - 2  // the YAML is "{" + inner + "}"
                return l
            }
            do {
                guard let node = try Yams.compose(yaml: "{" + inner + "}"), let map = YAMLMap(node, place: place) else {
                    return fail("expected configuration like DDPM(beta_schedule: linear)", at: open)
                }
                map.checkKeys([], alsoAllowed: SchedulerKeys.isSpecKey, context: "an inline value's configuration", into: &diagnostics)
                spec = SchedulerSpec.read(map, reserved: [], over: spec, context: context, into: &diagnostics)
            } catch {
                let (message, _, column) = YAMLErrors.describe(error)
                return fail("invalid configuration: \(message)", at: open + max(0, column - 1))
            }
            i = close + 1
        }
        if let first = diagnostics.first(where: { $0.severity == .error }) { return .failure(first) }
        guard i < expressionEnd, scalars[i] == "." else { return fail("expected '.' and a quantity after '\(target)'", at: i) }
        i += 1
        let quantityStart = i
        let quantityName = identifier()
        guard let quantity = ScheduleQuantity(name: quantityName) else {
            let names = ScheduleQuantity.allCases.map(\.rawValue)
            return fail("unknown quantity '\(quantityName)'", at: quantityStart,
                        notes: (Spelling.closest(to: quantityName, in: names).map { ["did you mean '\($0)'?"] } ?? []) + ["quantities: \(names.joined(separator: ", "))"])
        }
        guard i < expressionEnd, scalars[i] == "[" else { return fail("expected '[t]' after '\(quantityName)'", at: i) }
        i += 1
        let indexStart = i
        var indexText = ""
        while i < expressionEnd, scalars[i] != "]" { indexText.unicodeScalars.append(scalars[i]); i += 1 }
        guard i < expressionEnd, let t = Int(indexText.trimmingCharacters(in: [" "])) else {
            return fail("expected an integer timestep in '[…]'", at: indexStart)
        }
        i += 1
        skipSpaces()
        guard i == expressionEnd else { return fail("unexpected text after ']'", at: i) }

        var evaluator = QuantityEvaluator()
        guard let values = evaluator.values(quantity, for: spec, diagnostics: &diagnostics) else {
            return .failure(diagnostics.first ?? .error("value.failed", "could not compute the value", at: span.location))
        }
        let index = t < 0 ? values.count + t : t
        guard values.indices.contains(index) else {
            return fail("timestep \(t) is outside the schedule (0…\(values.count - 1))", at: indexStart)
        }
        let expression = String(String.UnicodeScalarView(scalars[0..<expressionEnd])).trimmingCharacters(in: [" "])
        return .success(InlineValue(span: span, expression: expression, pin: pin, computed: values[index],
                                    format: pin?.format ?? NumberFormat()))
    }
}
