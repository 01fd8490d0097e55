import Foundation
import DiffusionSchedulers
import Testing
@testable import LitMath

/// `x:` other than `t`, a series' own `quantity`, `t` ranges, and whole numbers shown as such.
@Suite("Plot axes, per-series quantities and t ranges")
struct PlotAxisDirectiveTests {
    /// The page's first directive output as a plot.
    static func plot(_ markdown: String) throws -> (PlotFigure, DirectiveResult, [Diagnostic]) {
        let (page, diagnostics) = PageParser.parse(text: markdown, sourcePath: "x.md", displayPath: "content/x.md")
        let result = try #require(page.directives.first, "\(diagnostics)")
        guard case let .plot(plot) = result.output else { throw PlotAxisError.notAPlot }
        return (plot, result, diagnostics)
    }

    enum PlotAxisError: Error { case notAPlot }

    /// The library's value of an axis quantity, through DiffusionSchedulers' public API.
    static func library(_ name: String, _ schedule: NoiseSchedule) -> [Double] {
        switch name {
        case "sigma": schedule.sigmas.map(Double.init)
        case "lambda": schedule.lambdas
        case "log_snr": schedule.logSNR
        case "snr": schedule.signalToNoiseRatios
        default: schedule.alphasCumprod.map(Double.init)
        }
    }

