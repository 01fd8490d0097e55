import Foundation
import Testing
@testable import LitMath

@Suite("litmath check and bless")
struct VerifyTests {
    static let article = """
    ---
    title: Schedules
    ---

    # Schedules

    ```scheduler define
    name: sd
    beta_schedule: scaled_linear
    beta_start: 0.00085
    beta_end: 0.012
    ```

    The last step keeps {value}`sd.alpha_cumprod[999] = 0.00466` and the linear schedule
    {value}`DDPM(beta_schedule: linear).alpha_cumprod[999] = 4.036e-05`.

    ```scheduler table
    t: [0, 500, 999]
    columns:
      - {label: "sd", quantity: alpha_cumprod, scheduler: sd}
      - {label: "linear", quantity: alpha_cumprod}
    ```

    ```scheduler plot
    id: decay
    y: alpha_cumprod
    series:
      - {label: sd, scheduler: sd}
    ```
    """

    struct Project {
        let root: URL
        var content: URL { root.appendingPathComponent("content") }
        var site: URL { root.appendingPathComponent("site") }

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
            return (CheckAction(content: content, output: site, log: { log.append($0) }).run(), log.value)
        }

        func bless(environment: [String: String] = [:], force: Bool = false) -> (Int32, String) {
            let log = TestLog()
            return (BlessAction(content: content, force: force, environment: environment, log: { log.append($0) }).run(), log.value)
        }

        func read(_ path: String) throws -> String {
            try String(contentsOf: content.appendingPathComponent(path), encoding: .utf8)
        }

