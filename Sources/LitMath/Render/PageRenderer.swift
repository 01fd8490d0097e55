/// Renders a parsed page (with its formulas typeset) into a complete HTML document.
enum PageRenderer {
    /// An article's HTML and what the page around it needs to know.
    struct Article {
        var content: [HTMLNode]
        /// Headings (level, id, text) in page order, for the table of contents and search.
        var headings: [(level: Int, id: String, text: String)]
        var hasOwnHeading: Bool
    }

    static func render(_ page: Page, template: PageTemplate, math: @escaping (Int) -> String,
                       highlight: @escaping (String, String) -> HTMLNode? = { _, _ in nil }) -> String {
        template.document(document(page, article: article(page, math: math, highlight: highlight)))
    }

    /// The template's view of a rendered article.
    static func document(_ page: Page, article: Article) -> PageTemplate.Page {
        PageTemplate.Page(title: page.title, description: page.frontMatter.description, path: page.outputPath, source: page.sourcePath,
                          frontMatter: page.frontMatter, content: article.content, hasOwnHeading: article.hasOwnHeading,
                          headings: article.headings)
    }

    /// The article's HTML, without the page around it.
    static func article(_ page: Page, math: @escaping (Int) -> String,
                        highlight: @escaping (String, String) -> HTMLNode? = { _, _ in nil }) -> Article {
        let directives = page.directivesByLine
        let spans = page.math
        let values = page.inlineValues
        let renderValue: (Int) -> HTMLNode = { i in
            let value = values[i]
            return .el("span", [("class", "lm-value"), ("title", "\(value.expression), computed by DiffusionSchedulers")], [value.format.html(value.computed)])
        }
        // Renders label text that may hold formula placeholders.
        let inline: (String) -> HTMLNode = { text in
            .fragment(MathExtractor.segments(text).map { segment in
                switch segment {
                case let .text(t): .text(t)
                case let .math(i): .raw(math(i))
                case let .value(i): renderValue(i)
                }
            })
        }
        var renderer = HTMLRenderer(
            math: math,
            mathSource: { spans[$0].source },
            value: renderValue,
            valueSource: { values[$0].span.sourceText },
            directive: { line in
                guard let result = directives[line] else { return nil }
                return FigureRenderer.render(result, inline: inline, dataHref: PlotData.fileName(page: page.outputPath, id: result.id))
            })
        renderer.highlight = highlight
        let content = renderer.render(page.blocks)
        let hasOwnHeading = page.blocks.contains { if case .heading(1, _, _) = $0 { true } else { false } }
        return Article(content: content, headings: renderer.headings, hasOwnHeading: hasOwnHeading)
    }
}
