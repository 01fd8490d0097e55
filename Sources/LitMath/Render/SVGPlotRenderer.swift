import Foundation

/// Draws a `PlotFigure` as an inline SVG: axes with good ticks (1-2-5 steps on linear axes,
/// decades on log axes), grid, labelled axes, a legend and one path per series.
///
/// Colours come from CSS custom properties (`--lm-s0` …, a colour-blind-safe palette) with the
/// light palette as fallback, so one render follows the page's light or dark mode.
enum SVGPlotRenderer {
    static let width = 720.0
    static let plotTop = 16.0
    static let plotHeight = 320.0
    static let left = 78.0
    static let right = 24.0
    /// Okabe–Ito colours, the fallback when the page's CSS is absent.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D00", "#000000"]
    static let dashes = ["", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3"]

    /// `inline` typesets label text holding formula placeholders (axis labels with math).
    static func render(_ plot: PlotFigure, inline: (String) -> HTMLNode = { .text($0) }) -> HTMLNode {
        if let titles = plot.panelTitles, titles.count > 1 { return renderPanels(plot, titles: titles, inline: inline) }
        let xs = plot.series.flatMap(\.x), ys = plot.series.flatMap(\.y)
        let xAxis = Axis(values: xs, scale: plot.xScale, nice: false)
        let yAxis = Axis(values: ys, scale: plot.yScale, nice: true)
        let plotWidth = width - left - right
        let legendTop = plotTop + plotHeight + 58
        let entries = legendEntries(plot.series)
        let legendRows = legendLayout(entries.map(\.label), maxWidth: width - left - right)
        let height = legendTop + Double(legendRows.count) * 20 + 8

        func px(_ x: Double) -> Double { left + (plot.xDescending ? 1 - xAxis.fraction(x) : xAxis.fraction(x)) * plotWidth }
        func py(_ y: Double) -> Double { plotTop + (1 - yAxis.fraction(y)) * plotHeight }

        var nodes: [HTMLNode] = []
        let titleID = plot.id + "-title", descID = plot.id + "-desc"
        nodes.append(.el("title", [("id", titleID)], text: plot.title))
        let names = plot.series.map(\.label).joined(separator: ", ")
        nodes.append(.el("desc", [("id", descID)],
                         text: "Line plot of \(Self.plainLabel(plot.yLabel)) (\(plot.yScale.rawValue) scale) against \(Self.plainLabel(plot.xLabel)) for \(plot.series.count) series: \(names)."))

        // Grid and ticks.
        let (grid, labels) = gridAndTicks(xAxis: xAxis, yAxis: yAxis, px: px, py: py, left: left, top: plotTop, width: plotWidth, height: plotHeight)
        nodes.append(.el("g", [("class", "lm-grid-lines"), ("aria-hidden", "true")], grid))
        nodes.append(.void("rect", [("x", fmt(left)), ("y", fmt(plotTop)), ("width", fmt(plotWidth)), ("height", fmt(plotHeight)), ("class", "lm-frame")]))
        nodes.append(.el("g", [("class", "lm-ticks"), ("aria-hidden", "true")], labels))

        // Axis labels.
        if let math = plot.xLabelMath {
            nodes.append(.el("foreignObject", [("x", fmt(left)), ("y", fmt(plotTop + plotHeight + 26)), ("width", fmt(plotWidth)), ("height", "28"),
                                               ("class", "lm-axis-label-math")], [
                .el("div", [("xmlns", "http://www.w3.org/1999/xhtml"), ("class", "lm-axis-label-html")], [inline(math)]),
            ]))
        } else {
            nodes.append(.el("text", [("x", fmt(left + plotWidth / 2)), ("y", fmt(plotTop + plotHeight + 42)), ("class", "lm-axis-label"), ("text-anchor", "middle")], text: plot.xLabel))
        }
        let cy = plotTop + plotHeight / 2
if let math = plot.yLabelMath {
            // A box as wide as the plot is tall, centred on (18, cy), then turned a quarter.
            nodes.append(.el("foreignObject", [("x", fmt(18 - plotHeight / 2)), ("y", fmt(cy - 14)), ("width", fmt(plotHeight)), ("height", "28"),
                                               ("transform", "rotate(-90 18 \(fmt(cy)))"), ("class", "lm-axis-label-math")], [
                .el("div", [("xmlns", "http://www.w3.org/1999/xhtml"), ("class", "lm-axis-label-html")], [inline(math)]),
            ]))
        } else {
                    nodes.append(.el("text", [("x", fmt(18)), ("y", fmt(cy)), ("class", "lm-axis-label"), ("text-anchor", "middle"),
                                  ("transform", "rotate(-90 18 \(fmt(cy)))")], text: plot.yLabel))
        }

        // Series, clipped to the plot area.
        let clipID = plot.id + "-clip"
        nodes.append(.el("clipPath", [("id", clipID)], [
            .void("rect", [("x", fmt(left)), ("y", fmt(plotTop)), ("width", fmt(plotWidth)), ("height", fmt(plotHeight))]),
        ]))
        let paths = seriesNodes(Array(plot.series.enumerated()), xAxis: xAxis, yAxis: yAxis, px: px, py: py)
        nodes.append(.el("g", [("clip-path", "url(#\(clipID))")], paths))

        // Legend, below the axes, wrapped into rows.
        nodes.append(legend(entries, rows: legendRows, top: legendTop))

        return .el("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(fmt(width)) \(fmt(height))"),
                           ("role", "img"), ("aria-labelledby", "\(titleID) \(descID)"), ("class", "lm-plot"), ("id", plot.id + "-svg")], nodes)
    }

    /// The legend's entries: series sharing a style appear once, under their legend label.
    static func legendEntries(_ series: [PlotFigure.Series]) -> [(label: String, colour: Int)] {
        series.enumerated().compactMap { index, series in
            if series.style != nil { return series.legendLabel.map { ($0, series.style! % palette.count) } }
            return (series.label, index % palette.count)
        }
    }

    /// The legend laid out by ``legendLayout(_:maxWidth:)``, its first row at `top`.
    static func legend(_ entries: [(label: String, colour: Int)], rows: [[(index: Int, x: Double)]], top: Double) -> HTMLNode {
        var legend: [HTMLNode] = []
        for (row, items) in rows.enumerated() {
            let y = top + Double(row) * 20
            for item in items {
                let colour = entries[item.index].colour
                var style = "stroke: var(--lm-s\(colour), \(palette[colour]))"
                if !dashes[colour].isEmpty { style += "; stroke-dasharray: \(dashes[colour])" }
                let x = left + item.x
                legend.append(.void("line", [("x1", fmt(x)), ("x2", fmt(x + 24)), ("y1", fmt(y)), ("y2", fmt(y)), ("class", "lm-series lm-s\(colour)"), ("style", style)]))
                legend.append(.el("text", [("x", fmt(x + 30)), ("y", fmt(y)), ("class", "lm-legend-label"), ("dominant-baseline", "middle")], text: entries[item.index].label))
            }
        }
        return .el("g", [("class", "lm-legend")], legend)
    }

    /// The grid lines and tick labels of one plot area (`left`, `top`, `width`, `height`); the
    /// labels of either axis can be left out (small multiples label only the outer panels).
    static func gridAndTicks(xAxis: Axis, yAxis: Axis, px: (Double) -> Double, py: (Double) -> Double,
                             left: Double, top: Double, width: Double, height: Double,
                             xLabels: Bool = true, yLabels: Bool = true) -> (grid: [HTMLNode], labels: [HTMLNode]) {
        var grid: [HTMLNode] = []
        var labels: [HTMLNode] = []
        for tick in yAxis.ticks {
            let y = fmt(py(tick.value))
            grid.append(.void("line", [("x1", fmt(left)), ("x2", fmt(left + width)), ("y1", y), ("y2", y),
                                       ("class", tick.label == nil ? "lm-grid lm-minor" : "lm-grid")]))
            if yLabels, let label = tick.label {
                labels.append(.el("text", [("x", fmt(left - 8)), ("y", y), ("class", "lm-tick"), ("text-anchor", "end"), ("dominant-baseline", "middle")], text: label))
            }
        }
        for tick in xAxis.ticks {
            let x = fmt(px(tick.value))
            grid.append(.void("line", [("x1", x), ("x2", x), ("y1", fmt(top)), ("y2", fmt(top + height)),
                                       ("class", tick.label == nil ? "lm-grid lm-minor" : "lm-grid")]))
            if xLabels, let label = tick.label {
                labels.append(.el("text", [("x", x), ("y", fmt(top + height + 18)), ("class", "lm-tick"), ("text-anchor", "middle")], text: label))
            }
        }
        return (grid, labels)
    }

    /// The paths (with markers) and bars of `series`, each with its index in the figure for its colour.
    static func seriesNodes(_ series: [(offset: Int, element: PlotFigure.Series)], xAxis: Axis, yAxis: Axis,
                            px: (Double) -> Double, py: (Double) -> Double) -> [HTMLNode] {
        var paths: [HTMLNode] = []
        for (index, series) in series {
            let colour = (series.style ?? index) % palette.count
            if series.bars {
                paths.append(bars(series, colour: colour, xAxis: xAxis, yAxis: yAxis, px: px, py: py))
                continue
            }
            var d = ""
            var pen = false
            for (x, y) in zip(series.x, series.y) {
                guard xAxis.contains(x), yAxis.contains(y) else { pen = false; continue }
                d += (pen ? "L" : "M") + fmt(px(x)) + " " + fmt(py(y))
                pen = true
            }
            var style = "stroke: var(--lm-s\(colour), \(palette[colour]))"
            if !dashes[colour].isEmpty { style += "; stroke-dasharray: \(dashes[colour])" }
            if series.markers {
                let fill = "fill: var(--lm-s\(colour), \(palette[colour]))"
                var circles: [HTMLNode] = []
                for (x, y) in zip(series.x, series.y) where xAxis.contains(x) && yAxis.contains(y) {
                    circles.append(.void("circle", [("cx", fmt(px(x))), ("cy", fmt(py(y))), ("r", "3.5"), ("style", fill)]))
                }
                paths.append(.el("g", [("class", "lm-markers"), ("aria-hidden", "true")], circles))
            }
            paths.append(.el("path", [("d", d), ("class", "lm-series lm-s\(colour)"), ("style", style)], [
                .el("title", [], text: series.label),
            ]))
        }
        return paths
    }

    /// A histogram: one rectangle per x, from the axis' zero (or its lower end) up to y, as wide as
    /// the smallest spacing of the x values, translucent so a density curve drawn over it shows.
    static func bars(_ series: PlotFigure.Series, colour: Int, xAxis: Axis, yAxis: Axis,
                     px: (Double) -> Double, py: (Double) -> Double) -> HTMLNode {
        let spacing = zip(series.x.dropFirst(), series.x).map { abs($0 - $1) }.filter { $0 > 0 }.min() ?? 1
        let base = py(yAxis.contains(0) && yAxis.lower <= 0 ? 0 : yAxis.lower)
        var rects: [HTMLNode] = [.el("title", [], text: series.label)]
        for (x, y) in zip(series.x, series.y) where xAxis.contains(x) && yAxis.contains(y) && y > 0 {
            let a = px(x - spacing / 2), b = px(x + spacing / 2), top = py(y)
            rects.append(.void("rect", [("x", fmt(min(a, b))), ("y", fmt(min(top, base))), ("width", fmt(abs(b - a))), ("height", fmt(abs(base - top)))]))
        }
        let style = "stroke: var(--lm-s\(colour), \(palette[colour])); fill: var(--lm-s\(colour), \(palette[colour])); fill-opacity: 0.3"
        return .el("g", [("class", "lm-series lm-bars lm-s\(colour)"), ("style", style)], rects)
    }

    /// A label for plain-text contexts (the SVG description): math delimiters dropped, TeX kept.
    static func plainLabel(_ label: String) -> String {
        label.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: "\\(", with: "").replacingOccurrences(of: "\\)", with: "")
    }

    /// Places legend entries left to right, wrapping rows; text width is estimated.
    static func legendLayout(_ labels: [String], maxWidth: Double) -> [[(index: Int, x: Double)]] {
        var rows: [[(index: Int, x: Double)]] = [[]]
        var x = 0.0
        for (index, label) in labels.enumerated() {
            let w = 30 + Double(label.count) * 7.4 + 24
            if x > 0, x + w > maxWidth {
                rows.append([])
                x = 0
            }
            rows[rows.count - 1].append((index, x))
            x += w
        }
        return rows
    }

    /// A coordinate with at most two decimals and no trailing zeros ("12.5", "-3", "0.07").
    /// Integer arithmetic rather than `String(format:)`: plots have thousands of points, and
    /// this is the hot loop of rendering them. Halves round away from zero, deterministically.
    static func fmt(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let hundredths = Int((abs(v) * 100).rounded(.toNearestOrAwayFromZero))
        if hundredths == 0 { return "0" }
        var out = v < 0 ? "-" : ""
        out += String(hundredths / 100)
        let fraction = hundredths % 100
        if fraction != 0 {
            out += fraction % 10 == 0 ? "." + String(fraction / 10) : (fraction < 10 ? ".0" : ".") + String(fraction)
        }
        return out
    }

    /// An axis: domain, mapping to [0, 1], and ticks.
    struct Axis {
        struct Tick { var value: Double; var label: String? }
        var lower: Double
        var upper: Double
        var scale: PlotFigure.Scale
        var ticks: [Tick] = []

        /// `divisions` is about how many steps between labelled ticks a linear axis gets (fewer
        /// for the narrow panels of small multiples, whose labels would otherwise touch).
        init(values: [Double], scale: PlotFigure.Scale, nice: Bool, divisions: Double = 5) {
            self.scale = scale
            let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
            var lo = usable.min() ?? 0, hi = usable.max() ?? 1
            switch scale {
            case .linear:
                if lo == hi { lo -= 1; hi += 1 }
                // Whole-number data (timesteps, step indices) gets whole-number ticks: no "2.5" steps.
                let whole = !usable.isEmpty && usable.allSatisfy(NumberFormat.isWhole)
                let step = whole ? max(1, Self.niceStep((hi - lo) / divisions)) : Self.niceStep((hi - lo) / divisions)
                if nice {
                    lo = (lo / step).rounded(.down) * step
                    hi = (hi / step).rounded(.up) * step
                }
                lower = lo; upper = hi
                let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
                var k = (lo / step).rounded(.up)
                while k * step <= hi + step * 1e-9 {
                    let v = k * step
                    let magnitude = max(abs(lo), abs(hi))
                    let label = magnitude >= 1e5 || (magnitude < 1e-3 && magnitude > 0)
                        ? NumberFormat(digits: 3, style: .scientific).string(v)
                        : NumberFormat.minusSign(String(format: "%.\(decimals)f", abs(v) < step * 1e-9 ? 0 : v))
                    ticks.append(Tick(value: v, label: label))
                    k += 1
                }
            case .log:
                if lo == hi { lo /= 10; hi *= 10 }
                let e0 = Int(floor(log10(lo) + 1e-12)), e1 = Int(ceil(log10(hi) - 1e-12))
                lower = pow(10, Double(e0)); upper = pow(10, Double(max(e1, e0 + 1)))
                let decades = max(e1, e0 + 1) - e0
                let every = max(1, Int((Double(decades) / 10).rounded(.up)))
                for e in e0...max(e1, e0 + 1) {
                    ticks.append(Tick(value: pow(10, Double(e)), label: (e - e0) % every == 0 ? Self.power(e) : nil))
                    if every == 1, e < max(e1, e0 + 1) {
                        // On an axis of one or two decades, 2× and 5× are labelled too.
                        for m in 2...9 {
                            let v = Double(m) * pow(10, Double(e))
                            let label = decades <= 2 && (m == 2 || m == 5) ? NumberFormat(digits: 1, style: .auto).string(v) : nil
                            ticks.append(Tick(value: v, label: label))
                        }
                    }
                }
            }
        }

        static func power(_ e: Int) -> String {
            switch e {
            case 0: "1"
            case 1: "10"
            default: "10" + NumberFormat.superscript(e)
            }
        }

        static func niceStep(_ raw: Double) -> Double {
            guard raw > 0, raw.isFinite else { return 1 }
            let p = pow(10, floor(log10(raw)))
            let f = raw / p
            return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p
        }

        func fraction(_ v: Double) -> Double {
            switch scale {
            case .linear: (v - lower) / (upper - lower)
            case .log: (log10(v) - log10(lower)) / (log10(upper) - log10(lower))
            }
        }

        func contains(_ v: Double) -> Bool { v.isFinite && (scale == .linear || v > 0) }
    }
}
