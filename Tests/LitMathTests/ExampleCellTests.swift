import Foundation
import DiffusionSchedulers
import LitMathFigures
import Testing
@testable import LitMath

/// Swift examples as cells: bless fills their output blocks, a page's setup block runs before
/// each of them, and the tables and plots they show are recorded, drawn and checked.
///
/// Serialized, with a compile folder of its own: each test rewrites the generated package's
/// sources and runs the binary it built, which another test building in the same folder at
/// the same time would swap under it.
@Suite("Swift examples as cells", .serialized)
struct ExampleCellTests {
    /// A content folder in a temporary project, with the real build, check and bless.
    struct Project {
        let root: URL
        var content: URL { root.appendingPathComponent("content") }
        var site: URL { root.appendingPathComponent("site") }
        /// Kept under .build so the examples' package compiles DiffusionSchedulers once per checkout.
        static let work = TestSite.packageRoot.appendingPathComponent(".build/litmath-test-cells")

        init(_ files: [String: String]) throws {
            root = try TestSite.temporaryDirectory()
            try TestSite.write(files, to: content)
        }

        func build() -> (Int32, String) {
            let log = TestLog()
            return (BuildAction(content: content, output: site, log: { log.append($0) }).run(), log.value)
        }

        func check() -> (Int32, String) {
            let log = TestLog()
            return (CheckAction(content: content, output: site, examplesDirectory: Self.work, packageRoot: TestSite.packageRoot,
                                log: { log.append($0) }).run(), log.value)
        }

        func bless() -> (Int32, String) {
            let log = TestLog()
            var action = BlessAction(content: content, environment: [:], log: { log.append($0) })
            action.examplesDirectory = Self.work
            action.packageRoot = TestSite.packageRoot
            return (action.run(), log.value)
        }

        func read(_ path: String) throws -> String {
            try String(decoding: Data(contentsOf: content.appendingPathComponent(path)), as: UTF8.self)
        }

        func write(_ path: String, _ text: String) throws {
            try TestSite.write([path: text], to: content)
        }

        func page(_ path: String) throws -> String {
            try String(decoding: Data(contentsOf: site.appendingPathComponent(path)), as: UTF8.self)
        }
    }

    /// An article with CRLF line endings: a setup block, an example with no output block, and one
    /// whose output block is wrong; both examples use the setup's `schedule`.
    static let crlfArticle = [
        "# Cells", "",
        "```swift setup",
        "import DiffusionSchedulers",
        "let schedule = try NoiseSchedule()",
        "```", "",
        "The first beta:", "",
        "```swift example",
        "print(schedule.betas[0])",
        "```", "",
        "How many steps:", "",
        "```swift example",
        "print(\"steps:\", schedule.betas.count)",
        "print(\"done\")",
        "```", "",
        "```output",
        "steps: 999",
        "```", "",
        "The end.", "",
    ].joined(separator: "\r\n")

    @Test("bless writes a missing output block and rewrites a wrong one, keeping CRLF; check then passes; setup code is seen by every example")
    func blessFillsOutputBlocks() throws {
        let project = try Project(["cells.md": Self.crlfArticle])
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(project.build().0 == 0)
        let (before, beforeLog) = project.check()
        #expect(before == 1)
        #expect(beforeLog.contains("content/cells.md:10:1: Swift example has no ```output block after it"), "\(beforeLog)")
        #expect(beforeLog.contains("- steps: 999") && beforeLog.contains("+ steps: 1000"), "\(beforeLog)")

        let (status, log) = project.bless()
        #expect(status == 0, "\(log)")
        #expect(log.contains("wrote the output block") && log.contains("rewrote the output block"), "\(log)")
        let blessed = try project.read("cells.md")
        let expected = [
            "# Cells", "",
            "```swift setup",
            "import DiffusionSchedulers",
            "let schedule = try NoiseSchedule()",
            "```", "",
            "The first beta:", "",
            "```swift example",
            "print(schedule.betas[0])",
            "```", "",
            "```output",
            "0.0001",
            "```", "",
            "How many steps:", "",
            "```swift example",
            "print(\"steps:\", schedule.betas.count)",
            "print(\"done\")",
            "```", "",
            "```output",
            "steps: 1000",
            "done",
            "```", "",
            "The end.", "",
        ].joined(separator: "\r\n")
        #expect(blessed == expected)

        #expect(project.build().0 == 0)
        let (after, afterLog) = project.check()
        #expect(after == 0, "\(afterLog)")
        #expect(afterLog.contains("2 Swift examples"), "\(afterLog)")
        let (again, againLog) = project.bless()
        #expect(again == 0 && againLog.contains("nothing to bless"), "\(againLog)")
        #expect(try project.read("cells.md") == expected)
    }

