import Testing
@testable import LitMath

@Suite("Table of contents")
struct TableOfContentsTests {
    /// The page's `<nav aria-label="On this page">`, if any.
    func toc(_ markdown: String) -> (nav: String?, diagnostics: [Diagnostic]) {
        let (pages, report) = TestSite.render(["x.md": markdown])
        let page = pages["x.html"] ?? ""
        guard let start = page.range(of: "<nav class=\"lm-toc\""), let end = page[start.lowerBound...].range(of: "</nav>") else {
            return (nil, report.diagnostics)
        }
        return (String(page[start.lowerBound..<end.upperBound]), report.diagnostics)
    }

    @Test("h2 and h3 headings, h3 nested under their h2, linked to the headings' ids")
    func nested() {
        let (nav, diagnostics) = toc("# Title\n\n## One\n\n### One point *five*\n\n#### Too deep\n\n## Two\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(nav == ##"<nav class="lm-toc" aria-label="On this page"><p class="lm-toc-title">On this page</p><ol>"##
            + ##"<li><a href="#one">One</a><ol><li><a href="#one-point-five">One point <em>five</em></a></li></ol></li>"##
            + ##"<li><a href="#two">Two</a></li></ol></nav>"##)
    }

    @Test("A page with fewer than two h2/h3 headings has none", arguments: ["# Title\n\nText.\n", "# Title\n\n## Only one\n\n#### Deep\n"])
    func omitted(_ markdown: String) {
        let (nav, diagnostics) = toc(markdown)
        #expect(diagnostics.isEmpty)
        #expect(nav == nil)
    }

    @Test("Entries keep math typeset, drop footnote markers and links, and follow duplicate ids")
    func entries() {
        let (nav, diagnostics) = toc("## Choosing $\\beta_t$[^a]\n\n## [Linked](https://example.com)\n\n## Linked\n\n[^a]: Note.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let text = nav ?? ""
        #expect(text.contains(##"<li><a href="#choosing-beta-t">Choosing <span class="katex">"##))
        #expect(text.texAnnotations == ["\\beta_t"])
        #expect(!text.contains("fnref") && !text.contains("example.com"))
        #expect(text.contains(##"<li><a href="#linked">Linked</a></li><li><a href="#linked-2">Linked</a></li>"##))
    }
}
