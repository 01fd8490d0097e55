import Foundation

// The figure API of runnable Swift examples. An example in an article calls `show(_:)` with a
// `Table` or a `Plot`; what it shows is printed as one marked line of JSON, which `litmath bless`
// records in the article's `_expected/` file and `litmath build` renders into the page as a real
// table or SVG plot, exactly as it renders a directive's. `litmath check` runs the example again
// and compares the numbers with the recorded ones within a tolerance. Kept to plain values and
// Foundation so that it compiles in seconds next to the examples.

/// A table of numbers an example shows: one header per column, rows of equal length.
public struct Table: Codable, Equatable, Sendable {
    /// The caption shown above the table, if any.
    public var title: String?
    /// The column headers.
    public var columns: [String]
    /// The rows, each with one number per column.
    public var rows: [[Double]]

    /// A table with `columns` headers and `rows` of numbers (one per column).
    public init(title: String? = nil, columns: [String], rows: [[Double]]) {
        self.title = title
        self.columns = columns
        self.rows = rows
    }
}

/// A line plot an example shows: one or more series over a shared x axis.
public struct Plot: Codable, Equatable, Sendable {
    /// How an axis is scaled.
    public enum Scale: String, Codable, Sendable {
        /// Evenly spaced values.
        case linear
        /// Evenly spaced powers of ten (every value must be positive).
        case log
    }

    /// One line of the plot: a label for the legend and points (x[i], y[i]).
    public struct Series: Codable, Equatable, Sendable {
        /// The legend label (unique within the plot).
        public var label: String
        /// The x coordinates.
        public var x: [Double]
        /// The y coordinates, as many as `x`.
        public var y: [Double]

        /// A series named `label` through the points (x[i], y[i]).
        public init(_ label: String, x: [Double], y: [Double]) {
            self.label = label
            self.x = x
            self.y = y
        }
    }

    /// The plot's title.
    public var title: String?
    /// The x axis label.
    public var xLabel: String
    /// The y axis label.
    public var yLabel: String
    /// How the x axis is scaled.
    public var xScale: Scale
    /// How the y axis is scaled.
    public var yScale: Scale
    /// The lines.
    public var series: [Series]

    /// A plot of `series` with axes labelled `x` and `y`.
    public init(title: String? = nil, x: String = "x", y: String = "y", xScale: Scale = .linear, yScale: Scale = .linear, series: [Series]) {
        self.title = title
        self.xLabel = x
        self.yLabel = y
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
    }
}

/// What one `show(_:)` call prints, as litmath reads it back: exactly one of the two is set.
public struct ShownFigure: Codable, Equatable, Sendable {
    /// A table, when a table was shown.
    public var table: Table?
    /// A plot, when a plot was shown.
    public var plot: Plot?

    /// The figure holding `table`.
    public init(table: Table) { self.table = table }
    /// The figure holding `plot`.
    public init(plot: Plot) { self.plot = plot }

    /// The start of the line that carries a figure in an example's output; litmath removes
    /// these lines before comparing the output with the article's ```` ```output ```` block.
    public static let marker = "#litmath-figure "

    /// The marked line, without its newline: sorted keys, so one figure always prints the same
    /// bytes; non-finite numbers spelt `nan`, `inf`, `-inf` so litmath can name them in an error
    /// rather than the example failing to print.
    public var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Encoding plain strings and numbers cannot fail.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return Self.marker + String(decoding: data, as: UTF8.self)
    }

    /// Reads a figure back from the JSON after the marker.
    public static func decode(_ json: String) throws -> ShownFigure {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(ShownFigure.self, from: Data(json.utf8))
    }
}

/// Shows `table` in the article, below the example.
public func show(_ table: Table) {
    print(ShownFigure(table: table).line)
}

/// Shows `plot` in the article, below the example.
public func show(_ plot: Plot) {
    print(ShownFigure(plot: plot).line)
}
