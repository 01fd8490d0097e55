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
                return FigureRenderer.render(result, inline: inline)
            })
        let content = renderer.render(page.blocks)
        let hasOwnHeading = page.blocks.contains { if case .heading(1, _, _) = $0 { true } else { false } }
        return template.document(title: page.title, description: page.frontMatter.description, path: page.outputPath,
                                 content: content, hasOwnHeading: hasOwnHeading)
    }
}

/// Renders directive outputs: plots as figures with an SVG and a caption, tables as figures,
/// values as a labelled number, definitions as the configuration they name.
enum FigureRenderer {
    static func render(_ result: DirectiveResult, inline: (String) -> HTMLNode) -> HTMLNode {
        switch result.output {
        case let .plot(plot):
            var children = [SVGPlotRenderer.render(plot)]
            let captionID = plot.id + "-caption"
            if let caption = plot.caption { children.append(.el("figcaption", [("id", captionID)], [inline(caption)])) }
            // Chromium names a <figure> only from aria-labelledby, aria-label or title, not from
            // its <figcaption>: the plot's title names the figure, the caption describes it.
            return .el("figure", [("class", "lm-plot-figure"), ("id", plot.id), ("aria-labelledby", plot.id + "-title"),
                                  ("aria-describedby", plot.caption == nil ? nil : captionID)], children)
        case let .table(table):
            return TableRenderer.render(table, inline: inline)
        case let .value(label, value, format):
            return .el("p", [("class", "lm-value-block"), ("id", "fig-" + result.id)], [
                inline(label), .text(" = "), .el("span", [("class", "lm-value")], [format.html(value)]),
            ])
        case let .definition(name, yaml):
            return .el("details", [("class", "lm-definition"), ("id", "scheduler-" + name)], [
                .el("summary", [], [.text("Scheduler "), .el("code", [], text: name)]),
                .el("pre", [], [.el("code", [("class", "language-yaml")], text: yaml)]),
            ])
        }
    }
}
