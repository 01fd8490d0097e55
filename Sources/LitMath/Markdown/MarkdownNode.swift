/// A Markdown block, as cmark parsed it, copied into plain Swift values.
///
/// Owning the tree (rather than walking cmark's C nodes while rendering) keeps every later
/// stage a pure function of a value.
public indirect enum MarkdownBlock: Sendable, Equatable {
    case paragraph([MarkdownInline])
    case heading(level: Int, [MarkdownInline], line: Int)
    case blockQuote([MarkdownBlock])
    case list(ordered: Bool, start: Int, tight: Bool, items: [[MarkdownBlock]])
    /// A fenced or indented code block; `line`/`column` locate the opening fence.
    case codeBlock(info: String, literal: String, line: Int, column: Int)
    case htmlBlock(String, line: Int)
    case thematicBreak
}

/// A Markdown inline.
public indirect enum MarkdownInline: Sendable, Equatable {
    case text(String)
    case softBreak
    case lineBreak
    case code(String)
    case html(String)
    case emphasis([MarkdownInline])
    case strong([MarkdownInline])
    case link(url: String, title: String, [MarkdownInline])
    case image(url: String, title: String, [MarkdownInline])
}

extension Array where Element == MarkdownInline {
    /// The text of these inlines with markup removed (for ids, titles and alt text).
    var plainText: String {
        map { inline -> String in
            switch inline {
            case let .text(s), let .code(s): return s
            case .softBreak, .lineBreak: return " "
            case .html: return ""
            case let .emphasis(c), let .strong(c), let .link(_, _, c), let .image(_, _, c): return c.plainText
            }
        }.joined()
    }
}
