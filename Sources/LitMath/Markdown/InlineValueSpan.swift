/// An inline value as written in prose: `` {value}`sd.alpha_cumprod[999] = 4.036e-05` ``.
public struct InlineValueSpan: Sendable, Equatable {
    /// The code span's content: the expression and, after `=`, the pinned claim.
    public var source: String
    /// Where `source` starts in the file.
    public var location: SourceLocation
    /// The whole construct as written, `{value}` and backticks included.
    public var sourceText: String
}
