import Testing
@testable import LitMath

@Suite("Callouts")
struct CalloutTests {
    @Test("GitHub's [!NOTE] syntax becomes an aside with a role and a title", arguments: [
        ("NOTE", "note", "Note"), ("tip", "tip", "Tip"), ("Important", "important", "Important"),
        ("WARNING", "warning", "Warning"), ("CAUTION", "caution", "Caution"),
    ])
    func kinds(_ written: String, _ kind: String, _ title: String) {
        let (html, diagnostics) = TestSite.article("> [!\(written)]\n> Mind the *step size*.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html == ##"<h1>x</h1><aside class="callout \##(kind)" role="note" aria-labelledby="callout-1"><p class="callout-title" id="callout-1">\##(title)</p>"##
            + "<p>Mind the <em>step size</em>.</p></aside>")
    }

    @Test("Text after the marker is the title, and may hold math; later paragraphs stay in the callout")
    func customTitle() {
        let (html, diagnostics) = TestSite.article("> [!TIP] Choosing $\\beta_t$\n> First.\n>\n> Second.\n\n> [!NOTE]\n> Two.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.hasPrefix(##"<h1>x</h1><aside class="callout tip" role="note" aria-labelledby="callout-1"><p class="callout-title" id="callout-1">Choosing <span class="katex">"##))
        #expect(html.contains("</p><p>First.</p><p>Second.</p></aside>"))
        #expect(html.contains(##"<aside class="callout note" role="note" aria-labelledby="callout-2">"##))
        #expect(html.texAnnotations == ["\\beta_t"])
    }

    @Test("A plain block quote, or one starting with a link, stays a block quote")
    func plainQuotes() {
        let (html, diagnostics) = TestSite.article("> Just a quote.\n\n> [a link](https://example.com) first.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html == ##"<h1>x</h1><blockquote><p>Just a quote.</p></blockquote><blockquote><p><a href="https://example.com">a link</a> first.</p></blockquote>"##)
    }

    @Test("A directive inside a callout runs, as in any block quote")
    func directiveInCallout() {
        let (html, diagnostics) = TestSite.article("> [!NOTE]\n> ```scheduler value\n> quantity: beta\n> t: 0\n> label: First beta\n> ```\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains(##"<aside class="callout note" role="note" aria-labelledby="callout-1"><p class="callout-title" id="callout-1">Note</p><p class="lm-value-block" id="fig-value-1">First beta = "##))
    }

    @Test("An unknown kind is an error at the marker, with a suggestion")
    func unknownKind() {
        let (_, diagnostics) = TestSite.article("Text.\n\n> [!WARN]\n> Careful.\n", file: "x.md")
        #expect(diagnostics.map(\.description) == ["content/x.md:3:3: error: unknown callout '[!WARN]'; use one of [!NOTE], [!TIP], [!IMPORTANT], [!WARNING], [!CAUTION]"])
        #expect(diagnostics.first?.notes == ["did you mean '[!WARNING]'?"])
    }
}
