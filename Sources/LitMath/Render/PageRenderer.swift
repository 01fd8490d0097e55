/// Renders a parsed page (with its formulas typeset) into a complete HTML document.
enum PageRenderer {
    /// An article's HTML and what the page around it needs to know.
    struct Article {
        var content: [HTMLNode]
        /// Headings (level, id, plain text) in page order, for templates and search.
        var headings: [(level: Int, id: String, text: String)]
        /// The table of contents (its entries typeset like the headings), when the page has one.
        var toc: HTMLNode?
        var hasOwnHeading: Bool
    }

    /// `references`: the page's resolved `\ref` / `\eqref` by reference index (from
    /// `CrossReferences.resolve`); an unresolved one is shown as written.
    static func render(_ page: Page, template: PageTemplate, references: [Int: ResolvedReference] = [:],
                       math: @escaping (Int) -> String, highlight: @escaping (String, String) -> HTMLNode? = { _, _ in nil }) -> String {
        template.document(document(page, article: article(page, references: references, math: math, highlight: highlight)))
    }

    /// The template's view of a rendered article.
    static func document(_ page: Page, article: Article) -> PageTemplate.Page {
        PageTemplate.Page(title: page.title, description: page.frontMatter.description, path: page.outputPath, source: page.sourcePath,
                          frontMatter: page.frontMatter, content: article.content, hasOwnHeading: article.hasOwnHeading,
                          headings: article.headings, toc: article.toc)
    }

    /// The article's HTML, without the page around it.
    static func article(_ page: Page, references: [Int: ResolvedReference] = [:], math: @escaping (Int) -> String,
                        highlight: @escaping (String, String) -> HTMLNode? = { _, _ in nil }) -> Article {
        let directives = page.directivesByLine
        let spans = page.math
        let values = page.inlineValues
        let renderValue: (Int) -> HTMLNode = { i in
            let value = values[i]
            return .el("span", [("class", "lm-value"), ("title", "\(value.expression), computed by DiffusionSchedulers")], [value.format.html(value.computed)])
        }
        // A labelled display formula carries its label as the id to link to.
        let typeset: (Int) -> String = { i in
            guard let label = spans[i].label else { return math(i) }
            return HTMLNode.el("span", [("class", "lm-equation"), ("id", label)], [.raw(math(i))]).rendered
        }
        // Footnote references: the k-th reference to a note gets the k-th back-link id.
        var footnoteOf: [Int: (note: Footnote, occurrence: Int)] = [:]
        for note in page.footnotes {
            for (occurrence, index) in note.references.enumerated() { footnoteOf[index] = (note, occurrence) }
        }
        let emitted = EmittedIDs()
        let renderReference: (Int) -> HTMLNode = { i in
            let reference = page.references[i]
            if reference.kind == .footnote, let (note, occurrence) = footnoteOf[i] {
                let id = note.referenceID(occurrence)
                emitted.ids.insert(id)
                return .el("sup", [("class", "lm-fnref")], [
                    .el("a", [("id", id), ("href", "#" + note.id), ("role", "doc-noteref"), ("aria-label", "Footnote \(note.number)")],
                        text: String(note.number)),
                ])
            }
            guard let resolved = references[i] else { return .text(reference.source) }
            return .el("a", [("class", "lm-ref"), ("href", resolved.href)], text: resolved.text)
        }
        var renderer = HTMLRenderer(
            math: typeset,
            mathSource: { spans[$0].source },
            value: renderValue,
            valueSource: { values[$0].span.sourceText },
            directive: { _ in nil })
        renderer.highlight = highlight
        renderer.reference = renderReference
        renderer.referenceSource = { page.references[$0].source }
        renderer.imageSource = { ContentPath.pageURL($0, from: page.sourcePath) }
        // Label text in directive figures, which may hold formula, value and reference placeholders.
        let inline: (String) -> HTMLNode = { [renderer] text in .fragment(renderer.renderText(text)) }
        // Captions and plot headings are one paragraph of Markdown (code spans, emphasis, links);
        // text that cmark would read as another block (a list, a heading) stays plain.
        let markdown: (String) -> HTMLNode = { [renderer] text in
            let blocks = MarkdownDocument.parse(text, file: page.displayPath).blocks
            guard blocks.count == 1, case let .paragraph(inlines) = blocks[0] else { return .fragment(renderer.renderText(text)) }
            var copy = renderer
            return .fragment(copy.render(inlines))
        }
        renderer.directive = { line in
            guard let result = directives[line] else { return nil }
            return FigureRenderer.render(result, number: page.directiveNumbers[result.id], inline: inline, markdown: markdown,
                                         dataHref: PlotData.fileName(page: page.outputPath, id: result.id))
        }
        renderer.after = { line in
            (page.exampleFigures[line] ?? []).enumerated().map { j, output in
                let id: String
                switch output {
                case let .plot(plot): id = plot.id
                case let .table(table): id = table.id
                default: id = "example-figure-\(line)-\(j)"
                }
                return FigureRenderer.render(output, id: id, inline: inline)
            }
        }
        // Ids the generator gives out are reserved first, so headings never take them.
        renderer.reserve(page.footnotes.flatMap { note in [note.id] + note.references.indices.map(note.referenceID) })
        renderer.reserve(page.targets.values.map(\.anchor))
        var content = renderer.render(page.blocks)
        let toc = TableOfContents.render(renderer.headings, content: renderer.tocContent)
        renderer.collectsHeadings = false
        if let footnotes = FootnotesSection.render(page.footnotes, renderer: &renderer, emitted: emitted) { content.append(footnotes) }
        let hasOwnHeading = page.blocks.contains { if case .heading(1, _, _) = $0 { true } else { false } }
        let headings = renderer.headings.map { (level: $0.level, id: $0.id, text: renderer.plain($0.content)) }
        return Article(content: content, headings: headings, toc: toc, hasOwnHeading: hasOwnHeading)
    }