    @Test("An example shows a table and a plot: bless records them in _expected/, build draws them in the page, check compares the numbers")
    func figures() throws {
        let article = """
        # Figures

        ```swift setup
        import DiffusionSchedulers
        let schedule = try NoiseSchedule()
        let ts = [0, 250, 500, 750, 999]
        ```

        ```swift example
        show(Table(title: "Signal left", columns: ["t", "alpha_cumprod"],
                   rows: ts.map { [Double($0), Double(schedule.alphasCumprod[$0])] }))
        show(Plot(title: "Signal over t", x: "t", y: "alpha_cumprod", yScale: .log,
                  series: [.init("linear", x: ts.map(Double.init), y: ts.map { Double(schedule.alphasCumprod[$0]) })]))
        print("shown")
        ```

        Text after.

        """
        let project = try Project(["figures.md": article])
        defer { try? FileManager.default.removeItem(at: project.root) }
        let (status, log) = project.bless()
        #expect(status == 0, "\(log)")
        let recorded = try project.read("_expected/figures.txt")
        #expect(recorded.contains("\nfigure example-1-1\n  json {\"table\":"), "\(recorded)")
        #expect(recorded.contains("\nfigure example-1-2\n  json {\"plot\":"), "\(recorded)")
        // The recorded numbers are the library's.
        let schedule = try NoiseSchedule()
        let (parsed, problems) = Expectations.parse(recorded, file: "figures.txt")
        #expect(problems.isEmpty)
        #expect(parsed.figures.first?.figure.table?.rows[2] == [500, Double(schedule.alphasCumprod[500])])
        #expect(parsed.figures.last?.figure.plot?.series.first?.y.last == Double(schedule.alphasCumprod[999]))
        // The text output went to an output block; the figure lines did not.
        let blessed = try project.read("figures.md")
        #expect(blessed.contains("```output\nshown\n```"), "\(blessed)")
        #expect(!blessed.contains(ShownFigure.marker))

        #expect(project.build().0 == 0)
        let html = try project.page("figures.html")
        // The example's code (the last Swift block; the setup is the first), then its figures, then its output.
        let code = try #require(html.range(of: "language-swift", options: .backwards))
        let table = try #require(html.range(of: "<table"))
        let svg = try #require(html.range(of: "<svg"))
        let output = try #require(html.range(of: "language-output"))
        #expect(code.lowerBound < table.lowerBound && table.lowerBound < svg.lowerBound && svg.lowerBound < output.lowerBound)
        #expect(html.contains("id=\"example-1-2\""))
        #expect(html.textContent.contains("Signal left"))
        #expect(html.textContent.contains("Signal over t"))
        let (checked, checkLog) = project.check()
        #expect(checked == 0, "\(checkLog)")

        // A recorded number that no longer matches fails check at the example, naming the figure and cell.
        let value = Double(schedule.alphasCumprod[500])
        let drifted = recorded.replacingOccurrences(of: "\(value)]", with: "\(value * 1.01)]")
        #expect(drifted != recorded)
        try project.write("_expected/figures.txt", drifted)
        #expect(project.build().0 == 0)
        let (failed, failLog) = project.check()
        #expect(failed == 1)
        #expect(failLog.contains("directive 'example-1-1' at ") && failLog.contains("content/figures.md:9:1\n"), "\(failLog)")
        #expect(failLog.contains("row 3, 'alpha_cumprod'"), "\(failLog)")
        #expect(!failLog.contains("'example-1-2'"), "\(failLog)")

        // A record that cannot be drawn stops build at its line, but not bless, which records it anew.
        let broken = recorded.replacingOccurrences(of: "\(value)]", with: "\"nan\"]")
        #expect(broken != recorded)
        try project.write("_expected/figures.txt", broken)
        let (unbuilt, unbuiltLog) = project.build()
        #expect(unbuilt == 1)
        #expect(unbuiltLog.contains("content/_expected/figures.txt:5:1: error: recorded figure 'example-1-1': row 3, column 'alpha_cumprod' is NaN"), "\(unbuiltLog)")
        let (reblessed, reblessLog) = project.bless()
        #expect(reblessed == 0, "\(reblessLog)")
        #expect(try project.read("_expected/figures.txt") == recorded)
    }

