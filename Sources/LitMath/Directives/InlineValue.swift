import Foundation
import Yams

/// A number in prose, computed at build time, with the author's claim about it.
///
/// `` {value}`sd.alpha_cumprod[999] = 4.036e-05` `` shows the computed number with the precision
/// and notation of the pin. The left side may also be an experiment's result
/// (`` samplers["DPM-Solver++ 2M"][20] ``) and arithmetic over such references (see `PinExpression`); `check` fails when the computed number no longer rounds to the pin
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
        // Split off the pin at the first '=' outside parentheses, brackets and quoted labels.
        let equals = PinExpression.pinSeparator(scalars)
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

        func failure(_ f: PinExpression.Failure) -> Result<InlineValue, Diagnostic> {
            if let placed = f.diagnostic { return .failure(placed) }
            return fail(f.message, at: f.offset, notes: f.notes)
        }
        let node: PinExpression.Node
        switch PinExpression.parse(scalars, end: expressionEnd, context: context, location: location) {
        case let .success(parsed): node = parsed
        case let .failure(f): return failure(f)
        }
        var evaluator = QuantityEvaluator()
        let computed: Double
        switch PinExpression.evaluate(node, context: context, evaluator: &evaluator) {
        case let .success(value): computed = value
        case let .failure(f): return failure(f)
        }
        let expression = String(String.UnicodeScalarView(scalars[0..<expressionEnd])).trimmingCharacters(in: [" "])
        // Without a pin, a whole number (a timestep, a step count) is shown as one: 901, not 901.0.
        let format = pin?.format ?? NumberFormat(style: NumberFormat.isWhole(computed) ? .integer : .auto)
        return .success(InlineValue(span: span, expression: expression, pin: pin, computed: computed, format: format))
    }
}
