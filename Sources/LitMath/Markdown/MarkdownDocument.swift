/// An article's Markdown after the block-level passes litmath adds to cmark: the main blocks
/// and the footnote definitions, each parsed.
struct MarkdownDocument: Sendable {
    /// A footnote definition with its body parsed.
    struct Note: Sendable {
        var label: String
        var location: SourceLocation
        var blocks: [MarkdownBlock]
    }

    var blocks: [MarkdownBlock]
    var notes: [Note]
    var diagnostics: [Diagnostic]

    /// Parses math-protected text (`MathExtractor.extract(...).text`): footnote definitions are
    /// taken out, pipe tables replaced by placeholders, and what is left goes to cmark.
    static func parse(_ text: String, file: String) -> MarkdownDocument {
        let (main, definitions) = FootnoteExtractor.extract(text, file: file)
        var diagnostics: [Diagnostic] = []
        var tableCount = 0
        func parse(_ text: String, lineOffset: Int) -> [MarkdownBlock] {
            let (withoutTables, tables) = PipeTableExtractor.extract(text, file: file, firstIndex: tableCount, lineOffset: lineOffset)
            let byIndex = Dictionary(uniqueKeysWithValues: tables.enumerated().map { (tableCount + $0.offset, $0.element) })
            tableCount += tables.count
            let (blocks, found) = MarkdownParser.parse(withoutTables, file: file, lineOffset: lineOffset, tables: byIndex)
            diagnostics += found
            return blocks
        }
        let blocks = parse(main, lineOffset: 0)
        let notes = definitions.map { Note(label: $0.label, location: $0.location, blocks: parse($0.body, lineOffset: $0.firstLine - 1)) }
        return MarkdownDocument(blocks: blocks, notes: notes, diagnostics: diagnostics)
    }
}