    @Test("A figure with NaN, rows of unequal length, or a setup that does not compile stop bless with file:line:col, changing nothing")
    func badFigures() throws {
        let article = """
        # Bad

        ```swift setup
        let base = 1.0
        ```

        ```swift example
        show(Table(columns: ["a", "b"], rows: [[base, .nan]]))
        ```

        ```swift example
        show(Plot(series: [.init("s", x: [1, 2], y: [base])]))
        ```

        """
        let project = try Project(["bad.md": article])
        defer { try? FileManager.default.removeItem(at: project.root) }
        let (status, log) = project.bless()
        #expect(status == 1)
        #expect(log.contains("content/bad.md:7:1: Swift example figure 1: row 1, column 'b' is NaN; a figure shows finite numbers only"), "\(log)")
        #expect(log.contains("content/bad.md:11:1: Swift example figure 1: series 's' has 2 x values and 1 y values"), "\(log)")
        #expect(log.contains("nothing was changed"))
        #expect(try project.read("bad.md") == article)
        #expect(!FileManager.default.fileExists(atPath: project.content.appendingPathComponent("_expected").path))

        try project.write("bad.md", article.replacingOccurrences(of: "let base = 1.0", with: "let base: Double = \"one\""))
        let (broken, brokenLog) = project.bless()
        #expect(broken == 1)
        // Compiled once per example, reported once, at the setup's line in the article.
        let located = brokenLog.components(separatedBy: "content/bad.md:4:").count - 1
        #expect(located == 1, "\(brokenLog)")
        #expect(brokenLog.contains("Swift example does not compile"), "\(brokenLog)")
    }

    @Test("Two setup blocks on a page are an error at the second; a setup with no example is a warning")
    func twoSetups() {
        let (_, report) = TestSite.render(["s.md": "# S\n\n```swift setup\nlet a = 1\n```\n\n> ```swift setup\n> let b = 2\n> ```\n\n```swift example\nprint(a)\n```\n"])
        let errors = report.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.description.hasPrefix("content/s.md:7:3: error: a page has one ```swift setup block; the first is at line 3") == true, "\(errors)")
        let (_, lonely) = TestSite.render(["l.md": "# L\n\n```swift setup\nlet a = 1\n```\n"])
        #expect(lonely.diagnostics.map(\.description) == ["content/l.md:3:1: warning: ```swift setup block, but no ```swift example on the page runs it"])
    }

    @Test("A recorded figure that cannot be drawn is a build error at its line in the expectations file")
    func badRecordedFigure() {
        let article = SiteContent.TextFile(path: "f.md", display: "content/f.md", text: "# F\n\n```swift example\nshow(Table(columns: [\"a\"], rows: [[1]]))\n```\n")
        let recorded = Expectations(entries: [], figures: [RecordedFigure(id: "example-1-1", figure: ShownFigure(table: Table(columns: ["a"], rows: [[.infinity]])))])
        var content = SiteContent(articles: [article])
        content.expectations["f.md"] = SiteContent.TextFile(path: "_expected/f.txt", display: "content/_expected/f.txt", text: recorded.text(for: "content/f.md"))
        let builder = SiteBuilder(contentDirectory: URL(fileURLWithPath: "/nonexistent"), outputDirectory: URL(fileURLWithPath: "/nonexistent"))
        let (files, report) = builder.render(content)
        #expect(files.isEmpty)
        #expect(report.diagnostics.map(\.description).contains("content/_expected/f.txt:5:1: error: recorded figure 'example-1-1': row 1, column 'a' is infinite; a figure shows finite numbers only"),
                "\(report.diagnostics)")
        // Unreadable JSON is a syntax error at its line, not a crash or a silent figure.
        let (_, problems) = Expectations.parse("figure example-1-1\n  json {\"table\": 3}\n", file: "x.txt")
        #expect(problems.map(\.description) == ["x.txt:2:8: error: the figure's json does not read back as a table or a plot"])
    }

    @Test("Output blocks are written at the example's quote prefix, with a fence longer than any backticks in the output")
    func outputBlockPlacement() throws {
        let text = "# Q\n\n> ```swift example\n> print(1)\n> ```\n\nafter\n"
        let (page, _) = PageParser.parse(text: text, sourcePath: "q.md", displayPath: "content/q.md")
        let example = try #require(SwiftExamples.examples(in: page).first)
        let written = try BlessAction.writeOutputs([.init(example: example, text: "a ``` b")], into: text, file: "content/q.md")
        #expect(written == "# Q\n\n> ```swift example\n> print(1)\n> ```\n>\n> ````output\n> a ``` b\n> ````\n\nafter\n")
        let (again, _) = PageParser.parse(text: written, sourcePath: "q.md", displayPath: "content/q.md")
        #expect(SwiftExamples.examples(in: again).first?.expected?.text == "a ``` b\n")
    }
}