        func write(_ path: String, _ text: String) throws {
            try Data(text.utf8).write(to: content.appendingPathComponent(path))
        }
    }

    @Test("bless then check passes; a second bless changes no byte")
    func blessThenCheck() throws {
        let project = try Project(["index.md": Self.article])
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(project.build().0 == 0)
        let (unblessed, log) = project.check()
        #expect(unblessed == 1)
        #expect(log.contains("no recorded expectations"))

        #expect(project.bless().0 == 0)
        let (status, checkLog) = project.check()
        #expect(status == 0, "\(checkLog)")
        #expect(checkLog.contains("2 pinned inline values"))

        let before = try TestSite.snapshot(project.content)
        let (again, againLog) = project.bless()
        #expect(again == 0)
        #expect(againLog.contains("nothing to bless"))
        #expect(try TestSite.snapshot(project.content) == before)
    }

    @Test("A tampered expectation is caught and named by article, directive and series")
    func tamperedExpectation() throws {
        let project = try Project(["index.md": Self.article])
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(project.build().0 == 0)
        #expect(project.bless().0 == 0)
        let path = "_expected/index.txt"
        let original = try project.read(path)
        // Change one recorded digit of the table's linear column at t=500.
        let tampered = try #require(Self.changeValue(in: original, key: "\"linear\"", position: "t=500"))
        try project.write(path, tampered)
        let (status, log) = project.check()
        #expect(status == 1)
        #expect(log.contains("content/index.md") || log.contains("/content/index.md"))
        #expect(log.contains("directive 'table-1'"))
        #expect(log.contains("\"linear\" t=500:"))
        #expect(log.contains("fix: if the new values are right, run 'litmath bless'"))

        // A line that is not in the file's grammar is an error at its position.
        try project.write(path, original + "garbage here\n")
        let (syntaxStatus, syntaxLog) = project.check()
        #expect(syntaxStatus == 1)
        let lineNumber = original.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(syntaxLog.contains("index.txt:\(lineNumber):1: unknown line 'garbage'") || syntaxLog.contains("_expected/index.txt: unknown line"), "\(syntaxLog)")
    }

    @Test("A pin that no longer holds fails check; bless rewrites only the pin's characters")
    func driftedPin() throws {
        let wrong = Self.article.replacingOccurrences(of: "= 4.036e-05`", with: "= 4.100e-05`")
        let project = try Project(["index.md": wrong])
        defer { try? FileManager.default.removeItem(at: project.root) }
        let (buildStatus, buildLog) = project.build()
        #expect(buildStatus == 0)
        #expect(buildLog.contains("warning: 'DDPM(beta_schedule: linear).alpha_cumprod[999]' is"))
        #expect(project.bless().0 == 0)
        #expect(try project.read("index.md") == Self.article, "bless splices the pin and changes nothing else")

        // Drift again, and check (not bless) reports it at the pin's line and column.
        try project.write("index.md", wrong)
        let (status, log) = project.check()
        #expect(status == 1)
        let line = wrong.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("4.100e-05") }! + 1
        #expect(log.contains("index.md:\(line):"), "\(log)")
        #expect(log.contains("4.100e-05 → 4.036e-05"))
    }

    @Test("bless refuses to run in CI unless forced")
    func blessInCI() throws {
        let project = try Project(["index.md": Self.article])
        defer { try? FileManager.default.removeItem(at: project.root) }
        let (status, log) = project.bless(environment: ["CI": "true"])
        #expect(status == 2)
        #expect(log.contains("refusing to bless in CI"))
        #expect(!FileManager.default.fileExists(atPath: project.content.appendingPathComponent("_expected").path))
        #expect(project.bless(environment: ["CI": "true"], force: true).0 == 0)
    }

    @Test("check fails when the output folder is stale, and names the file")
    func staleOutput() throws {
        let project = try Project(["index.md": Self.article])
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(project.build().0 == 0)
        #expect(project.bless().0 == 0)
        try project.write("index.md", Self.article + "\nOne more sentence.\n")
        let (status, log) = project.check()
        #expect(status == 1)
        #expect(log.contains("site/index.html is stale"))
        #expect(log.contains("fix: run 'litmath build'"))
    }

    @Test("Pins: precision follows the digits written", arguments: [
        ("4.036e-05", 4.035830352222547e-05, true), ("4.035e-05", 4.035830352222547e-05, false),
        ("0.0778", 0.07779665291309357, true), ("0.078", 0.07779665291309357, true), ("0.0777", 0.07779665291309357, false),
        ("2.43e-09", 2.4287349909002387e-09, true), ("1000", 999.6, true), ("1000", 999.4, false),
    ])
    func pinPrecision(_ text: String, _ value: Double, _ holds: Bool) throws {
        let pin = try #require(InlineValue.Pin.parse(text, at: SourceLocation(file: "f", line: 1, column: 1)))
        #expect(pin.matches(value) == holds)
        // What bless writes back holds for the computed value, at the same precision.
        let rewritten = try #require(InlineValue.Pin.parse(pin.rewritten(value), at: pin.location))
        #expect(rewritten.matches(value))
        #expect(rewritten.lastDigitExponent == pin.lastDigitExponent || rewritten.scientific)
    }

    @Test("Inline value errors point into the expression")
    func inlineValueErrors() {
        let (_, d1) = TestSite.article("Value {value}`DDPM.alpha_cumprd[999]` here.\n")
        #expect(d1.first?.description == "content/x.md:1:20: error: unknown quantity 'alpha_cumprd'")
        #expect(d1.first?.notes.first == "did you mean 'alpha_cumprod'?")
        let (_, d2) = TestSite.article("Value {value}`sdd.beta[0]` here.\n")
        #expect(d2.first?.description == "content/x.md:1:15: error: unknown name 'sdd'")
        let (_, d3) = TestSite.article("Value {value}`DDPM.beta[0] = about 1e-4` here.\n")
        #expect(d3.first?.description == "content/x.md:1:30: error: pinned value 'about 1e-4' is not a number")
        let (_, d4) = TestSite.article("Value {value}`DDPM.beta[1000]` here.\n")
        #expect(d4.first?.description == "content/x.md:1:25: error: timestep 1000 is outside the schedule (0…999)")
    }

    /// Replaces the value at `position` on the `values` line of `key` with a different number.
    static func changeValue(in text: String, key: String, position: String) -> String? {
        var lines = text.components(separatedBy: "\n")
        guard let i = lines.firstIndex(where: { $0.hasPrefix("  values \(key) ") }) else { return nil }
        var items = lines[i].components(separatedBy: " ")
        guard let j = items.firstIndex(where: { $0.hasPrefix(position + ":") }),
              let value = Double(items[j].dropFirst(position.count + 1)) else { return nil }
        items[j] = "\(position):\(value * 1.01)"
        lines[i] = items.joined(separator: " ")
        return lines.joined(separator: "\n")
    }
}
