import DiffusionSchedulers
import Foundation
import Testing
@testable import LitMath

/// The experiment directive's knobs and fits: the figures that make the DPM-Solver++ argument.
@Suite("Experiment knobs")
struct ExperimentKnobsTests {
    /// Runs one experiment block and returns its records by key, and the plot.
    static func run(_ body: String) throws -> (records: [String: ValueRecord], plot: PlotFigure) {
        let text = "```scheduler experiment\n" + body + "\n```\n"
        let (page, diagnostics) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let result = try #require(page.directives.first)
        guard case let .plot(plot) = result.output else { throw Failure.notAPlot }
        return (Dictionary(result.records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }), plot)
    }

    enum Failure: Error { case notAPlot }

    /// Stable Diffusion's training schedule and the 2-D toy data of the README's example.
    static let sdData = """
    data: {means: [[-1, 0], [1, 0.5]], std: [0.2, 0.15]}
    scheduler: DPMSolverMultistep
    beta_schedule: scaled_linear
    beta_start: 0.00085
    beta_end: 0.012
    """

    @Test("measure")
    func measure() throws {
        let (records, plot) = try Self.run(Self.sdData + """

        samplers:
          - {label: default}
          - {label: lu, use_lu_lambdas: true, final_sigmas_type: sigma_min}
          - {label: lu0, use_lu_lambdas: true}
        steps: [10, 20, 40, 80]
        per_step: 48
        samples: 64
        fit: auto
        reference_slopes: [1, 2]
        """)
        for (k, v) in records.sorted(by: { $0.key < $1.key }) { print("REC", k, v.values.map { String(format: "%.4g", $0) }.joined(separator: " ")) }
        print("LABELS", plot.series.map(\.label))
    }
}
