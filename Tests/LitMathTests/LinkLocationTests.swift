import Testing
@testable import LitMath

@Suite("Broken links point at where they are written")
struct LinkLocationTests {
    @Test("Each occurrence of a broken link is reported at its own line and column")
    func everyOccurrence() {
        let markdown = """
        # Links

        Math $x_t$ first, then [a](ddpm.md#nope) and
          [b](missing.md) on a continuation line, and [a again](ddpm.md#nope).

        - In a list: [c](ddpm.md#nope)

        Not this one: `[c](ddpm.md#nope)` is code.
        """
        let (_, report) = TestSite.render(["x.md": markdown, "ddpm.md": "# DDPM\n"])
        #expect(report.diagnostics.map(\.description) == [
            "content/x.md:3:28: error: broken anchor 'ddpm.html#nope': ddpm.html has no id 'nope'",
            "content/x.md:4:57: error: broken anchor 'ddpm.html#nope': ddpm.html has no id 'nope'",
            "content/x.md:6:18: error: broken anchor 'ddpm.html#nope': ddpm.html has no id 'nope'",
            "content/x.md:4:7: error: broken link 'missing.html': missing.html does not exist",
        ])
    }

    @Test("A link in a footnote is located in the footnote")
    func inFootnote() {
        let (_, report) = TestSite.render(["x.md": "Text[^n].\n\n[^n]: See\n    [there](gone.md).\n"])
        #expect(report.diagnostics.map(\.description) == ["content/x.md:4:13: error: broken link 'gone.html': gone.html does not exist"])
    }
}
