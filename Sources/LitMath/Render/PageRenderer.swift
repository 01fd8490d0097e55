/// Renders a parsed page (with its formulas typeset) into a complete HTML document.
enum PageRenderer {
    static func render(_ page: Page, template: PageTemplate, math: @escaping (Int) -> String) -> String {
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
        let content = renderer.render(page.blocks)
        let hasOwnHeading = page.blocks.contains { if case .heading(1, _, _) = $0 { true } else { false } }
        return template.document(title: page.title, description: page.frontMatter.description, path: page.outputPath,
                                 content: content, hasOwnHeading: hasOwnHeading)
    }
}