    /// The ids of the footnote references actually rendered (the back-links' targets).
    final class EmittedIDs {
        var ids: Set<String> = []
    }
}

/// The footnotes at the end of an article: a numbered list, each note with a back-link to every
/// place that refers to it.
enum FootnotesSection {
    static func render(_ footnotes: [Footnote], renderer: inout HTMLRenderer, emitted: PageRenderer.EmittedIDs) -> HTMLNode? {
        guard !footnotes.isEmpty else { return nil }
        // Notes may refer to notes: render every body before collecting back-links.
        let bodies = footnotes.map { renderer.render($0.blocks) }
        let headingID = renderer.uniqueID("footnotes")
        let items = zip(footnotes, bodies).map { note, body -> HTMLNode in
            var backLinks: [HTMLNode] = []
            for occurrence in note.references.indices where emitted.ids.contains(note.referenceID(occurrence)) {
                let label = occurrence == 0 ? "Back to reference \(note.number)" : "Back to reference \(note.number)-\(occurrence + 1)"
                backLinks.append(.text(" "))
                backLinks.append(.el("a", [("class", "lm-fnback"), ("href", "#" + note.referenceID(occurrence)), ("role", "doc-backlink"),
                                           ("aria-label", label)],
                                     occurrence == 0 ? [.text("↩\u{FE0E}")] : [.text("↩\u{FE0E}"), .el("sup", [], text: String(occurrence + 1))]))
            }
            var blocks = body
            // Back-links go at the end of the last paragraph, or in a paragraph of their own.
            if case let .element("p", attributes, children)? = blocks.last {
                blocks[blocks.count - 1] = .element("p", attributes, children + backLinks)
            } else if !backLinks.isEmpty {
                blocks.append(.el("p", [], Array(backLinks.dropFirst())))
            }
            return .el("li", [("id", note.id)], blocks)
        }
        return .el("section", [("class", "lm-footnotes"), ("aria-labelledby", headingID)], [
            .el("h2", [("id", headingID)], text: "Footnotes"),
            .el("ol", [], items),
        ])
    }
}

/// The table of contents of a page: its h2 and h3 headings, h3 nested under the h2 before them.
enum TableOfContents {
    /// The `<nav>`, or nil when the page has fewer than two such headings.
    static func render(_ headings: [(level: Int, id: String, content: [MarkdownInline])], content: ([MarkdownInline]) -> [HTMLNode]) -> HTMLNode? {
        let shown = headings.filter { $0.level == 2 || $0.level == 3 }
        guard shown.count >= 2 else { return nil }
        var items: [(entry: HTMLNode, children: [HTMLNode])] = []
        for heading in shown {
            let entry = HTMLNode.el("a", [("href", "#" + heading.id)], content(heading.content))
            if heading.level == 3, !items.isEmpty {
                items[items.count - 1].children.append(.el("li", [], [entry]))
            } else {
                items.append((entry, []))
            }
        }
        return .el("nav", [("class", "lm-toc"), ("aria-label", "On this page")], [
            .el("p", [("class", "lm-toc-title")], text: "On this page"),
            .el("ol", [], items.map { item in
                .el("li", [], [item.entry] + (item.children.isEmpty ? [] : [.el("ol", [], item.children)]))
            }),
        ])
    }
}
