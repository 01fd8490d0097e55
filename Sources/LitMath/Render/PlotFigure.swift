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
    /// The name of the x column in the plot's CSV data.
    public var dataXName: String = "t"
    /// A table shown under the plot (an experiment's numbers).
    public var companionTable: TableFigure? = nil
}
