import Foundation
import DiffusionSchedulers
import Testing
@testable import LitMath

/// Inline values over experiment results and arithmetic (`PinExpression`).
@Suite("Inline value expressions")
struct InlineValueExpressionTests {
    /// The computed value of the page's only inline value, and the diagnostics.
    static func value(_ expression: String, page prefix: String = "") -> (Double?, [Diagnostic]) {
        let (page, diagnostics) = PageParser.parse(text: prefix + "Value {value}`\(expression)` here.\n", sourcePath: "x.md", displayPath: "content/x.md")
        return (page.inlineValues.first?.computed, diagnostics)
    }

    @Test("Arithmetic over literals: precedence, unary minus, parentheses and functions", arguments: [
        ("2 + 3 * 4", 14.0), ("2 * 3 - 4 / 2", 4), ("-(2 + 3) * 4", -20), ("-2 * -3", 6), ("2 - -3", 5), ("(((1)))", 1),
        ("log(exp(2))", 2), ("log10(1000)", 3), ("abs(-1.5)", 1.5), ("sqrt(16) + 1e1", 14), ("8 / 4 / 2", 1), ("10 - 2 - 3", 5),
    ])
    func arithmetic(_ expression: String, _ expected: Double) {
        let (value, diagnostics) = Self.value(expression)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(value == expected)
    }

    @Test("Arithmetic over schedule references uses the library's numbers")
    func scheduleArithmetic() throws {
        let schedule = try NoiseSchedule()
        let (inverse, d1) = Self.value("1/DDPM.alpha_cumprod[999] = 24778")
        #expect(d1.isEmpty, "\(d1)")
        #expect(inverse == 1 / Double(schedule.alphasCumprod[999]))
        let (root, d2) = Self.value("sqrt(DDPM(beta_schedule: linear).alpha_cumprod[500]) * 2")
        #expect(d2.isEmpty, "\(d2)")
        #expect(root == Double(schedule.alphasCumprod[500]).squareRoot() * 2)
        let define = "```scheduler define\nname: sd\nbeta_schedule: scaled_linear\nbeta_start: 0.00085\nbeta_end: 0.012\n```\n\n"
        let sd = try NoiseSchedule(betaStart: 0.00085, betaEnd: 0.012, betaSchedule: .scaledLinear)
        let (ratio, d3) = Self.value("sd.alpha_cumprod[999] / DDPM.alpha_cumprod[999]", page: define)
        #expect(d3.isEmpty, "\(d3)")
        #expect(ratio == Double(sd.alphasCumprod[999]) / Double(schedule.alphasCumprod[999]))
    }

    static let experiment = """

    ```scheduler experiment
    id: samplers
    data: {means: [-0.5, 0.6], std: [0.15, 0.2]}
    samplers:
      - {label: DDIM, scheduler: DDIM, clip_sample: false}
      - {label: DPM-Solver++ 2M, scheduler: DPMSolverMultistep}
    steps: [10, 20]
    samples: 32
    seed: 3
    ```

    """

