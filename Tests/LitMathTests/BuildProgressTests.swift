import Foundation
import Testing
@testable import LitMath

/// Progress output: one updating line on a terminal once a build has run past the delay,
/// erased at the end; nothing at all when the output is not a terminal or the build is quick.
@Suite("Build progress")
struct BuildProgressTests {
    @Test("A slow build on a terminal shows its current step on one line, then erases it")
    func slowOnTerminal() throws {
        let log = TestLog()
        let progress = BuildProgress(isTerminal: true, delay: 0.5, write: { log.append($0) })
        progress.begin("parse 3 articles")
        #expect(log.value.isEmpty, "nothing before the delay")
        // The timer shows the step once the delay has passed (waited for: the machine may be busy).
        let deadline = Date(timeIntervalSinceNow: 10)
        while !log.value.contains("parse 3 articles"), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        progress.begin("typeset math")
        progress.finish()
        let text = log.value
        #expect(text.contains("\r\u{1B}[2Kbuilding: parse 3 articles ("))
        #expect(text.contains("\r\u{1B}[2Kbuilding: typeset math ("))
        #expect(text.hasSuffix("\r\u{1B}[2K"), "the line is erased at the end")
        #expect(!text.contains("\n"), "one updating line, never a new one")
        Thread.sleep(forTimeInterval: 0.4)
        #expect(log.value == text, "nothing after finish")
    }

    @Test("A quick build, or any build when the output is not a terminal, prints no progress")
    func quietOtherwise() throws {
        let quick = TestLog()
        let fast = BuildProgress(isTerminal: true, delay: 5, write: { quick.append($0) })
        fast.begin("parse")
        fast.finish()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(quick.value.isEmpty)

        let piped = TestLog()
        let notTerminal = BuildProgress(isTerminal: false, delay: 0, write: { piped.append($0) })
        notTerminal.begin("parse")
        Thread.sleep(forTimeInterval: 0.4)
        notTerminal.begin("typeset math")
        notTerminal.finish()
        #expect(piped.value.isEmpty)
    }
}
