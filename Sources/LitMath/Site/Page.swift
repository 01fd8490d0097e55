/// An article after parsing and running its directives, before math is typeset.
public struct Page: Sendable {
    /// Path relative to the content folder, e.g. `ddpm.md`.
    public var sourcePath: String
    /// The path shown in diagnostics, e.g. `content/ddpm.md`.
    public var displayPath: String
    /// Path of the HTML page relative to the output folder, e.g. `ddpm.html`.
    public var outputPath: String
    /// The front matter.
    public var frontMatter: FrontMatter
    /// The Markdown tree (formulas are placeholders).
    public var blocks: [MarkdownBlock]
    /// The page's formulas: those in the text first, then those in directive labels.
    public var math: [MathSpan]
    /// Directive figures by the line of their opening fence.
    public var figures: [Int: Figure]
    /// The page title: front matter, else the first heading, else the file name.
    public var title: String

    /// A directive's output with its labels' math already replaced by placeholders.
    public struct Figure: Sendable {
        public var output: DirectiveOutput
    }
}

/// Parses one article: front matter, math protection, cmark, directives. Pure: text in, page and
/// diagnostics out.
public enum PageParser {
    public static func parse(text: String, sourcePath: String, displayPath: String) -> (Page, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let (matter, body, matterDiagnostics) = FrontMatterParser.split(text, file: displayPath)
        diagnostics += matterDiagnostics
        let extracted = MathExtractor.extract(body, file: displayPath)
        diagnostics += extracted.diagnostics
        let blocks = MarkdownParser.parse(extracted.text)
        var math = extracted.spans

        var figures: [Int: Page.Figure] = [:]
        var directiveIndex = 0
        func visit(_ blocks: [MarkdownBlock]) {
            for block in blocks {
                switch block {
                case let .codeBlock(info, literal, line, column):
                    guard let directive = DirectiveBlock.from(info: info, body: literal, file: displayPath, line: line, column: column) else { continue }
                    switch DirectiveRunner.run(directive, index: directiveIndex) {
                    case var .success(output):
                        // Labels may hold math: protect it like the article's own.
                        func protect(_ label: String) -> String {
                            let r = MathExtractor.extract(label, file: displayPath, firstIndex: math.count, origin: directive.location)
                            math += r.spans
                            diagnostics += r.diagnostics
                            return r.text
                        }
                        switch output {
                        case var .table(table):
                            table.caption = table.caption.map(protect)
                            table.headers = table.headers.map(protect)
                            output = .table(table)
                        case var .plot(plot):
                            plot.caption = plot.caption.map(protect)
                            output = .plot(plot)
                        }
                        figures[line] = Page.Figure(output: output)
                    case let .failure(failure):
                        diagnostics += failure.diagnostics
                    }
                    directiveIndex += 1
                case let .blockQuote(children):
                    visit(children)
                case let .list(_, _, _, items):
                    items.forEach(visit)
                default:
                    continue
                }
            }
        }
        visit(blocks)

        let firstHeading = blocks.lazy.compactMap { block -> String? in
            if case let .heading(1, inlines, _) = block { return inlines.plainText } else { return nil }
        }.first
        let stem = sourcePath.hasSuffix(".md") ? String(sourcePath.dropLast(3)) : sourcePath
        let title = matter.title ?? firstHeading.map { MathExtractor.substitute($0, spans: []) { math[$0].tex } } ?? stem
        let page = Page(sourcePath: sourcePath, displayPath: displayPath, outputPath: stem + ".html", frontMatter: matter,
                        blocks: blocks, math: math, figures: figures, title: title)
        return (page, diagnostics)
    }
}