    @Test("An experiment's result by id, sampler label and step count, even from above the experiment")
    func experimentPins() throws {
        let text = "DDIM at 20 steps {value}`samplers.DDIM[20]`, 2M {value}`samplers[\"DPM-Solver++ 2M\"][20]`, ratio {value}`samplers.DDIM[10] / samplers['DPM-Solver++ 2M'][10]`.\n" + Self.experiment
        let (page, diagnostics) = PageParser.parse(text: text, sourcePath: "x.md", displayPath: "content/x.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let records = try #require(page.directives.first?.records)
        let errors = Dictionary(records.map { ($0.key, $0.values) }, uniquingKeysWith: { a, _ in a })
        let ddim = try #require(errors["DDIM"]), dpm = try #require(errors["DPM-Solver++ 2M"])
        #expect(page.inlineValues.map(\.computed) == [ddim[1], dpm[1], ddim[0] / dpm[0]])
        #expect(page.directives.first?.experiment?.steps == [10, 20])
    }

    @Test("bless rewrites an arithmetic or experiment pin and check then passes; drift fails check at the pin")
    func blessAndCheck() throws {
        let good = "# Pins\n\nInverse {value}`1/DDPM.alpha_cumprod[999] = 24778`, error {value}`samplers.DDIM[20] = 1.000`.\n" + Self.experiment
        let project = try VerifyTests.Project(["index.md": good])
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(project.build().0 == 0)
        #expect(project.bless().0 == 0)
        let blessed = try project.read("index.md")
        // The experiment pin was wrong (1.0): bless wrote the computed error at the pin's precision.
        let (page, _) = PageParser.parse(text: blessed, sourcePath: "index.md", displayPath: "content/index.md")
        let computed = try #require(page.inlineValues.last?.computed)
        #expect(blessed == good.replacingOccurrences(of: "= 1.000`", with: "= \(String(format: "%.3f", computed))`"))
        #expect(page.inlineValues.allSatisfy { $0.holds })
        #expect(project.build().0 == 0)
        let (status, log) = project.check()
        #expect(status == 0, "\(log)")

        // Change the arithmetic pin: check fails at its line and column and names the expression.
        let drifted = blessed.replacingOccurrences(of: "= 24778`", with: "= 24000`")
        try project.write("index.md", drifted)
        let (driftStatus, driftLog) = project.check()
        #expect(driftStatus == 1)
        #expect(driftLog.contains("index.md:3:45:"), "\(driftLog)")
        #expect(driftLog.contains("inline value `1/DDPM.alpha_cumprod[999]`: 24000 → 24778"), "\(driftLog)")
        #expect(project.bless().0 == 0)
        #expect(try project.read("index.md") == blessed)
    }

    @Test("Expression errors point at the offending column", arguments: [
        ("samplrs.DDIM[20]", "content/x.md:1:15: error: unknown name 'samplrs'", "did you mean 'samplers'?"),
        ("sqr(2)", "content/x.md:1:15: error: unknown name 'sqr'", "did you mean 'sqrt'?"),
        ("1 / (2 - 2)", "content/x.md:1:17: error: division by zero", nil),
        ("(1 + 2", "content/x.md:1:15: error: unbalanced parenthesis: '(' is not closed", nil),
        ("1 + 2)", "content/x.md:1:20: error: unbalanced parenthesis: ')' without a matching '('", nil),
        ("sqrt(1 - 2)", "content/x.md:1:15: error: sqrt of a negative number (-1)", nil),
        ("log(0)", "content/x.md:1:15: error: log of a number that is not positive (0)", nil),
        ("2 +", "content/x.md:1:18: error: expected a number, a reference or '(' after the operator", nil),
        ("2 3", "content/x.md:1:17: error: unexpected '3'; expected an operator (+ - * /) or the end of the expression", nil),
        ("samplers.DDM[20]", "content/x.md:1:24: error: experiment 'samplers' has no sampler 'DDM'", "did you mean 'DDIM'?"),
        ("samplers.DDIM[25]", "content/x.md:1:29: error: experiment 'samplers' did not run 25 steps", "steps: 10, 20"),
        ("samplers[\"DPM-Solver++ 2M\"[20]", "content/x.md:1:41: error: expected ']' after the label", nil),
        ("DDPM.alpha_cumprod[999] * DDPM.bta[0]", "content/x.md:1:46: error: unknown quantity 'bta'", "did you mean 'beta'?"),
        ("1 + DDPM.beta[1000]", "content/x.md:1:29: error: timestep 1000 is outside the schedule (0…999)", nil),
        (String(repeating: "(", count: 70) + "1" + String(repeating: ")", count: 70), "content/x.md:1:79: error: expression nested more than 64 levels deep", nil),
    ])
    func errors(_ expression: String, _ expected: String, _ note: String?) {
        // The experiment follows the pin, so the columns are those of a page without it.
        let (_, diagnostics) = PageParser.parse(text: "Value {value}`\(expression)` here.\n" + (expression.contains("sampl") ? Self.experiment : ""),
                                                sourcePath: "x.md", displayPath: "content/x.md")
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.description == expected, "\(errors.map(\.description))")
        if let note { #expect(errors.first?.notes.contains(note) == true, "\(errors.first?.notes ?? [])") }
    }
}
