import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A corpus of bad content, each case run through the real `litmath build` as a process with a
/// time limit: it must exit non-zero (1 for content errors, 2 for setup errors) with a precise
/// diagnostic — `file:line:col: error: …` wherever there is a line — and must not crash, hang,
/// or write anything outside its output folder (which it must not create either).
@Suite("Bad content")
struct BadContentTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Text files of the content folder (relative path → text).
        var files: [String: String] = [:]
        /// Files with exact bytes.
        var bytes: [String: Data] = [:]
        /// Makes what files cannot: links, pipes. Gets the case's root folder (holding `content/`).
        var prepare: (@Sendable (URL) throws -> Void)? = nil
        /// Arguments after `build`.
        var arguments = ["--content", "content", "--output", "site", "--no-cache"]
        /// The exit status.
        var status: Int32 = 1
        /// Text the diagnostics must contain (the location and the start of the message).
        var expected: String
        /// More text the diagnostics must contain: notes, and the other diagnostics of the case.
        var alsoExpected: [String] = []
        /// Text the diagnostics must not contain (a cascade, a wrong "did you mean").
        var absent: [String] = []
        var testDescription: String { name }
    }

    static let page = "# A page\n\nSome text.\n"
    static let deep = String(repeating: ">", count: 10_000)

    static let cases: [Case] = [
        // Math
        Case(name: "unterminated \\( inline math", files: ["x.md": "# X\n\nThe value \\(x + y is never closed.\n"],
             expected: "content/x.md:3:11: error: '\\(' math is not closed"),
        Case(name: "unterminated $$ display math", files: ["x.md": "# X\n\n$$\nx + y\n\nMore text.\n"],
             expected: "content/x.md:3:1: error: display math '$$' is not closed"),
        Case(name: "unterminated \\[ display math", files: ["x.md": "# X\n\nSee \\[ x^2\n"],
             expected: "content/x.md:3:5: error: '\\[' math is not closed"),
        Case(name: "a formula KaTeX rejects", files: ["x.md": "# X\n\nBad $\\frac{1}{$ here.\n"],
             expected: "content/x.md:3:15: error: cannot typeset inline math: KaTeX parse error"),
        // Markdown
        Case(name: "unclosed code fence", files: ["x.md": "# X\n\nText.\n\n```swift\nlet x = 1\n\nMore prose that became code.\n"],
             expected: "content/x.md:5:1: error: code fence '```' is never closed"),
        Case(name: "unclosed tilde fence in a block quote", files: ["x.md": "# X\n\n> ~~~~\n> code\n\nAfter.\n"],
             expected: "content/x.md:3:3: error: code fence '~~~~' is never closed"),
        Case(name: "10,000 nested block quotes", files: ["x.md": "# X\n\n" + deep + " deep\n"],
             expected: "content/x.md:3:64: error: Markdown is nested more than 64 levels deep"),
        Case(name: "10,000 nested list levels", files: ["x.md": "# X\n\n" + String(repeating: "- ", count: 10_000) + "x\n"],
             expected: "content/x.md:3:63: error: Markdown is nested more than 64 levels deep"),
        Case(name: "10,000 nested emphasis", files: ["x.md": "# X\n\n" + String(repeating: "*", count: 10_000) + "x" + String(repeating: "*", count: 10_000) + "\n"],
             expected: "content/x.md:3:1: error: Markdown is nested more than 64 levels deep"),
        // Front matter
        Case(name: "front matter with invalid YAML", files: ["x.md": "---\ntitle: [unclosed\n---\n# X\n"],
             expected: "content/x.md:3:1: error: invalid front matter: did not find expected ',' or ']'"),
        Case(name: "front matter never closed", files: ["x.md": "---\ntitle: X\n\n# X\n"],
             expected: "content/x.md:1:1: error: front matter has no closing '---' line"),
        Case(name: "front matter that is not a mapping", files: ["x.md": "---\n- a\n- b\n---\n# X\n"],
             expected: "content/x.md:2:1: error: front matter must be a mapping"),
        Case(name: "front matter order that is not a number", files: ["x.md": "---\norder: first\n---\n# X\n"],
             expected: "content/x.md:2:8: error: 'order' must be an integer, not 'first'"),
        Case(name: "front matter date that is not a date", files: ["x.md": "---\ndate: 2024-02-30\n---\n# X\n"],
             expected: "content/x.md:2:7: error: 'date' must be a date such as 2024-01-15 or 2024-01-15 10:00:00 +0800, not '2024-02-30'"),
        Case(name: "front matter tags that are not a list", files: ["x.md": "---\ntags: {a: b}\n---\n# X\n"],
             expected: "content/x.md:2:7: error: 'tags' must be a list of words"),
        Case(name: "front matter nested 10,000 levels", files: ["x.md": "---\ntitle: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n---\n# X\n"],
             expected: "content/x.md:2:9: error: invalid front matter: Maximum nesting level reached"),
        // Links and images
        Case(name: "missing image", files: ["x.md": "# X\n\n![A plot](plots/missing.png)\n"],
             expected: "content/x.md:3:11: error: image 'plots/missing.png' not found"),
        Case(name: "image path ../../etc/passwd", files: ["x.md": "# X\n\nSee ![secret](../../etc/passwd).\n"],
             expected: "content/x.md:3:15: error: image '../../etc/passwd' is outside the content folder"),
        Case(name: "link to ../../etc/passwd", files: ["x.md": "# X\n\n[secret](../../etc/passwd)\n"],
             expected: "content/x.md:3:10: error: broken link '../../etc/passwd'"),
        Case(name: "broken link to an article", files: ["x.md": "# X\n\nRead [the sequel](sequel.md).\n"],
             expected: "content/x.md:3:19: error: broken link 'sequel.html'"),
        Case(name: "broken anchor", files: ["x.md": "# X\n\n## Real\n\nSee [below](#unreal).\n"],
             expected: "content/x.md:5:13: error: broken anchor '#unreal'"),
        // Labels, references, footnotes, callouts (the Markdown features beyond cmark)
        Case(name: "a duplicate equation label", files: ["x.md": "# X\n\n$$\nx = 1 \\label{eq:a}\n$$\n\n$$\ny = 2 \\label{eq:a}\n$$\n"],
             expected: "content/x.md:8:7: error: label 'eq:a' is used twice on this page"),
        Case(name: "a reference to a missing label", files: ["x.md": "# X\n\nSee \\eqref{eq:nope}.\n"],
             expected: "content/x.md:3:5: error: no label 'eq:nope' on this page"),
        Case(name: "a reference into an article that does not exist", files: ["x.md": "# X\n\nSee \\ref{other.md#eq:a}.\n"],
             expected: "content/x.md:3:5: error: '\\ref{other.md#eq:a}' refers to 'other.md', which is not an article of this site"),
        Case(name: "an undefined footnote", files: ["x.md": "# X\n\nA claim.[^missing]\n"],
             expected: "content/x.md:3:9: error: footnote '[^missing]' is not defined"),
        Case(name: "a footnote defined twice", files: ["x.md": "# X\n\nA.[^a]\n\n[^a]: one\n\n[^a]: two\n"],
             expected: "content/x.md:7:1: error: footnote '[^a]' is defined twice"),
        Case(name: "an unknown callout", files: ["x.md": "# X\n\n> [!NOPE]\n> text\n"],
             expected: "content/x.md:3:3: error: unknown callout '[!NOPE]'"),
        Case(name: "a root-relative image path that climbs out", files: ["x.md": "# X\n\n![](/../../etc/passwd)\n"],
             expected: "content/x.md:3:5: error: image '/../../etc/passwd' is outside the content folder"),
        // Files
        Case(name: "invalid UTF-8", bytes: ["x.md": Data("# X\n\nca".utf8) + Data([0xC3, 0x28]) + Data("fe\n".utf8)],
             expected: "content/x.md:3:3: error: file is not valid UTF-8"),
        Case(name: "a 50 MB article", files: ["x.md": page], prepare: { root in
                 let handle = try FileHandle(forWritingTo: root.appendingPathComponent("content/x.md"))
                 try handle.seekToEnd()
                 try handle.write(contentsOf: Data(repeating: UInt8(ascii: "a"), count: 50 << 20))
                 try handle.close()
             }, expected: "content/x.md: error: 'x.md' is 52428821 bytes; text files are limited to 8 MiB"),
        Case(name: "an article that is a symbolic link out of content/", files: ["index.md": page], prepare: { root in
                 try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("content/passwd.md").path, withDestinationPath: "/etc/passwd")
             }, expected: "content/passwd.md: error: 'passwd.md' is a symbolic link to '/etc/passwd', outside the content folder"),
        Case(name: "a static file that is a symbolic link out of content/", files: ["index.md": page], prepare: { root in
                 try FileManager.default.createDirectory(at: root.appendingPathComponent("content/img"), withIntermediateDirectories: true)
                 try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("content/img/logo.png").path, withDestinationPath: "../../outside.png")
                 try Data("secret".utf8).write(to: root.appendingPathComponent("outside.png"))
             }, expected: "content/img/logo.png: error: 'img/logo.png' is a symbolic link to"),
        Case(name: "a named pipe in content/ (reading it would block forever)", files: ["index.md": page], prepare: { root in
                 guard mkfifo(root.appendingPathComponent("content/pipe.md").path, 0o644) == 0 else { throw POSIXError(.EIO) }
             }, expected: "content/pipe.md: error: 'pipe.md' is a pipe or other special file, not a regular file"),
        Case(name: "a symbolic link loop", files: ["index.md": page], prepare: { root in
                 try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("content/a.md").path, withDestinationPath: "b.md")
                 try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("content/b.md").path, withDestinationPath: "a.md")
             }, expected: "content/a.md: error: 'a.md' is a broken or looping symbolic link"),
        Case(name: "a static file that would overwrite a page", files: ["x.md": page, "x.html": "<p>mine</p>"],
             expected: "content/x.html: error: 'x.html' would overwrite the page built from 'x.md'"),
        Case(name: "a static file that would overwrite litmath's stylesheet", files: ["x.md": page, "assets/litmath.css": "body{}"],
             expected: "content/assets/litmath.css: error: 'assets/litmath.css' would overwrite a file litmath writes"),
        // Site configuration
        Case(name: "site.yml with an unknown key", files: ["x.md": page, "site.yml": "title: T\nbase_ulr: https://example.org/\n"],
             expected: "content/site.yml:2:1: error: unknown key 'base_ulr' in site.yml\n"),
        Case(name: "site.yml that is not YAML", files: ["x.md": page, "site.yml": "title: [T\n"],
             expected: "content/site.yml:2:1: error: invalid YAML in site.yml"),
        Case(name: "site.yml navigation naming no article", files: ["x.md": page, "site.yml": "navigation:\n  - x.md\n  - y.md\n"],
             expected: "content/site.yml:3:5: error: 'navigation' lists 'y.md', which is not an article"),
        Case(name: "site.yml base_url that is not a URL", files: ["x.md": page, "site.yml": "base_url: example.org\n"],
             expected: "content/site.yml:1:11: error: 'base_url' must be an absolute http or https URL"),
        Case(name: "site.yml language that is not a language tag", files: ["x.md": page, "site.yml": "language: English (UK)\n"],
             expected: "content/site.yml:1:11: error: 'language' must be a language tag"),
        // Templates
        Case(name: "a template with a section never closed", files: ["x.md": page, "_templates/page.mustache": "<html>\n{{#page.tags}}\n<b>{{.}}</b>\n</html>\n"],
             expected: "content/_templates/page.mustache:5:1: error: invalid template: a section is never closed"),
        Case(name: "a template naming a partial that does not exist", files: ["x.md": page, "_templates/page.mustache": "<html>\n  {{> headd}}\n</html>\n"],
             expected: "content/_templates/page.mustache:2:3: error: template 'headd' does not exist"),
        Case(name: "a template that includes itself", files: ["x.md": page, "_templates/footer.mustache": "<footer>{{> footer}}</footer>\n"],
             expected: "content/_templates/footer.mustache:1:9: error: template 'footer' includes 'footer'"),
        Case(name: "a template changing its delimiters", files: ["x.md": page, "_templates/page.mustache": "{{=<% %>=}}\n<%> page%>\n"],
             expected: "content/_templates/page.mustache:1:1: error: litmath templates keep the '{{ }}' delimiters"),
        Case(name: "a file in _templates that is not a template", files: ["x.md": page, "_templates/page.html": "<html></html>"],
             expected: "content/_templates/page.html: error: '_templates/page.html' is not a template"),
        // Directives
        Case(name: "a directive with an unknown key", files: ["x.md": "# X\n\n```scheduler plot\ny: beta\nbeta_shedule: linear\n```\n"],
             expected: "content/x.md:5:1: error: unknown key 'beta_shedule' in 'scheduler plot'"),
        Case(name: "a directive that is not YAML", files: ["x.md": "# X\n\n```scheduler table\nt: [0, 1\n```\n"],
             expected: "content/x.md:5:1: error: invalid YAML"),
        Case(name: "a plot axis that is misspelt", files: ["x.md": "# X\n\n```scheduler plot\nx: lamda\ny: beta\n```\n"],
             expected: "content/x.md:4:4: error: 'lamda' is not a valid 'x'"),
        Case(name: "a per-step quantity against t", files: ["x.md": "# X\n\n```scheduler plot\nx: t\ny: timesteps\nnum_inference_steps: 5\n```\n"],
             expected: "content/x.md:4:4: error: series 'timestep' plots 'timesteps', which is per inference step: it needs 'x: step', not 't'"),
        Case(name: "a series quantity that is misspelt", files: ["x.md": "# X\n\n```scheduler plot\nseries:\n  - {quantity: sigam}\n```\n"],
             expected: "content/x.md:5:16: error: unknown quantity 'sigam'"),
        Case(name: "a timestep range with every 0", files: ["x.md": "# X\n\n```scheduler table\nt: {from: 0, to: 999, every: 0}\ncolumns: [beta]\n```\n"],
             expected: "content/x.md:4:30: error: 'every' must be a positive integer, not 0"),
        Case(name: "a timestep range with a misspelt key", files: ["x.md": "# X\n\n```scheduler table\nt: {from: 0, upto: 999}\ncolumns: [beta]\n```\n"],
             expected: "content/x.md:4:14: error: unknown key 'upto' in a 't' range"),
        Case(name: "a timestep range of a million entries", files: ["x.md": "# X\n\n```scheduler table\nt: {from: 0, to: 999999999}\ncolumns: [beta]\n```\n"],
             expected: "content/x.md:4:4: error: the 't' range has 1000000000 entries, more than 100000"),
        Case(name: "an inline value with a misspelt experiment", files: ["x.md": "# X\n\nError {value}`samplrs.DDIM[10] = 0.1`.\n\n```scheduler experiment\nid: samplers\ndata: {means: [0], std: 1}\nsamplers: [{label: DDIM, scheduler: DDIM}]\nsteps: [10]\nsamples: 8\n```\n"],
             expected: "content/x.md:3:15: error: unknown name 'samplrs'"),
        Case(name: "an inline value dividing by zero", files: ["x.md": "# X\n\nRatio {value}`DDPM.beta[0] / (DDPM.beta[1] - DDPM.beta[1])`.\n"],
             expected: "content/x.md:3:28: error: division by zero"),
        Case(name: "an inline value with an unclosed parenthesis", files: ["x.md": "# X\n\nRoot {value}`sqrt(DDPM.beta[0] = 0.01`.\n"],
             expected: "content/x.md:3:18: error: unbalanced parenthesis: '(' is not closed"),
        Case(name: "an inline value nested 10,000 levels", files: ["x.md": "# X\n\nDeep {value}`" + String(repeating: "-(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + "`.\n"],
             expected: "content/x.md:3:78: error: expression nested more than 64 levels deep"),
        Case(name: "final_alpha_cumprod of a scheduler without one", files: ["x.md": "# X\n\nFinal {value}`EulerDiscrete.final_alpha_cumprod[0]`.\n"],
             expected: "content/x.md:3:15: error: EulerDiscreteScheduler has no final_alpha_cumprod"),
        Case(name: "a misspelt density directive", files: ["x.md": "# X\n\n```scheduler densty\nt: [0]\n```\n"],
             expected: "content/x.md:3:1: error: unknown directive kind 'densty'\n```scheduler densty\n^\nnote: did you mean 'density'?"),
        Case(name: "a density at a timestep past the schedule", files: ["x.md": "# X\n\n```scheduler density\ndata: {means: [0], std: 1}\nt: [0, 1000]\n```\n"],
             expected: "content/x.md:5:8: error: timestep 1000 is outside the schedule (0…999)"),
        Case(name: "a trajectory sampler without num_inference_steps", files: ["x.md": "# X\n\n```scheduler trajectory\ndata: {means: [0], std: 1}\nsamplers:\n  - {scheduler: DDIM}\n```\n"],
             expected: "content/x.md:6:5: error: a trajectory sampler needs 'num_inference_steps', the argument of set_timesteps"),
        Case(name: "a misspelt x0_pred in a trajectory", files: ["x.md": "# X\n\n```scheduler trajectory\ndata: {means: [0], std: 1}\nsamplers: [{scheduler: DDIM, num_inference_steps: 5}]\nshow: [x0pred]\n```\n"],
             expected: "content/x.md:6:7: error: 'x0pred' is not a valid 'show' with samplers"),
        Case(name: "a step quantity on a scheduler without it",
             files: ["x.md": "# X\n\n```scheduler plot\ny: step_h\nscheduler: DDIM\nnum_inference_steps: 5\n```\n"],
             expected: "content/x.md:4:1: error: quantity 'step_h' needs a DPM-Solver or UniPC scheduler (DPMSolverMultistep, DPMSolverSinglestep, UniPCMultistep); 'DDIM' has no λ steps"),
        Case(name: "a negative eta",
             files: ["x.md": "# X\n\n```scheduler plot\ny: ddim_sigma\nscheduler: DDIM\nnum_inference_steps: 5\neta: -1\n```\n"],
             expected: "content/x.md:7:1: error: eta must be a finite number ≥ 0, not -1.0"),
        Case(name: "a misspelt step quantity",
             files: ["x.md": "# X\n\n```scheduler table\nt: [0]\nnum_inference_steps: 5\nscheduler: DDIM\ncolumns: [ddim_sigmaa]\n```\n"],
             expected: "content/x.md:7:11: error: unknown quantity 'ddim_sigmaa'"),
        Case(name: "eta in a column of a scheduler whose step does not take it",
             files: ["x.md": "# X\n\n```scheduler table\nt: [0]\nnum_inference_steps: 5\nscheduler: DPMSolverMultistep\ncolumns:\n  - {quantity: step_h, eta: 1}\n```\n"],
             expected: "content/x.md:8:24: error: 'eta' is an argument of the step of a DDIM scheduler; 'DPMSolverMultistep' does not take it"),
        // Experiment knobs: every key, at the place of the value at fault
        experimentCase("an experiment with eta below 0", "eta: -1",
                       expected: "content/x.md:7:6: error: 'eta' must be a number ≥ 0 such as 0.5, not '-1'"),
        experimentCase("an experiment with s_churn that is not a number", "s_churn: lots",
                       expected: "content/x.md:7:10: error: 's_churn' must be a number ≥ 0 such as 40, not 'lots'"),
        experimentCase("an experiment with s_tmin below 0", "s_tmin: -0.5",
                       expected: "content/x.md:7:9: error: 's_tmin' must be a number ≥ 0 such as 0.05, not '-0.5'"),
        experimentCase("an experiment with s_tmax of 0", "s_tmax: 0",
                       expected: "content/x.md:7:9: error: 's_tmax' must be a number > 0 such as 50, or .inf, not '0'"),
        experimentCase("an experiment with s_noise NaN", "s_noise: .nan",
                       expected: "content/x.md:7:10: error: 's_noise' must be a number ≥ 0 such as 1.003, not '.nan'"),
        experimentCase("an experiment with strength above 1", "strength: 1.5",
                       expected: "content/x.md:7:11: error: 'strength' must be a number in (0, 1] such as 0.6, not '1.5'"),
        experimentCase("an experiment with guidance that is a number", "guidance: 7.5",
                       expected: "content/x.md:7:11: error: 'guidance' must be a mapping such as {class: 1, scale: 7.5}"),
        experimentCase("an experiment with guidance without a scale", "guidance: {class: 1}",
                       expected: "content/x.md:7:11: error: 'guidance' needs 'class' and 'scale', such as {class: 1, scale: 7.5}"),
        experimentCase("an experiment with a guidance class that is not an integer", "guidance: {class: one, scale: 7.5}",
                       expected: "content/x.md:7:19: error: 'class' must be an integer class label, not 'one'"),
        experimentCase("an experiment with a guidance scale that is not a number", "guidance: {class: 1, scale: high}",
                       expected: "content/x.md:7:29: error: 'scale' must be a finite number such as 7.5, not 'high'"),
        experimentCase("an experiment with guidance without classes in the data", "guidance: {class: 1, scale: 7.5}",
                       expected: "content/x.md:7:1: error: 'guidance' needs class labels: add 'classes' to 'data', one per mean, such as [0, 1, 1]"),
        experimentCase("an experiment with fit that is an unknown word", "fit: best",
                       expected: "content/x.md:7:6: error: 'fit' must be 'all', 'auto' or a range of NFE such as {from: 20, to: 80}, not 'best'"),
        experimentCase("an experiment with fit backwards", "fit: {from: 80, to: 20}",
                       expected: "content/x.md:7:6: error: 'fit' must go from a smaller NFE to a larger one, not from 80 to 20"),
        experimentCase("an experiment with fit without 'to'", "fit: {from: 20}",
                       expected: "content/x.md:7:6: error: 'fit' needs 'to', such as {from: 20, to: 80}"),
        experimentCase("an experiment with fit from 0", "fit: {from: 0, to: 20}",
                       expected: "content/x.md:7:13: error: 'from' must be a positive number of model evaluations, not '0'"),
        experimentCase("an experiment with fit over fewer than 2 points", "fit: {from: 2, to: 3}",
                       expected: "content/x.md:7:1: error: 'fit' from 2 to 3 holds fewer than 2 of the sampler's NFE (5, 10)"),
        experimentCase("an experiment with reference_slopes that is not a list", "reference_slopes: 2",
                       expected: "content/x.md:7:19: error: 'reference_slopes' must be a list of orders such as [1, 2]"),
        experimentCase("an experiment with a negative reference slope", "reference_slopes: [1, -2]",
                       expected: "content/x.md:7:23: error: each of 'reference_slopes' must be a positive number, not '-2'"),
        experimentCase("an experiment with per_step of 0", "per_step: 0",
                       expected: "content/x.md:7:11: error: 'per_step' must be a step count from 1 to 1000, not '0'"),
        experimentCase("an experiment with fit and the wasserstein metric", "fit: auto\nmetric: wasserstein",
                       expected: "content/x.md:7:1: error: 'fit' needs 'metric: ode_error': slopes are fitted to errors that can go to zero"),
        experimentCase("an experiment with per_step with the wasserstein metric", "per_step: 12\nmetric: wasserstein",
                       expected: "content/x.md:7:11: error: 'per_step' needs 'metric: ode_error': a step's error is measured against the exact ODE"),
        Case(name: "an experiment with eta on a sampler that is not DDIM",
             files: ["x.md": "# E\n\n```scheduler experiment\ndata: {means: [0, 1], std: 1}\nsamplers: [{scheduler: EulerDiscrete, eta: 0.5}]\nsteps: [5]\n```\n"],
             expected: "content/x.md:5:39: error: eta is an argument of DDIMScheduler.step, not of EulerDiscreteScheduler.step"),
        Case(name: "an experiment with s_churn on a sampler that is not EulerDiscrete",
             files: ["x.md": "# E\n\n```scheduler experiment\ndata: {means: [0, 1], std: 1}\nsamplers: [{scheduler: DDIM, s_churn: 1}]\nsteps: [5]\n```\n"],
             expected: "content/x.md:5:30: error: s_churn, s_tmin, s_tmax and s_noise are arguments of EulerDiscreteScheduler.step, not of DDIMScheduler.step"),
        Case(name: "an experiment whose classes do not match the means",
             files: ["x.md": "# E\n\n```scheduler experiment\ndata: {means: [0, 1], std: 1, classes: [0, 1, 1]}\nsamplers: [{scheduler: DDIM}]\nsteps: [5]\n```\n"],
             expected: "content/x.md:4:40: error: 'classes' has 3 labels but there are 2 means"),
        Case(name: "an experiment with a class label that is not an integer",
             files: ["x.md": "# E\n\n```scheduler experiment\ndata: {means: [0, 1], std: 1, classes: [0, a]}\nsamplers: [{scheduler: DDIM}]\nsteps: [5]\n```\n"],
             expected: "content/x.md:4:40: error: 'classes' must be a list of integer class labels, one per mean, such as [0, 1, 1]"),
        Case(name: "an experiment guided towards a class no component has",
             files: ["x.md": "# E\n\n```scheduler experiment\ndata: {means: [0, 1], std: 1, classes: [0, 0]}\nguidance: {class: 1, scale: 2}\nsamplers: [{scheduler: DDIM}]\nsteps: [5]\n```\n"],
             expected: "content/x.md:5:1: error: no component of positive weight has class 1"),
        Case(name: "an experiment whose strength keeps no step",
             files: ["x.md": "# E\n\n```scheduler experiment\ndata: {means: [0, 1], std: 1}\nsamplers: [{scheduler: DDIM, strength: 0.1}]\nsteps: [5]\n```\n"],
             expected: "content/x.md:5:30: error: strength 0.1 keeps no step of 5 (diffusers' get_timesteps keeps ⌊steps·strength⌋)"),
        // Diagnostics that say why (issue 10)
        Case(name: "a define used above its definition",
             files: ["x.md": "# X\n\n```scheduler table\nscheduler: sd\nt: [0]\ncolumns: [beta]\n```\n\n```scheduler define\nname: sd\nbeta_schedule: linear\n```\n"],
             expected: "content/x.md:4:12: error: unknown scheduler 'sd'",
             alsoExpected: ["note: 'sd' is defined below, at line 10; move the define above its first use"]),
        Case(name: "a typo inside a define does not cascade into pins computed with defaults",
             files: ["x.md": "# X\n\nPinned {value}`sd.alpha_cumprod[999] = 0.0047`.\n\n```scheduler define\nname: sd\nbeta_schedul: scaled_linear\n```\n\n```scheduler table\nscheduler: sd\nt: [999]\ncolumns: [alpha_cumprod]\n```\n"],
             expected: "content/x.md:7:1: error: unknown key 'beta_schedul' in 'scheduler define'",
             alsoExpected: ["content/x.md:11:12: error: scheduler 'sd' has errors (see its define at line 6)",
                            "content/x.md:3:16: error: scheduler 'sd' has errors (see its define at line 6)"],
             absent: ["as written", "warning"]),
        Case(name: "Stable Diffusion 1.5's PNDMScheduler config without a class that has a port",
             files: ["x.md": "# X\n\n```scheduler define\nname: sd\n_class_name: PNDMScheduler\n_diffusers_version: 0.6.0\nskip_prk_steps: true\n```\n"],
             expected: "content/x.md:5:14: error: DiffusionSchedulers has no port of PNDMScheduler",
             alsoExpected: ["note: add 'scheduler: DDIM' (or another class) beside it"]),
        Case(name: "a key of another class is a warning naming that class; a key of none is an error",
             files: ["x.md": "# X\n\n```scheduler table\nscheduler: DPMSolverMultistep\nset_alpha_to_one: false\nbeta_shedule: linear\nt: [0]\ncolumns: [beta]\n```\n"],
             expected: "content/x.md:6:1: error: unknown key 'beta_shedule' in 'scheduler table'",
             alsoExpected: ["content/x.md:5:1: warning: 'set_alpha_to_one' is not a key of DPMSolverMultistepScheduler; ignored",
                            "note: it is a key of DDIMScheduler, LCMScheduler, PNDMScheduler; diffusers' from_config ignores it too"]),
        Case(name: "an incompatible option value gets the rule, not a 'did you mean'",
             files: ["x.md": "# X\n\n```scheduler table\nscheduler: DPMSolverMultistep\nalgorithm_type: dpmsolver\nt: [0]\ncolumns: [beta]\n```\n"],
             expected: "error: final_sigmas_type 'zero' is not supported for algorithm_type 'dpmsolver'; choose 'sigma_min'",
             absent: ["did you mean"]),
        Case(name: "use_beta_sigmas repeating the first timestep: said, instead of only 'past the last step'",
             files: ["x.md": "# X\n\n```scheduler experiment\ndata: {means: [-1, 1], std: 0.5}\nsamplers:\n  - {label: beta, scheduler: DPMSolverMultistep, beta_schedule: scaled_linear, beta_start: 0.00085, beta_end: 0.012, use_beta_sigmas: true}\nsteps: [40]\nsamples: 8\n```\n"],
             expected: "content/x.md:6:5: error: step 40 is past the last of 40 steps: the first timestep, 998, occurs 2 times, and the first step starts at its second occurrence (diffusers' index_for_timestep), so the schedule runs out one step early; diffusers 0.42.1 raises an IndexError there too"),
        Case(name: "a NaN result names the step that produced it and the h = 0 cause",
             files: ["x.md": "# X\n\n```scheduler experiment\nid: nan\ndata: {means: [-1, 1], std: 0.5}\nsamplers:\n  - {label: DPM-Solver 3M, scheduler: DPMSolverMultistep, beta_schedule: scaled_linear, beta_start: 0.00085, beta_end: 0.012, algorithm_type: dpmsolver, solver_order: 3, use_karras_sigmas: true, final_sigmas_type: sigma_min}\nsteps: [24]\nsamples: 8\n```\n"],
             expected: "content/x.md:3:1: error: directive 'nan': 'DPM-Solver 3M' is NaN at nfe = 24",
             alsoExpected: ["note: step 24 of 24 (timestep 0) first gave a non-finite sample, going from σ = 0.02917 to σ = 0.02917: the two sigmas are equal, so the step in λ is h = 0, which a higher-order update divides by"]),
        // Setup
        Case(name: "an empty content folder", arguments: ["--content", "content", "--output", "site", "--no-cache"], status: 2,
             expected: "error: no Markdown articles (*.md) in 'content'"),
        Case(name: "an output folder inside the content folder", files: ["x.md": page],
             arguments: ["--content", "content", "--output", "content/site", "--no-cache"], status: 2,
             expected: "error: the output folder 'content/site' is inside the content folder"),
        // Failures of the output writer: one line naming the path and the cause, no raw Foundation error.
        Case(name: "an output below a file", files: ["x.md": page], prepare: { root in
                 try Data("a file".utf8).write(to: root.appendingPathComponent("blocker"))
             }, arguments: ["--content", "content", "--output", "blocker/site", "--no-cache"], status: 2,
             expected: "/blocker/site': Not a directory\nbuild failed: 1 error; 'blocker/site' was not changed\n"),
        Case(name: "an output whose lock file name is too long", files: ["x.md": page],
             arguments: ["--content", "content", "--output", String(repeating: "s", count: 251), "--no-cache"], status: 2,
             expected: "error: cannot write the site: cannot create the lock file '"),
        Case(name: "an output whose lock file name is too long (the cause)", files: ["x.md": page],
             arguments: ["--content", "content", "--output", String(repeating: "s", count: 251), "--no-cache"], status: 2,
             expected: ".lock': File name too long\nbuild failed: 1 error;"),
        Case(name: "an output folder litmath did not write", files: ["x.md": page], prepare: { root in
                 try FileManager.default.createDirectory(at: root.appendingPathComponent("site"), withIntermediateDirectories: true)
                 try Data("keep me".utf8).write(to: root.appendingPathComponent("site/thesis.tex"))
             }, status: 2, expected: "is not empty and was not written by litmath"),
    ]

    /// An experiment on 1-D data with DDIM at 5 and 10 steps, and `line` (line 7 of the page) added.
    static func experimentCase(_ name: String, _ line: String, expected: String) -> Case {
        let page = "# E\n\n```scheduler experiment\ndata: {means: [0, 1], std: 1}\nsamplers: [{scheduler: DDIM}]\nsteps: [5, 10]\n\(line)\n```\n"
        return Case(name: name, files: ["x.md": page], expected: expected)
    }

    @Test("Fails with a precise diagnostic and a non-zero exit, within the time limit, writing nothing", arguments: cases)
    func badInput(_ c: Case) throws {
        let root = try TestSite.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        try TestSite.write(c.files, to: content)
        for (path, data) in c.bytes { try data.write(to: content.appendingPathComponent(path)) }
        try c.prepare?(root)
        let before = try Self.listing(root)

        let log = FileManager.default.temporaryDirectory.appendingPathComponent("litmath-bad-input-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = try ServeCommandTests.executable()
        process.arguments = ["build"] + c.arguments
        process.currentDirectoryURL = root
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        let limit: TimeInterval = 90
        while process.isRunning && Date().timeIntervalSince(start) < limit { Thread.sleep(forTimeInterval: 0.02) }
        let hung = process.isRunning
        if hung { process.terminate(); process.waitUntilExit() } else { process.waitUntilExit() }
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""

        #expect(!hung, "still running after \(Int(limit)) s")
        #expect(process.terminationReason == .exit, "ended by signal \(process.terminationStatus): \(output.suffix(2000))")
        #expect(process.terminationStatus == c.status, "exit status \(process.terminationStatus), expected \(c.status):\n\(output.prefix(3000))")
        #expect(output.contains(c.expected), "expected \(c.expected.debugDescription) in:\n\(output.prefix(3000))")
        for text in c.alsoExpected { #expect(output.contains(text), "expected \(text.debugDescription) in:\n\(output.prefix(3000))") }
        for text in c.absent { #expect(!output.contains(text), "did not expect \(text.debugDescription) in:\n\(output.prefix(3000))") }
        #expect(!output.contains("Fatal error") && !output.contains("Backtrac"), "\(output.prefix(3000))")
        #expect(try Self.listing(root) == before, "the build changed files beside or in its output folder")
    }

    /// Every path under `directory` with its type, size and modification time, without following
    /// links or opening anything (a pipe would block).
    static func listing(_ directory: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        var pending = [""]
        while let relative = pending.popLast() {
            let url = relative.isEmpty ? directory : directory.appendingPathComponent(relative)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                let path = relative.isEmpty ? name : relative + "/" + name
                let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(path).path)
                let type = attributes[.type] as? FileAttributeType
                result[path] = "\(type?.rawValue ?? "?") \(attributes[.size] ?? 0) \(attributes[.modificationDate] ?? 0)"
                if type == .typeDirectory { pending.append(path) }
            }
        }
        return result
    }
}
