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
    /// The figures the page's Swift examples showed, as `bless` recorded them, by the example's
    /// opening fence line: drawn under the example's code.
    public var exampleFigures: [Int: [DirectiveOutput]] = [:]
    /// The inline values, in page order (placeholder `i` is `inlineValues[i]`).
    public var inlineValues: [InlineValue]
    /// The page title: front matter, else the first heading, else the file name.
    public var title: String
    /// Footnote references and `\ref` / `\eqref` (placeholder `i` is `references[i]`).
    public var references: [ReferenceSpan] = []
    /// The footnotes, in number order.
    public var footnotes: [Footnote] = []
    /// Everything numbered on the page that has a label, by label.
    public var targets: [String: NumberedTarget] = [:]
    /// The figure or table number of each numbered directive, by directive id.
    public var directiveNumbers: [String: Int] = [:]
    /// Every link and image, with where it is written.
    public var links: [MarkdownLink] = []

    /// Directive results by the line of their opening fence.
    var directivesByLine: [Int: DirectiveResult] {
        Dictionary(directives.map { ($0.block.line, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

/// Parses one article: front matter, math protection, cmark, directives, inline values.
/// Pure: text in, page and diagnostics out.
public enum PageParser {
    public static func parse(text: String, sourcePath: String, displayPath: String, cache: BuildCache? = nil) -> (Page, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let (matter, body, matterDiagnostics) = FrontMatterParser.split(text, file: displayPath)
        diagnostics += matterDiagnostics
        let extracted = MathExtractor.extract(body, file: displayPath)
        diagnostics += extracted.diagnostics
        let document = MarkdownDocument.parse(extracted.text, file: displayPath)
        diagnostics += document.diagnostics
        var math = extracted.spans
        var references = extracted.references
        let (equations, labelDiagnostics) = EquationLabels.number(&math)
        diagnostics += labelDiagnostics

        // Every define of the page, before any directive runs: a use above its definition can then say where it is.
        func directiveBlocks(_ blocks: [MarkdownBlock]) -> [DirectiveBlock] {
            blocks.flatMap { block -> [DirectiveBlock] in
                switch block {
                case let .codeBlock(info, literal, line, column):
                    return DirectiveBlock.from(info: info, body: literal, file: displayPath, line: line, column: column).map { [$0] } ?? []
                case let .blockQuote(children), let .callout(_, _, children): return directiveBlocks(children)
                case let .list(_, _, _, items): return items.flatMap(directiveBlocks)
                default: return []
                }
            }
        }
        var context = DirectiveContext(announcing: directiveBlocks(document.blocks))
        var directives: [DirectiveResult] = []
        // What a directive's result depends on besides its own body: the definitions before it.
        var definitionSources: [String] = []
        // Labels may hold math: protect it like the article's own.
        func protect(_ label: String, at location: SourceLocation) -> String {
            let r = MathExtractor.extract(label, file: displayPath, firstIndex: math.count, firstReferenceIndex: references.count, origin: location)
            math += r.spans
            references += r.references
            diagnostics += r.diagnostics
            return r.text
        }
        func visit(_ blocks: [MarkdownBlock]) {
            for block in blocks {
                switch block {
                case let .codeBlock(info, literal, line, column):
                    guard let directive = DirectiveBlock.from(info: info, body: literal, file: displayPath, line: line, column: column) else { continue }
                    let ordinal = (context.ordinals[directive.kind] ?? 0) + 1
                    let key = cache?.directiveKey(directive, definitions: definitionSources + ["#\(ordinal)"])
                    let outcome: Result<DirectiveResult, DirectiveFailure>
                    if directive.kind != "define", let key, let cached = cache?.directive(key, for: directive),
                       !context.usedIDs.contains(cached.id) {
                        context.ordinals[directive.kind] = ordinal
                        context.usedIDs.insert(cached.id)
                        if let experiment = cached.experiment { context.experiments[cached.id] = experiment }
                        outcome = .success(cached)
                    } else {
                        outcome = DirectiveRunner.run(directive, context: &context)
                        if directive.kind == "define" { definitionSources.append(directive.body) }
                        if case let .success(result) = outcome, directive.kind != "define", let key { cache?.storeDirective(result, key: key) }
                    }
                    switch outcome {
                    case var .success(result):
                        diagnostics += result.warnings
                        switch result.output {
                        case var .table(table):
                            table.caption = table.caption.map { protect($0, at: directive.location) }
                            table.headers = table.headers.map { protect($0, at: directive.location) }
                            result.output = .table(table)
                        case var .plot(plot):
                            plot.caption = plot.caption.map { protect($0, at: directive.location) }
                            plot.heading = plot.heading.map { protect($0, at: directive.location) }
                            if let caption = plot.companionTable?.caption { plot.companionTable?.caption = protect(caption, at: directive.location) }
                            // Axis labels with math are typeset too (drawn in the SVG through foreignObject).
                            if plot.xLabel.contains("$") || plot.xLabel.contains("\\(") { plot.xLabelMath = protect(plot.xLabel, at: directive.location) }
                            if plot.yLabel.contains("$") || plot.yLabel.contains("\\(") { plot.yLabelMath = protect(plot.yLabel, at: directive.location) }
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
                case let .blockQuote(children), let .callout(_, _, children):
                    visit(children)
                case let .list(_, _, _, items):
                    items.forEach(visit)
                default:
                    continue
                }
            }
        }
        visit(document.blocks)

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

        let (notes, footnoteDiagnostics) = FootnoteNumbering.number(document.notes, references: references)
        diagnostics += footnoteDiagnostics
        let sourceLines = BlockLines.split(text)
        let numbered = PageNumbering.number(blocks: document.blocks, footnotes: notes,
                                            directives: Dictionary(directives.map { ($0.block.line, $0) }, uniquingKeysWith: { a, _ in a }),
                                            file: displayPath, sourceLines: sourceLines)
        diagnostics += numbered.diagnostics
        let blocks = numbered.blocks
        var targets: [String: NumberedTarget] = [:]
        for target in (equations + numbered.targets).sorted(by: { $0.location < $1.location }) {
            if let first = targets[target.label] {
                diagnostics.append(.error("label.duplicate", "label '\(target.label)' is used twice on this page", at: target.location,
                                          notes: ["first used at \(first.location) for \(first.kind.word) \(first.text)"]))
            } else {
                targets[target.label] = target
            }
        }
        let links = MarkdownLink.collect(blocks + numbered.footnotes.flatMap(\.blocks), file: displayPath, sourceLines: sourceLines)
        for link in links {
            guard let (message, note) = URLPolicy.refusal(of: link.url, isImage: link.isImage) else { continue }
            diagnostics.append(.error("link.scheme", message, at: link.location, notes: [note]))
        }
        for link in links where link.isImage && !ContentPath.isExternal(link.url) && ContentPath.resolve(link.url, from: sourcePath) == nil {
            diagnostics.append(.error("image.outside", "image '\(link.url)' is outside the content folder", at: link.location,
                                      notes: ["images must be files under the content folder, written relative to the article"]))
        }

        let firstHeading = blocks.lazy.compactMap { block -> String? in
            if case let .heading(1, inlines, _) = block { return inlines.plainText } else { return nil }
        }.first
        let stem = sourcePath.hasSuffix(".md") ? String(sourcePath.dropLast(3)) : sourcePath
        let title = matter.title ?? firstHeading.map {
            MathExtractor.substitute($0, math: { math[$0].tex }, value: { inlineValues[$0].format.string(inlineValues[$0].computed) })
        } ?? stem
        let page = Page(sourcePath: sourcePath, displayPath: displayPath, outputPath: stem + ".html", frontMatter: matter,
                        blocks: blocks, math: math, directives: directives, inlineValues: inlineValues, title: title,
                        references: references, footnotes: numbered.footnotes, targets: targets,
                        directiveNumbers: numbered.directiveNumbers, links: links)
        return (page, diagnostics)
    }
}

extension Page {
    /// Where the link quoted in a link-check message (`broken link 'ddpm.html#x': …`) is written.
    func locations(ofLinkIn message: String) -> [SourceLocation] {
        guard let start = message.range(of: "'"), let end = message[start.upperBound...].range(of: "'") else { return [] }
        let href = String(message[start.upperBound..<end.lowerBound])
        return links.filter { !$0.isImage && HTMLRenderer.rewriteLink($0.url) == href }.map(\.location)
    }
}
