import Foundation

extension SVGPlotRenderer {
    /// Height of one panel's plot area in a figure of small multiples.
    static let panelHeight = 170.0
    /// Space between panels side by side.
    static let panelGap = 30.0
    /// At most this many panels in a row: three stay legible when a phone scales the figure down.
    static let panelColumns = 3

    /// Draws a `PlotFigure` with `panelTitles` as small multiples: panels in rows of up to three,
    /// each with its title, sharing one x and one y axis (so heights compare across panels); tick
    /// labels on the left column and under every panel, one pair of axis labels and one legend.
    static func renderPanels(_ plot: PlotFigure, titles: [String], inline: (String) -> HTMLNode) -> HTMLNode {
        let xAxis = Axis(values: plot.series.flatMap(\.x), scale: plot.xScale, nice: false, divisions: 6 / Double(min(titles.count, panelColumns)) + 1)
        let yAxis = Axis(values: plot.series.flatMap(\.y), scale: plot.yScale, nice: true)
        let columns = min(titles.count, panelColumns)
        let rows = (titles.count + columns - 1) / columns
        let panelWidth = (width - left - right - panelGap * Double(columns - 1)) / Double(columns)
        // Each row: its panels' titles (18), the plot area, the x tick labels (26).
        let rowHeight = 18 + panelHeight + 26
        let areasBottom = plotTop + Double(rows) * rowHeight
        let entries = legendEntries(plot.series)
        let legendTop = areasBottom + 36
        let legendRows = legendLayout(entries.map(\.label), maxWidth: width - left - right)
        let height = legendTop + Double(legendRows.count) * 20 + 8

        var nodes: [HTMLNode] = []
        let titleID = plot.id + "-title", descID = plot.id + "-desc"
        nodes.append(.el("title", [("id", titleID)], text: plot.title))
        nodes.append(.el("desc", [("id", descID)],
                         text: "\(titles.count) panels (\(titles.joined(separator: "; "))) of \(plainLabel(plot.yLabel)) (\(plot.yScale.rawValue) scale) against \(plainLabel(plot.xLabel)), sharing their axes, for \(plot.series.count) series: \(plot.series.map(\.label).joined(separator: ", "))."))

        for (panel, panelTitle) in titles.enumerated() {
            let column = panel % columns, row = panel / columns
            let x0 = left + Double(column) * (panelWidth + panelGap)
            let y0 = plotTop + Double(row) * rowHeight + 18
            func px(_ x: Double) -> Double { x0 + (plot.xDescending ? 1 - xAxis.fraction(x) : xAxis.fraction(x)) * panelWidth }
            func py(_ y: Double) -> Double { y0 + (1 - yAxis.fraction(y)) * panelHeight }
            let (grid, labels) = gridAndTicks(xAxis: xAxis, yAxis: yAxis, px: px, py: py, left: x0, top: y0, width: panelWidth, height: panelHeight,
                                              xLabels: true, yLabels: column == 0)
            let clipID = plot.id + "-clip-\(panel + 1)"
            let members = plot.series.enumerated().filter { ($0.element.panel ?? 0) == panel }
            nodes.append(.el("g", [("class", "lm-panel")], [
                .el("text", [("x", fmt(x0 + panelWidth / 2)), ("y", fmt(y0 - 6)), ("class", "lm-panel-title"), ("text-anchor", "middle")], text: panelTitle),
                .el("g", [("class", "lm-grid-lines"), ("aria-hidden", "true")], grid),
                .void("rect", [("x", fmt(x0)), ("y", fmt(y0)), ("width", fmt(panelWidth)), ("height", fmt(panelHeight)), ("class", "lm-frame")]),
                .el("g", [("class", "lm-ticks"), ("aria-hidden", "true")], labels),
                .el("clipPath", [("id", clipID)], [
                    .void("rect", [("x", fmt(x0)), ("y", fmt(y0)), ("width", fmt(panelWidth)), ("height", fmt(panelHeight))]),
                ]),
                .el("g", [("clip-path", "url(#\(clipID))")], seriesNodes(members, xAxis: xAxis, yAxis: yAxis, px: px, py: py)),
            ]))
        }

        // Axis labels, once for all panels (plain text: math in them is drawn as written).
        let areaMiddle = (plotTop + areasBottom) / 2
        nodes.append(.el("text", [("x", fmt(left + (width - left - right) / 2)), ("y", fmt(areasBottom + 14)), ("class", "lm-axis-label"), ("text-anchor", "middle")],
                         text: plainLabel(plot.xLabel)))
        nodes.append(.el("text", [("x", fmt(18)), ("y", fmt(areaMiddle)), ("class", "lm-axis-label"), ("text-anchor", "middle"),
                                  ("transform", "rotate(-90 18 \(fmt(areaMiddle)))")], text: plainLabel(plot.yLabel)))

        nodes.append(legend(entries, rows: legendRows, top: legendTop))
        return .el("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(fmt(width)) \(fmt(height))"),
                           ("role", "img"), ("aria-labelledby", "\(titleID) \(descID)"), ("class", "lm-plot lm-panels"), ("id", plot.id + "-svg")], nodes)
    }
}
