import Foundation

/// A computed line plot, ready to draw.
public struct PlotFigure: Sendable, Codable {
    /// Linear or logarithmic axis.
    public enum Scale: String, Sendable, CaseIterable, Codable {
        case linear, log
    }

    /// One line.
    public struct Series: Sendable, Codable {
        /// The legend label (plain text).
        public var label: String
        /// x values.
        public var x: [Double]
        /// y values, as many as `x`.
        public var y: [Double]
        /// Whether to mark each point (for series of a few points, such as errors against step counts).
        public var markers: Bool = false
        /// A palette index shared by several series (paths of one kind); nil gives each series its own.
        public var style: Int? = nil
        /// The legend text when several series share a style: only series with one appear in the
        /// legend. Nil with a nil style means the series' own label.
        public var legendLabel: String? = nil
        /// Drawn as bars centred on each x, from zero to y, as wide as the spacing of the x values
        /// (a histogram with equal bins), instead of a line.
        public var bars: Bool = false
        /// The panel of a figure of small multiples (an index into `PlotFigure.panelTitles`).
        public var panel: Int? = nil

        public init(label: String, x: [Double], y: [Double], markers: Bool = false, style: Int? = nil, legendLabel: String? = nil,
                    bars: Bool = false, panel: Int? = nil) {
            self.label = label
            self.x = x
            self.y = y
            self.markers = markers
            self.style = style
            self.legendLabel = legendLabel
            self.bars = bars
            self.panel = panel
        }

        private enum CodingKeys: String, CodingKey {
            case label, x, y, markers, style, legendLabel, bars, panel
        }

        // The values are coded as the base64 of their little-endian IEEE bits, not as decimal
        // numbers: exact, and a cached plot of thousands of points decodes without parsing text.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(label, forKey: .label)
            try container.encode(Self.pack(x), forKey: .x)
            try container.encode(Self.pack(y), forKey: .y)
            try container.encode(markers, forKey: .markers)
            try container.encodeIfPresent(style, forKey: .style)
            try container.encodeIfPresent(legendLabel, forKey: .legendLabel)
            if bars { try container.encode(bars, forKey: .bars) }
            try container.encodeIfPresent(panel, forKey: .panel)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            label = try container.decode(String.self, forKey: .label)
            x = try Self.unpack(container.decode(String.self, forKey: .x), codingPath: container.codingPath)
            y = try Self.unpack(container.decode(String.self, forKey: .y), codingPath: container.codingPath)
            markers = try container.decode(Bool.self, forKey: .markers)
            style = try container.decodeIfPresent(Int.self, forKey: .style)
            legendLabel = try container.decodeIfPresent(String.self, forKey: .legendLabel)
            bars = try container.decodeIfPresent(Bool.self, forKey: .bars) ?? false
            panel = try container.decodeIfPresent(Int.self, forKey: .panel)
        }

        static func pack(_ values: [Double]) -> String {
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count * 8)
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            return Data(bytes).base64EncodedString()
        }

        static func unpack(_ text: String, codingPath: [any CodingKey]) throws -> [Double] {
            guard let data = Data(base64Encoded: text), data.count % 8 == 0 else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "not packed doubles"))
            }
            return data.withUnsafeBytes { raw in
                (0..<(data.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
            }
        }
    }

    /// Title (plain text; also the SVG's accessible name).
    public var title: String
    /// Caption under the figure (may contain math placeholders).
    public var caption: String?
    /// Axis labels (plain text).
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale
    public var yScale: Scale
    public var series: [Series]
    /// A stable id, unique on its page.
    public var id: String
    /// The axis labels with their formulas as placeholders, when they hold math (set while the
    /// page is parsed; the renderer then typesets them instead of drawing plain text).
    public var xLabelMath: String? = nil
    public var yLabelMath: String? = nil
    /// Whether the x axis runs from right to left (time running backwards, as in sampling).
    public var xDescending: Bool = false
    /// The name of the x column in the plot's CSV data.
    public var dataXName: String = "t"
    /// A table shown under the plot (an experiment's numbers).
    public var companionTable: TableFigure? = nil
    /// The titles of the panels of small multiples, side by side with shared axes; each series
    /// names its panel. Nil (or one title) draws one plot.
    public var panelTitles: [String]? = nil
    /// Further plots shown under the companion table, each with its own table (an experiment's per-step errors).
    public var companionPlots: [PlotFigure]? = nil
    /// The title the author wrote, shown as the figure's visible heading (Markdown and math
    /// allowed; formulas become placeholders while the page is parsed). Nil when the author gave
    /// none, or when the title already shows as the caption.
    public var heading: String? = nil
}
