/// A reference written in prose: a footnote `[^label]`, or `\ref{label}` / `\eqref{label}` to
/// a numbered equation, figure or table (on this page, or on another as `ddpm.md#eq:name`).
///
/// Found by `MathExtractor` while it protects math, so references inside code or formulas are
/// never taken for one, and each knows its exact position in the file.
public struct ReferenceSpan: Sendable, Equatable {
    /// What kind of reference.
    public enum Kind: String, Sendable, Equatable {
        /// `[^label]`: a footnote.
        case footnote
        /// `\ref{label}`: the number of an equation, figure or table.
        case ref
        /// `\eqref{label}`: an equation's number in parentheses.
        case eqref
    }

    /// What kind of reference.
    public var kind: Kind
    /// The label as written between the brackets or braces (for `\ref`, possibly `page.md#label`).
    public var label: String
    /// Where the reference starts (its `[` or `\`).
    public var location: SourceLocation
    /// The reference as written, restored verbatim where it cannot be rendered (in alt text, say).
    public var source: String

    /// For a cross-page reference `ddpm.md#eq:x`, the article path (`ddpm.md`); otherwise nil.
    public var page: String? {
        guard let hash = label.firstIndex(of: "#"), label[..<hash].hasSuffix(".md") else { return nil }
        return String(label[..<hash])
    }

    /// The label without its article path.
    public var name: String {
        guard page != nil, let hash = label.firstIndex(of: "#") else { return label }
        return String(label[label.index(after: hash)...])
    }

    /// Whether `scalar` may appear in a footnote label: letters, digits, `-`, `_`, `.` and `:`
    /// (so the label can be part of an id and a URL fragment as it is).
    static func isFootnoteLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            || scalar == "-" || scalar == "_" || scalar == "." || scalar == ":"
    }
}
