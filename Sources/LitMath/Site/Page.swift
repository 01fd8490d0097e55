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
    /// The Markdown tree (formulas and inline values are placeholders).
    public var blocks: [MarkdownBlock]
    /// The page's formulas: those in the text first, then those in directive labels.
    public var math: [MathSpan]
    /// The directives that ran, in page order (their labels' math already placeholders).
    public var directives: [DirectiveResult]
    /// The inline values, in page order (placeholder `i` is `inlineValues[i]`).
    public var inlineValues: [InlineValue]
    /// The page title: front matter, else the first heading, else the file name.
    public var title: String

    /// Directive results by the line of their opening fence.
    var directivesByLine: [Int: DirectiveResult] {
        Dictionary(directives.map { ($0.block.line, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

/// Parses one article: front matter, math protection, cmark, directives, inline values.
/// Pure: text in, page and diagnostics out.
public enum PageParser {
    public static func parse(text: String, sourcePath: String, displayPath: String) -> (Page, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let (matter, body, matterDiagnostics) = FrontMatterParser.split(text, file: displayPath)
        diagnostics += matterDiagnostics
        let extracted = MathExtractor.extract(body, file: displayPath)
        diagnostics += extracted.diagnostics
        let blocks = MarkdownParser.parse(extracted.text)
        var math = extracted.spans

        var context = DirectiveContext()
        var directives: [DirectiveResult] = []
        // Labels may hold math: protect it like the article's own.
        func protect(_ label: String, at location: SourceLocation) -> String {
            let r = MathExtractor.extract(label, file: displayPath, firstIndex: math.count, origin: location)
            math += r.spans
            diagnostics += r.diagnostics
            return r.text
        }
        func visit(_ blocks: [MarkdownBlock]) {
            for block in blocks {
                switch block {
                case let .codeBlock(info, literal, line, column):
                    guard let directive = DirectiveBlock.from(info: info, body: literal, file: displayPath, line: line, column: column) else { continue }
                    switch DirectiveRunner.run(directive, context: &context) {
                    case var .success(result):
                        switch result.output {
                        case var .table(table):
                            table.caption = table.caption.map { protect($0, at: directive.location) }
                            table.headers = table.headers.map { protect($0, at: directive.location) }
                            result.output = .table(table)
                        case var .plot(plot):
                            plot.caption = plot.caption.map { protect($0, at: directive.location) }
                            result.output = .plot(plot)
                        case let .value(label, value, format):
                            result.output = .value(label: protect(label, at: directive.location), value: value, format: format)
                        case .definition:
                            break
                        }
                        directives.append(result)
                    case let .failure(failure):
                        diagnostics += failure.diagnostics
                    }
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

        var inlineValues: [InlineValue] = []
        for span in extracted.values {
            switch InlineValue.evaluate(span, context: context) {
            case let .success(value):
                if !value.holds, let pin = value.pin {
                    diagnostics.append(.warning("value.pin", "'\(value.expression)' is \(NumberFormat(digits: 10).string(value.computed, unicode: false)), not \(pin.text) as written",
                                                at: pin.location, notes: ["run 'litmath bless' to update the pin"]))
                }
                inlineValues.append(value)
            case let .failure(diagnostic):
                diagnostics.append(diagnostic)
                inlineValues.append(InlineValue(span: span, expression: span.source, pin: nil, computed: .nan, format: NumberFormat()))
            }
        }

        let firstHeading = blocks.lazy.compactMap { block -> String? in
            if case let .heading(1, inlines, _) = block { return inlines.plainText } else { return nil }
        }.first
        let stem = sourcePath.hasSuffix(".md") ? String(sourcePath.dropLast(3)) : sourcePath
        let title = matter.title ?? firstHeading.map {
            MathExtractor.substitute($0, math: { math[$0].tex }, value: { inlineValues[$0].format.string(inlineValues[$0].computed) })
        } ?? stem
        let page = Page(sourcePath: sourcePath, displayPath: displayPath, outputPath: stem + ".html", frontMatter: matter,
                        blocks: blocks, math: math, directives: directives, inlineValues: inlineValues, title: title)
        return (page, diagnostics)
    }
}