@Suite("Parallel pages")
struct ParallelPageTests {
    @Test("Articles parsed and run several at a time give byte-identical output and the same diagnostics in the same order")
    func parallelMatchesSerial() {
        var articles: [SiteContent.TextFile] = []
        for i in 0..<6 {
            let schedule = ["linear", "scaled_linear", "squaredcos_cap_v2"][i % 3]
            var text = "# Page \(i)\n\nSignal at $t$:\n\n```scheduler plot\ntitle: Page \(i)\ny: alpha_cumprod\nseries:\n  - {label: a, beta_schedule: \(schedule)}\n```\n\n"
            text += "```scheduler table\nt: [0, 500, 999]\ncolumns:\n  - {label: sigma, quantity: sigma, beta_schedule: \(schedule)}\n```\n"
            // Two pages with errors, so the order of diagnostics across pages is tested too.
            if i == 1 || i == 4 { text += "\n```scheduler plot\ny: alpha_cumprodd\nseries:\n  - {label: x}\n```\n" }
            articles.append(SiteContent.TextFile(path: "p\(i).md", display: "content/p\(i).md", text: text))
        }
        func render(parallel: Bool, dropErrors: Bool) -> ([String: Data], [String]) {
            var builder = SiteBuilder(contentDirectory: URL(fileURLWithPath: "/nonexistent"), outputDirectory: URL(fileURLWithPath: "/nonexistent"))
            builder.parsesInParallel = parallel
            let content = SiteContent(articles: dropErrors ? articles.map { file in
                var file = file
                file.text = file.text.components(separatedBy: "\n```scheduler plot\ny: alpha_cumprodd").first!
                return file
            } : articles)
            let (files, report) = builder.render(content)
            return (files, report.diagnostics.map(\.description))
        }
        let (serialFiles, _) = render(parallel: false, dropErrors: true)
        let (parallelFiles, _) = render(parallel: true, dropErrors: true)
        #expect(serialFiles.count > 6)
        #expect(serialFiles == parallelFiles)
        let (_, serialDiagnostics) = render(parallel: false, dropErrors: false)
        let (_, parallelDiagnostics) = render(parallel: true, dropErrors: false)
        #expect(serialDiagnostics.count >= 2)
        #expect(serialDiagnostics.first?.hasPrefix("content/p1.md:") == true, "\(serialDiagnostics)")
        #expect(serialDiagnostics.last?.hasPrefix("content/p4.md:") == true, "\(serialDiagnostics)")
        #expect(serialDiagnostics == parallelDiagnostics)
    }
}
