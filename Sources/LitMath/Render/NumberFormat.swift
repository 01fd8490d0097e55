import Foundation

/// How a computed number is shown: significant digits and notation. Deterministic on every
/// platform (C's correctly rounded `%e`), so the same value always prints the same bytes.
public struct NumberFormat: Sendable, Equatable, Codable {
    /// Notation.
    public enum Style: String, Sendable, CaseIterable, Codable {
        /// Plain decimals for 1e-3 ≤ |x| < 1e5, scientific otherwise.
        case auto
        /// Always `m × 10ⁿ`.
        case scientific
        /// Always plain decimals.
        case fixed
        /// `x × 100` with a percent sign.
        case percent
        /// Rounded to a whole number, no decimal point: timesteps and step counts (`901`, not `901.0`).
        case integer
    }

    /// Significant digits (1…17).
    public var digits: Int
    /// Notation.
    public var style: Style

    /// Creates a format.
    public init(digits: Int = 4, style: Style = .auto) {
        self.digits = min(max(digits, 1), 17)
        self.style = style
    }

    /// The number as text, e.g. `4.036e-05` → "4.036×10⁻⁵" when `unicode` is true, else "4.036e-05".
    public func string(_ value: Double, unicode: Bool = true) -> String {
        let parts = self.parts(value)
        guard let exponent = parts.exponent else { return parts.mantissa + parts.suffix }
        if unicode { return parts.mantissa + "×10" + Self.superscript(exponent) + parts.suffix }
        return parts.mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent)) + parts.suffix
    }

    /// The number as HTML: scientific notation with a real superscript.
    public func html(_ value: Double) -> HTMLNode {
        let parts = self.parts(value)
        guard let exponent = parts.exponent else { return .text(parts.mantissa + parts.suffix) }
        return .fragment([.text(parts.mantissa + " × 10"), .el("sup", text: Self.minusSign(String(exponent))), .text(parts.suffix)])
    }

    /// Mantissa text, optional power of ten, and suffix.
    func parts(_ value: Double) -> (mantissa: String, exponent: Int?, suffix: String) {
        if value.isNaN { return ("NaN", nil, "") }
        if value.isInfinite { return (value < 0 ? "−∞" : "∞", nil, "") }
        if value == 0 { return ("0", nil, style == .percent ? "%" : "") }
        // Whole numbers beyond 1e15 are not exact in a Double's decimal form: scientific as usual.
        if style == .integer, abs(value) < 1e15 { return (Self.minusSign(String(format: "%.0f", value.rounded())), nil, "") }
        var v = value
        var suffix = ""
        if style == .percent { v *= 100; suffix = "%" }
        let e = String(format: "%.\(digits - 1)e", v)
        guard let mark = e.firstIndex(of: "e"), let exponent = Int(e[e.index(after: mark)...]) else { return (e, nil, suffix) }
        let mantissa = String(e[..<mark])
        let useScientific: Bool
        switch style {
        case .scientific: useScientific = true
        case .fixed, .percent: useScientific = false
        case .integer: useScientific = true  // only reached beyond 1e15
        case .auto: useScientific = exponent < -3 || exponent >= 5
        }
        if useScientific {
            return (Self.minusSign(mantissa), exponent, suffix)
        }
        // Fixed notation with the same significant digits: digits after the point = digits-1-exponent.
        let decimals = max(0, digits - 1 - exponent)
        return (Self.minusSign(String(format: "%.\(decimals)f", v)), nil, suffix)
    }

    /// The format a column of `values` is shown in, so that a column never mixes notations: whole
    /// numbers (timesteps, step counts) as integers; with `auto`, fixed decimals when every value
    /// lies between 1e-5 and 1e5 (so 0.9999 down to 0.00004036 align on the decimal point), else
    /// scientific for the whole column (no `× 10⁰` beside plain decimals, and no 0.000000002429).
    /// Other styles are kept as chosen.
    public func forColumn(_ values: [Double]) -> NumberFormat {
        guard style == .auto else { return self }
        let finite = values.filter(\.isFinite)
        if !finite.isEmpty, finite.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) {
            return NumberFormat(digits: digits, style: .integer)
        }
        let scientific = finite.contains { value in
            guard value != 0 else { return false }
            let exponent = Self.decimalExponent(value, digits: digits)
            return exponent < -5 || exponent >= 5
        }
        return NumberFormat(digits: digits, style: scientific ? .scientific : .fixed)
    }

    /// Whether a value is shown as a whole number without a pin or a chosen notation: a value
    /// that is one, which is what timesteps and step indices always are.
    static func isWhole(_ value: Double) -> Bool { value.isFinite && value == value.rounded() && abs(value) < 1e15 }

    /// The power of ten of `value` after rounding to `digits` significant digits (9.9996 at 4 digits is 10).
    static func decimalExponent(_ value: Double, digits: Int) -> Int {
        let e = String(format: "%.\(digits - 1)e", value)
        guard let mark = e.firstIndex(of: "e"), let exponent = Int(e[e.index(after: mark)...]) else { return 0 }
        return exponent
    }

    static func minusSign(_ s: String) -> String { s.replacingOccurrences(of: "-", with: "−") }

    static func superscript(_ n: Int) -> String {
        let map: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return String(String(n).map { map[$0] ?? $0 })
    }
}
