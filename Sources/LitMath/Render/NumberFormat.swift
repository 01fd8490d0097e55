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
        case .auto: useScientific = exponent < -3 || exponent >= 5
        }
        if useScientific {
            return (Self.minusSign(mantissa), exponent, suffix)
        }
        // Fixed notation with the same significant digits: digits after the point = digits-1-exponent.
        let decimals = max(0, digits - 1 - exponent)
        return (Self.minusSign(String(format: "%.\(decimals)f", v)), nil, suffix)
    }

    static func minusSign(_ s: String) -> String { s.replacingOccurrences(of: "-", with: "−") }

    static func superscript(_ n: Int) -> String {
        let map: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return String(String(n).map { map[$0] ?? $0 })
    }
}
