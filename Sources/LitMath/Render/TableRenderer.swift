/// A computed table: a header row and rows of numbers, with an optional first column of keys.
public struct TableFigure: Sendable, Codable {
    /// The caption (may contain math placeholders).
    public var caption: String?
    /// Column headers (may contain math placeholders).
    public var headers: [String]
    /// Rows; the first cell is the row key (e.g. the timestep), the rest are values.
    public var rows: [[Double]]
    /// How values are formatted; the key column always prints as an integer when it is one, and
    /// with `auto` each column takes one notation from its whole range (`NumberFormat.forColumn`).
    public var format: NumberFormat
    /// A stable id for anchors.
    public var id: String
    /// Emphasise the smallest (`min`) or largest (`max`) value of each column (or row).
    public var best: Best? = nil
    /// Whether `best` compares the values of a row (the samplers at one budget) rather than a column.
    public var bestPerRow: Bool = false
    /// Columns of counts (an experiment's NFE beside its errors): printed as integers and left out of `best`.
    public var countColumns: [Int]? = nil
    /// Whether NaN marks a missing value (a sampler with fewer steps than the others): an empty cell.
    public var blankNaN: Bool? = nil

    /// Which value of a column is the best one.
    public enum Best: String, Sendable, Codable, CaseIterable {
        case min, max
    }
}

/// Renders tables as accessible HTML with right-aligned, tabular numbers.
enum TableRenderer {
    /// `number`: the table number shown before the caption (tables with a caption are numbered).
    /// `markdown` renders the caption (code spans, emphasis, math); `inline` the headers.
    static func render(_ table: TableFigure, number: Int? = nil, inline: (String) -> HTMLNode,
                       markdown: ((String) -> HTMLNode)? = nil) -> HTMLNode {
        func bestValue(column: Int, _ best: TableFigure.Best) -> Double? {
            let values = table.rows.map { $0[column] }.filter(\.isFinite)
            return best == .min ? values.min() : values.max()
        }
        func bestValue(row: [Double], _ best: TableFigure.Best) -> Double? {
            let counts = Set(table.countColumns ?? [])
            let values = row.indices.dropFirst().filter { !counts.contains($0) }.map { row[$0] }.filter(\.isFinite)
            return best == .min ? values.min() : values.max()
        }
        // Chromium names a <figure> only from aria-labelledby, aria-label or title (not from a
        // caption inside it), so the figure points at the caption, or at the header row.
        let captionID = table.id + "-caption", headID = table.id + "-head"
        let head = HTMLNode.el("thead", [("id", table.caption == nil ? headID : nil)], [
            .el("tr", [], table.headers.map { .el("th", [("scope", "col")], [inline($0)]) }),
        ])
        // One notation per column, chosen from all of its values (see NumberFormat.forColumn).
        let width = table.rows.map(\.count).max() ?? 0
        let formats = (0..<width).map { column in table.format.forColumn(table.rows.compactMap { $0.indices.contains(column) ? $0[column] : nil }) }
        let body = HTMLNode.el("tbody", [], table.rows.map { row in
            var cells: [HTMLNode] = []
            for (index, value) in row.enumerated() {
                if index == 0 || table.countColumns?.contains(index) == true {
                    let key = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : NumberFormat(digits: 6).string(value)
                    cells.append(index == 0 ? .el("th", [("scope", "row"), ("class", "num")], text: key) : .el("td", [("class", "num")], text: key))
                } else if value.isNaN, table.blankNaN == true {
                    cells.append(.el("td", [("class", "num")], []))
                } else if let best = table.best, value == (table.bestPerRow ? bestValue(row: row, best) : bestValue(column: index, best)) {
                    cells.append(.el("td", [("class", "num lm-best")], [.el("strong", [], [formats[index].html(value)])]))
                } else {
                    cells.append(.el("td", [("class", "num")], [formats[index].html(value)]))
                }
            }
            return .el("tr", [], cells)
        })
        var children: [HTMLNode] = []
        if let caption = table.caption {
            let prefix: [HTMLNode] = number.map { [.el("span", [("class", "lm-figure-number")], text: "Table \($0)."), .text(" ")] } ?? []
            children.append(.el("caption", [("id", captionID)], prefix + [markdown.map { $0(caption) } ?? inline(caption)]))
        }
        children += [head, body]
        return .el("figure", [("class", "lm-table"), ("id", table.id), ("aria-labelledby", table.caption == nil ? headID : captionID)], [
            .el("div", [("class", "lm-table-scroll")], [.el("table", [], children)]),
        ])
    }
}
