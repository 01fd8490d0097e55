import Testing
@testable import LitMath

/// Chromium names a `<figure>` only from `aria-labelledby`, `aria-label` or `title`, not from a
/// caption inside it; the page tests in Chromium check the names, these check the wiring for the
/// cases the articles do not have.
@Suite("Figures have accessible names")
struct FigureNameTests {
    @Test("A table with a caption is named by it; one without, by its header row")
    func tables() {
        let (captioned, d1) = TestSite.article("```scheduler table\ncaption: Betas\nt: [0]\ncolumns: [beta]\n```\n")
        #expect(d1.isEmpty)
        #expect(captioned.contains(#"<figure class="lm-table" id="fig-1" aria-labelledby="fig-1-caption">"#))
        #expect(captioned.contains(#"<caption id="fig-1-caption">Betas</caption>"#))
        let (bare, d2) = TestSite.article("```scheduler table\nt: [0]\ncolumns: [beta]\n```\n")
        #expect(d2.isEmpty)
        #expect(bare.contains(#"<figure class="lm-table" id="fig-1" aria-labelledby="fig-1-head">"#))
        #expect(bare.contains(#"<thead id="fig-1-head">"#))
    }

    @Test("A plot figure is named by the plot's title and described by its caption")
    func plots() {
        let (html, diagnostics) = TestSite.article("```scheduler plot\ntitle: Signal\ny: beta\ncaption: The betas\n```\n")
        #expect(diagnostics.isEmpty)
        #expect(html.contains(#"<figure class="lm-plot-figure" id="fig-1" aria-labelledby="fig-1-title" aria-describedby="fig-1-caption">"#))
        #expect(html.contains(#"<figcaption id="fig-1-caption">The betas</figcaption>"#))
    }
}