    @Test("x: a quantity plots y against that quantity of the same scheduler at the same timesteps; the CSV's x column is named after it",
          arguments: ["sigma", "lambda", "log_snr", "snr", "alpha_cumprod"])
    func quantityAxis(_ axis: String) throws {
        let markdown = "```scheduler plot\nx: \(axis)\ny: beta\nbeta_schedule: scaled_linear\nbeta_start: 0.00085\nbeta_end: 0.012\n```\n"
        let (plot, result, diagnostics) = try Self.plot(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let schedule = try NoiseSchedule(betaStart: 0.00085, betaEnd: 0.012, betaSchedule: .scaledLinear)
        #expect(plot.series.first?.x == Self.library(axis, schedule))
        #expect(plot.series.first?.y == schedule.betas.map(Double.init))
        #expect(plot.xLabel == ScheduleQuantity(rawValue: axis)?.label)
        #expect(result.records.first?.positionName == axis)
        let (_, _, output) = TestSite.build(["x.md": markdown])
        let csv = String(decoding: try #require(output["x.plot-1.csv"]), as: UTF8.self)
        #expect(csv.hasPrefix("\(axis),β_t\n"), "\(csv.prefix(40))")
    }

    @Test("x: step plots an inference quantity against the step index, with whole-number ticks")
    func stepAxis() throws {
        let markdown = "```scheduler plot\nx: step\ny: timesteps\nscheduler: DDIM\nnum_inference_steps: 3\n```\n"
        let (plot, _, diagnostics) = try Self.plot(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let ddim = try DDIMScheduler(config: DDIMSchedulerConfiguration())
        try ddim.setTimesteps(3)
        #expect(plot.series.first?.x == [0, 1, 2])
        #expect(plot.series.first?.y == ddim.timesteps.map(Double.init))
        #expect(plot.xLabel == "inference step" && plot.dataXName == "step")
        // Three steps on a linear axis would get ticks every 0.5; whole-number data gets whole ticks.
        let (html, _) = TestSite.article(markdown)
        let ticks = html.components(separatedBy: "class=\"lm-tick\"").dropFirst().compactMap { $0.split(separator: ">").dropFirst().first?.prefix(while: { $0 != "<" }) }
        #expect(!ticks.isEmpty)
        #expect(ticks.allSatisfy { !$0.contains(".") }, "\(ticks)")
        #expect(ticks.contains("667") || ticks.contains("600") || ticks.contains("500"), "\(ticks)")
    }

    @Test("A series picks its own quantity: signal and noise amplitudes on one plot")
    func perSeriesQuantity() throws {
        let markdown = """
        ```scheduler plot
        y_label: amplitude
        series:
          - {label: signal, quantity: sqrt_alpha_cumprod}
          - {label: noise, quantity: sqrt_one_minus_alpha_cumprod}
          - {quantity: sqrt_alpha_cumprod, beta_schedule: squaredcos_cap_v2}
        ```
        """
        let (plot, _, diagnostics) = try Self.plot(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let linear = try NoiseSchedule(), cosine = try NoiseSchedule(betaSchedule: .squaredcosCapV2)
        #expect(plot.series.map(\.y) == [linear.sqrtAlphasCumprod.map(Double.init), linear.sqrtOneMinusAlphasCumprod.map(Double.init),
                                          cosine.sqrtAlphasCumprod.map(Double.init)])
        #expect(plot.series.map(\.label) == ["signal", "noise", "√ᾱ_t"])
        #expect(plot.yLabel == "amplitude")

        // Without y_label, the axis names every quantity plotted.
        let (unlabelled, _, _) = try Self.plot(markdown.replacingOccurrences(of: "y_label: amplitude\n", with: ""))
        #expect(unlabelled.yLabel == "√ᾱ_t, √(1−ᾱ_t)")
        // A series' quantity overrides the plot's y.
        let (mixed, _, d2) = try Self.plot("```scheduler plot\ny: beta\nseries:\n  - {label: b}\n  - {label: a, quantity: alpha}\n```\n")
        #expect(d2.isEmpty, "\(d2)")
        #expect(mixed.series.map(\.y) == [linear.betas.map(Double.init), linear.alphas.map(Double.init)])
    }

    @Test("t ranges: every 100th timestep in a table, counting down too, and in a plot", arguments: [
        ("{from: 0, to: 999, every: 100}", Array(stride(from: 0, through: 999, by: 100))),
        ("{from: 999, to: 0, every: 250}", [999, 749, 499, 249]),
        ("{from: 10, to: 12}", [10, 11, 12]),
    ])
    func ranges(_ range: String, _ expected: [Int]) throws {
        let (page, diagnostics) = PageParser.parse(text: "```scheduler table\nt: \(range)\ncolumns: [alpha_cumprod]\n```\n\n```scheduler plot\ny: beta\nt: \(range)\n```\n",
                                                   sourcePath: "x.md", displayPath: "content/x.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let schedule = try NoiseSchedule()
        guard case let .table(table)? = page.directives.first?.output, case let .plot(plot)? = page.directives.last?.output else {
            Issue.record("a table and a plot"); return
        }
        #expect(table.rows.map { $0[0] } == expected.map(Double.init))
        #expect(table.rows.map { $0[1] } == expected.map { Double(schedule.alphasCumprod[$0]) })
        #expect(plot.series.first?.x == expected.map(Double.init))
        #expect(plot.series.first?.y == expected.map { Double(schedule.betas[$0]) })
    }

    @Test("final_alpha_cumprod is DDIM's ᾱ after the last step, and an error on a class without one")
    func finalAlphaCumprod() throws {
        let (page, diagnostics) = PageParser.parse(text: "{value}`DDIM(set_alpha_to_one: false, beta_schedule: scaled_linear, beta_start: 0.00085, beta_end: 0.012).final_alpha_cumprod[0]`\n",
                                                   sourcePath: "x.md", displayPath: "content/x.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let ddim = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: [
            "set_alpha_to_one": .bool(false), "beta_schedule": .string("scaled_linear"), "beta_start": .double(0.00085), "beta_end": .double(0.012),
        ]))
        #expect(page.inlineValues.first?.computed == Double(ddim.finalAlphaCumprod))
        #expect(ddim.finalAlphaCumprod != 1)
        let (_, bad) = TestSite.article("Value {value}`DDPM.final_alpha_cumprod[0]` here.\n")
        #expect(bad.first?.description == "content/x.md:1:15: error: DDPMScheduler has no final_alpha_cumprod", "\(bad)")
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var name: String
        var body: String
        var expected: String
        var note: String? = nil
        var description: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(name: "misspelt axis", body: "x: lamda\ny: beta\n", expected: "content/x.md:4:4: error: 'lamda' is not a valid 'x'", note: "did you mean 'lambda'?"),
        BadCase(name: "step axis for a per-timestep quantity", body: "x: step\ny: beta\n",
                expected: "content/x.md:4:4: error: 'x: step' is the inference step, but series 'β_t' plots 'beta', which is per training timestep"),
        BadCase(name: "quantity axis for a per-step quantity", body: "x: sigma\ny: timesteps\nnum_inference_steps: 5\n",
                expected: "content/x.md:4:4: error: series 'timestep' plots 'timesteps', which is per inference step: it needs 'x: step', not 'sigma'"),
        BadCase(name: "per-step and per-timestep series mixed", body: "num_inference_steps: 5\nseries:\n  - {quantity: beta}\n  - {label: ts, quantity: timesteps}\n",
                expected: "content/x.md:7:5: error: series 'ts' plots 'timesteps', which is per inference step: it needs 'x: step', not 't'"),
        BadCase(name: "series without a quantity and no y", body: "series:\n  - {label: a}\n",
                expected: "content/x.md:5:5: error: this series needs a 'quantity', as the plot has no 'y'"),
        BadCase(name: "misspelt series quantity", body: "series:\n  - {quantity: sqrt_alpha_cumprd}\n",
                expected: "content/x.md:5:16: error: unknown quantity 'sqrt_alpha_cumprd'", note: "did you mean 'sqrt_alpha_cumprod'?"),
        BadCase(name: "range with every 0", body: "y: beta\nt: {from: 0, to: 999, every: 0}\n",
                expected: "content/x.md:5:30: error: 'every' must be a positive integer, not 0"),
        BadCase(name: "range without to", body: "y: beta\nt: {from: 0, every: 10}\n",
                expected: "content/x.md:5:4: error: a 't' range needs 'from' and 'to', as in {from: 0, to: 999, every: 100}"),
        BadCase(name: "range with a misspelt key", body: "y: beta\nt: {from: 0, to: 9, evry: 2}\n",
                expected: "content/x.md:5:21: error: unknown key 'evry' in a 't' range", note: "did you mean 'every'?"),
        BadCase(name: "range bound not an integer", body: "y: beta\nt: {from: 0, to: 9.5}\n",
                expected: "content/x.md:5:18: error: 'to' must be an integer, not '9.5'"),
        BadCase(name: "t neither list nor range", body: "y: beta\nt: 100\n",
                expected: "content/x.md:5:4: error: 't' must be a list such as [0, 500, 999] or a range such as {from: 0, to: 999, every: 100}"),
        BadCase(name: "range past the schedule", body: "y: beta\nt: {from: 900, to: 1100, every: 100}\n",
                expected: "content/x.md:5:4: error: timestep 1000 is outside series 'β_t' (0…999)"),
    ]

    @Test("Bad axes, series quantities and ranges are errors at the offending line and column", arguments: badCases)
    func badDirective(_ bad: BadCase) {
        let (_, diagnostics) = TestSite.article("# Title\n\n```scheduler plot\n" + bad.body + "```\n")
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.first?.description == bad.expected, "\(errors.map(\.description))")
        if let note = bad.note { #expect(errors.first?.notes.contains(note) == true, "\(errors.first?.notes ?? [])") }
    }
}

@Suite("Whole numbers and column notation")
struct IntegerFormatTests {
    @Test("Timesteps print as integers in tables, values and inline values; a column keeps one notation")
    func integers() throws {
        let markdown = """
        ```scheduler table
        t: [0, 1, 9]
        num_inference_steps: 10
        columns:
          - {label: ts, quantity: timesteps, scheduler: DDIM}
        ```

        ```scheduler table
        t: [0, 999]
        columns: [beta, alpha_cumprod]
        beta_schedule: squaredcos_cap_v2
        ```

        ```scheduler value
        quantity: timesteps
        scheduler: DDIM
        num_inference_steps: 10
        t: 0
        ```

        First {value}`DDIM(num_inference_steps: 10).timesteps[0]` then {value}`DDIM(num_inference_steps: 10).timesteps[1] = 800`.
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let ddim = try DDIMScheduler(config: DDIMSchedulerConfiguration())
        try ddim.setTimesteps(10)
        for t in [ddim.timesteps[0], ddim.timesteps[1], ddim.timesteps[9]] {
            #expect(html.contains("<td class=\"num\">\(t)</td>"), "\(t)")
        }
        #expect(!html.contains("\(ddim.timesteps[0]).0"))
        #expect(html.contains("<span class=\"lm-value\">\(ddim.timesteps[0])</span>"))
        #expect(html.contains("lm-value\" title=\"DDIM(num_inference_steps: 10).timesteps[0], computed by DiffusionSchedulers\">\(ddim.timesteps[0])</span>"))
        // The cosine ᾱ runs from 0.99996 to 2.4e-09: the whole column is scientific, not half fixed.
        let schedule = try NoiseSchedule(betaSchedule: .squaredcosCapV2)
        let column = NumberFormat(digits: 4, style: .scientific)
        #expect(html.contains(column.html(Double(schedule.alphasCumprod[0])).rendered))
        #expect(html.contains(column.html(Double(schedule.alphasCumprod[999])).rendered))
        #expect(!html.contains(">" + NumberFormat(digits: 4).html(Double(schedule.alphasCumprod[0])).rendered + "<"), "not fixed beside scientific")
    }

    @Test("A column's notation comes from its whole range", arguments: [
        ([1.0, 2.0, 901.0], NumberFormat.Style.integer), ([0.5, 0.25, 12.0], .fixed), ([9.67e-4, 0.5], .fixed), ([4.036e-5, 0.9999], .fixed), ([2.43e-9, 0.5], .scientific), ([1e6, 2.5], .scientific),
    ])
    func columnNotation(_ values: [Double], _ style: NumberFormat.Style) {
        #expect(NumberFormat(digits: 4).forColumn(values).style == style)
        #expect(NumberFormat(digits: 4, style: .fixed).forColumn(values).style == .fixed, "a chosen notation is kept")
    }

    @Test("The integer style rounds and uses a real minus sign", arguments: [(901.0, "901"), (-3.0, "−3"), (2.6, "3"), (0.0, "0")])
    func integerStyle(_ value: Double, _ expected: String) {
        #expect(NumberFormat(style: .integer).string(value) == expected)
    }
}
