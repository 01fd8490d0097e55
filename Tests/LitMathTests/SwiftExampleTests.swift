import Foundation
import Testing
@testable import LitMath

@Suite("Runnable Swift examples")
struct SwiftExampleTests {
    static func article(code: String, output: String) -> String {
        "# Example\n\nIntro.\n\n```swift example\n\(code)\n```\n\n```output\n\(output)\n```\n"
    }

    @Test("Examples are found with their output blocks and lines")
    func discovery() {
        let text = Self.article(code: "print(1)", output: "1")
        let (page, _) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        let examples = SwiftExamples.examples(in: page)
        #expect(examples.count == 1)
        #expect(examples.first?.line == 6)
        #expect(examples.first?.code == "print(1)\n")
        #expect(examples.first?.expected?.text == "1\n")
        #expect(examples.first?.expected?.line == 9)
        #expect(SwiftExamples.mainSource(examples).contains("#sourceLocation(file: \"content/e.md\", line: 6)"))
    }

    /// Compiles for real against this package's DiffusionSchedulers (incrementally, in a folder
    /// kept under .build so CI compiles it once).
    @Test("A right example passes; a wrong output and a compile error each fail check at the article's line")
    func compileAndRun() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        let work = TestSite.packageRoot.appendingPathComponent(".build/litmath-test-examples")
        func check() -> (Int32, String) {
            let log = TestLog()
            let status = CheckAction(content: content, output: site, examplesDirectory: work, packageRoot: TestSite.packageRoot,
                                     log: { log.append($0) }).run()
            return (status, log.value)
        }
        func build() {
            _ = BuildAction(content: content, output: site, log: { _ in }).run()
        }

        let good = Self.article(code: "import DiffusionSchedulers\nlet s = try NoiseSchedule()\nprint(s.betas.count, s.betas[0])", output: "1000 0.0001")
        try TestSite.write(["e.md": good], to: content)
        build()
        let (okStatus, okLog) = check()
        #expect(okStatus == 0, "\(okLog)")
        #expect(okLog.contains("1 Swift example"))

        let wrong = Self.article(code: "import DiffusionSchedulers\nlet s = try NoiseSchedule()\nprint(s.betas.count, s.betas[0])", output: "999 0.0001")
        try TestSite.write(["e.md": wrong], to: content)
        build()
        let (wrongStatus, wrongLog) = check()
        #expect(wrongStatus == 1)
        #expect(wrongLog.contains("content/e.md:11:1: Swift example output differs:"), "\(wrongLog)")
        #expect(wrongLog.contains("- 999 0.0001") && wrongLog.contains("+ 1000 0.0001"))

        let broken = Self.article(code: "import DiffusionSchedulers\nlet s = try NoiseSchedule()\nprint(s.betaz)", output: "")
        try TestSite.write(["e.md": broken], to: content)
        build()
        let (brokenStatus, brokenLog) = check()
        #expect(brokenStatus == 1)
        #expect(brokenLog.contains("content/e.md:8:"), "\(brokenLog)")
        #expect(brokenLog.contains("Swift example does not compile:"))
        #expect(brokenLog.contains("betaz"))
    }
}
