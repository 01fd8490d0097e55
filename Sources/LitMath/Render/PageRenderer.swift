/// Renders a parsed page (with its formulas typeset) into a complete HTML document.
enum PageRenderer {
    static func render(_ page: Page, template: PageTemplate, math: @escaping (Int) -> String) -> String {
        let figures = page.figures
        let spans = page.math
        // Renders label text that may hold formula placeholders.
        let inline: (String) -> HTMLNode = { text in
            .fragment(MathExtractor.segments(text).map { segment in
                switch segment {
                case let .text(t): .text(t)
                case let .math(i): .raw(math(i))
                }
            })
        }
        var renderer = HTMLRenderer(
            math: math,
            mathSource: { spans[$0].source },
            directive: { line in
                guard let figure = figures[line] else { return nil }
                return FigureRenderer.render(figure.output, inline: inline)
            })
        let content = renderer.render(page.blocks)
        let hasOwnHeading = page.blocks.contains { if case .heading(1, _, _) = $0 { true } else { false } }
        return template.document(title: page.title, description: page.frontMatter.description, path: page.outputPath,
                                 content: content, hasOwnHeading: hasOwnHeading)
    }
}

/// Renders directive outputs: plots as figures with an SVG and a caption, tables as figures.
enum FigureRenderer {
    static func render(_ output: DirectiveOutput, inline: (String) -> HTMLNode) -> HTMLNode {
        switch output {
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
        }
    }
}
