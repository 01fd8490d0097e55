import Foundation

/// Renders directive outputs: plots as figures with an SVG and a caption, tables as figures,
/// values as a labelled number, definitions as the configuration they name.
enum FigureRenderer {
    /// `number` is the figure or table number of a directive with a caption; `dataHref` is the
    /// page-relative link to the plot's data as CSV. `inline` renders labels (formulas and values);
    /// `markdown` renders captions and headings, which may also hold code spans and emphasis.
    static func render(_ result: DirectiveResult, number: Int? = nil, inline: (String) -> HTMLNode,
                       markdown: ((String) -> HTMLNode)? = nil, dataHref: String? = nil) -> HTMLNode {
        render(result.output, id: result.id, number: number, inline: inline, markdown: markdown, dataHref: dataHref)
    }

    /// Renders an output with the id `id` (a directive's, or a figure a Swift example showed).
    static func render(_ output: DirectiveOutput, id: String, number: Int? = nil, inline: (String) -> HTMLNode,
                       markdown: ((String) -> HTMLNode)? = nil, dataHref: String? = nil) -> HTMLNode {
        func markdownText(_ text: String) -> HTMLNode { markdown.map { $0(text) } ?? inline(text) }
        switch output {
        case let .plot(plot):
            var children = [SVGPlotRenderer.render(plot, inline: inline)]
            // The title the author wrote heads the figure, visibly, and names it for assistive technology.
            let headingID = plot.id + "-heading"
            if let heading = plot.heading {
                children.insert(.el("p", [("class", "lm-figure-title"), ("id", headingID)], [markdownText(heading)]), at: 0)
            }
            let captionID = plot.id + "-caption"
            var captionChildren: [HTMLNode] = plot.caption.map { [markdownText($0)] } ?? []
            if let number, plot.caption != nil {
                captionChildren.insert(contentsOf: [.el("span", [("class", "lm-figure-number")], text: "Figure \(number)."), .text(" ")], at: 0)
            }
            if let dataHref {
                captionChildren.append(.text(" "))
                captionChildren.append(.el("a", [("class", "lm-data"), ("href", dataHref), ("download", "")], text: "Data (CSV)"))
            }
            if let table = plot.companionTable { children.append(TableRenderer.render(table, inline: inline, markdown: markdown)) }
            for companion in plot.companionPlots ?? [] {
                children.append(SVGPlotRenderer.render(companion, inline: inline))
                if let table = companion.companionTable { children.append(TableRenderer.render(table, inline: inline, markdown: markdown)) }
            }
            if !captionChildren.isEmpty { children.append(.el("figcaption", [("id", captionID)], captionChildren)) }
            // Chromium names a <figure> only from aria-labelledby, aria-label or title, not from
            // its <figcaption>: the plot's title names the figure, the caption describes it.
            return .el("figure", [("class", "lm-plot-figure"), ("id", plot.id), ("aria-labelledby", plot.heading == nil ? plot.id + "-title" : headingID),
                                  ("aria-describedby", plot.caption == nil && dataHref == nil ? nil : captionID)], children)
        case let .table(table):
            return TableRenderer.render(table, number: number, inline: inline, markdown: markdown)
        case let .value(label, value, format):
            return .el("p", [("class", "lm-value-block"), ("id", "fig-" + id)], [
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

/// The data behind a plot, as CSV beside its page: one column per series when they share their
/// x values (the usual case), else one row per point with the series named.
enum PlotData {
    /// `ddpm.html` + `plot-1` → `ddpm.plot-1.csv` (in the page's folder, so links stay relative).
    static func fileName(page: String, id: String) -> String {
        let name = (page as NSString).lastPathComponent
        let stem = name.hasSuffix(".html") ? String(name.dropLast(5)) : name
        return "\(stem).\(id).csv"
    }

    /// The output path of the CSV file of a page's plot.
    static func path(page: String, id: String) -> String {
        let folder = (page as NSString).deletingLastPathComponent
        return folder.isEmpty ? fileName(page: page, id: id) : folder + "/" + fileName(page: page, id: id)
    }

    static func csv(_ plot: PlotFigure, xName: String = "t") -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        func number(_ v: Double) -> String { Expectations.number(v) }
        guard let first = plot.series.first else { return "" }
        if plot.series.allSatisfy({ $0.x == first.x }) {
            var out = ([xName] + plot.series.map(\.label)).map(field).joined(separator: ",") + "\n"
            for (i, x) in first.x.enumerated() {
                out += ([number(x)] + plot.series.map { number($0.y[i]) }).joined(separator: ",") + "\n"
            }
            return out
        }
        var out = "series,\(field(xName)),value\n"
        for series in plot.series {
            for (x, y) in zip(series.x, series.y) { out += "\(field(series.label)),\(number(x)),\(number(y))\n" }
        }
        return out
    }
}
