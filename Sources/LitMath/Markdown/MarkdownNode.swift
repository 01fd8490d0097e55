/// A Markdown block, as cmark parsed it, copied into plain Swift values.
///
/// Owning the tree (rather than walking cmark's C nodes while rendering) keeps every later
/// stage a pure function of a value.
public indirect enum MarkdownBlock: Sendable, Equatable {
    case paragraph([MarkdownInline])
    case heading(level: Int, [MarkdownInline], line: Int)
    case blockQuote([MarkdownBlock])
    /// A block quote that starts with `[!NOTE]` (or `TIP`, `IMPORTANT`, `WARNING`, `CAUTION`),
    /// GitHub's alert syntax; `title` is the rest of that first line, when there is any.
    case callout(CalloutKind, title: [MarkdownInline], [MarkdownBlock])
    case list(ordered: Bool, start: Int, tight: Bool, items: [[MarkdownBlock]])
    /// A fenced or indented code block; `line`/`column` locate the opening fence.
    case codeBlock(info: String, literal: String, line: Int, column: Int)
    case htmlBlock(String, line: Int)
    case thematicBreak
    /// An image alone in its paragraph, with a caption (its title) or a `{#label}` after it.
    case figure(MarkdownFigure)
    /// A pipe table.
    case table(MarkdownTable)
}

/// The kinds of callout, with GitHub's names.
public enum CalloutKind: String, Sendable, Equatable, CaseIterable {
    /// `[!NOTE]`, `[!TIP]`, `[!IMPORTANT]`, `[!WARNING]`, `[!CAUTION]`.
    case note, tip, important, warning, caution

    /// The title shown when the author gives none.
    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

/// An image shown as a figure: `![alt](path "Caption") {#fig:label}`.
public struct MarkdownFigure: Sendable, Equatable {
    /// The image's path or URL as written.
    public var url: String
    /// The image's title, shown as the caption (may hold formula placeholders).
    public var caption: String
    /// The alt text: what the image shows, for readers who cannot see it.
    public var alt: [MarkdownInline]
    /// The `{#label}` after the image, if any.
    public var label: String?
    /// The figure number, when it has a caption; set when the page's figures are numbered.
    public var number: Int?
    /// The file line of the image.
    public var line: Int
}

/// A pipe table with its cells parsed.
public struct MarkdownTable: Sendable, Equatable {
    /// One per column, from the delimiter row.
    public var alignments: [TableAlignment]
    /// The header row's cells.
    public var header: [[MarkdownInline]]
    /// The body rows, each with as many cells as there are columns.
    public var rows: [[[MarkdownInline]]]
    /// The `Table:` caption, if any.
    public var caption: [MarkdownInline]?
    /// The `{#label}` at the end of the caption, if any.
    public var label: String?
    /// The table number, when it has a caption; set when the page's tables are numbered.
    public var number: Int?
    /// The file line of the header row.
    public var line: Int
    /// Where the caption is.
    public var captionLocation: SourceLocation?
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
    /// A link; `line` is the file line where it starts.
    case link(url: String, title: String, [MarkdownInline], line: Int)
    /// An image; `line` is the file line where it starts.
    case image(url: String, title: String, [MarkdownInline], line: Int)
}

extension Array where Element == MarkdownInline {
    /// The text of these inlines with markup removed (for ids, titles and alt text).
    var plainText: String {
        map { inline -> String in
            switch inline {
            case let .text(s), let .code(s): return s
            case .softBreak, .lineBreak: return " "
            case .html: return ""
            case let .emphasis(c), let .strong(c), let .link(_, _, c, _), let .image(_, _, c, _): return c.plainText
            }
        }.joined()
    }
}

extension Array where Element == MarkdownBlock {
    /// Every code block, in document order, including those inside block quotes, callouts and
    /// list items: (info string, code, line, column) — the one walk the code-block readers share.
    var codeBlocks: [(info: String, literal: String, line: Int, column: Int)] {
        var result: [(info: String, literal: String, line: Int, column: Int)] = []
        func visit(_ blocks: [MarkdownBlock]) {
            for block in blocks {
                switch block {
                case let .codeBlock(info, literal, line, column): result.append((info, literal, line, column))
                case let .blockQuote(children), let .callout(_, _, children): visit(children)
                case let .list(_, _, _, items): items.forEach(visit)
                default: continue
                }
            }
        }
        visit(self)
        return result
    }
}
