import Testing
@testable import LitMath

@Suite("Footnotes")
struct FootnoteTests {
    @Test("A reference is a superscript link to its note, and the note links back")
    func referenceAndNote() {
        let (html, diagnostics) = TestSite.article("A claim.[^ho]\n\n[^ho]: Ho et al., 2020.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains(##"<p>A claim.<sup class="lm-fnref"><a id="fnref-ho" href="#fn-ho" role="doc-noteref" aria-label="Footnote 1">1</a></sup></p>"##))
        #expect(html.hasSuffix(##"<section class="lm-footnotes" aria-labelledby="footnotes"><h2 id="footnotes">Footnotes</h2><ol>"##
            + ##"<li id="fn-ho"><p>Ho et al., 2020. <a class="lm-fnback" href="#fnref-ho" role="doc-backlink" aria-label="Back to reference 1">↩︎</a></p></li>"##
            + "</ol></section>"))
    }

    @Test("Notes are numbered in order of first reference, not of definition")
    func numberedByFirstReference() {
        let markdown = """
        First[^b], then[^a], and[^b] again.

        [^a]: Note a.
        [^b]: Note b.
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let references = html.matches(of: /<a id="(fnref-[a-z0-9-]+)" href="#(fn-[a-z]+)" role="doc-noteref" aria-label="Footnote (\d)">(\d)<\/a>/)
            .map { "\($0.1) \($0.2) \($0.3) \($0.4)" }
        #expect(references == ["fnref-b fn-b 1 1", "fnref-a fn-a 2 2", "fnref-b-2 fn-b 1 1"])
        let notes = html.matches(of: /<li id="(fn-[a-z]+)"><p>(Note [a-z])\./).map { "\($0.1) \($0.2)" }
        #expect(notes == ["fn-b Note b", "fn-a Note a"])
    }

    @Test("A note referenced twice has a back-link to each reference")
    func twoBackLinks() {
        let (html, diagnostics) = TestSite.article("One[^n] and two[^n].\n\n[^n]: The note.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains(##"<li id="fn-n"><p>The note. <a class="lm-fnback" href="#fnref-n" role="doc-backlink" aria-label="Back to reference 1">↩︎</a>"##
            + ##" <a class="lm-fnback" href="#fnref-n-2" role="doc-backlink" aria-label="Back to reference 1-2">↩︎<sup>2</sup></a></p></li>"##))
        #expect(html.contains(##"id="fnref-n""##) && html.contains(##"id="fnref-n-2""##))
    }

    @Test("A definition continues over indented lines, lazy lines and indented paragraphs, with Markdown and math")
    func multiLineDefinition() {
        let markdown = """
        Text[^long].

        [^long]: The first line
        continues lazily
            and indented, with $x_t$ and *emphasis*.

            A second paragraph.

        After the note.
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains("<p>After the note.</p>"), "the unindented paragraph after a blank line is not part of the note")
        let note = String(html[html.range(of: "<li id=\"fn-long\">")!.lowerBound...])
        #expect(note.hasPrefix("<li id=\"fn-long\"><p>The first line\ncontinues lazily\nand indented, with <span class=\"katex\">"))
        #expect(note.contains("<em>emphasis</em>.</p><p>A second paragraph. <a class=\"lm-fnback\""))
        #expect(note.texAnnotations == ["x_t"])
    }

    @Test("A note whose body ends in a list gets its back-link in a paragraph of its own")
    func backLinkAfterList() {
        let (html, diagnostics) = TestSite.article("See[^l].\n\n[^l]: Items:\n\n    - one\n    - two\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains(##"<li id="fn-l"><p>Items:</p><ul><li>one</li><li>two</li></ul><p><a class="lm-fnback" href="#fnref-l""##))
    }

    @Test("cmark never reads a definition as a link reference, and code keeps its brackets")
    func notALinkDefinition() {
        let markdown = """
        A link-like note[^u] and `code [^u]`.

        ```
        [^u] in fenced code
        ```

        [^u]: https://example.com/paper
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains("<code>code [^u]</code>"))
        #expect(html.contains("[^u] in fenced code"))
        #expect(html.occurrences(of: "role=\"doc-noteref\"") == 1)
        #expect(!html.contains("href=\"https://example.com/paper\""), "the note's text is text, not a link destination")
        #expect(html.contains("<li id=\"fn-u\"><p>https://example.com/paper"))
    }

    @Test("An undefined reference is an error at its position, with a suggestion")
    func undefinedReference() {
        let (_, diagnostics) = TestSite.article("# T\n\nSee this[^nots] here.\n\n[^note]: A note.\n", file: "x.md")
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.description) == ["content/x.md:3:9: error: footnote '[^nots]' is not defined"])
        #expect(errors.first?.notes == ["did you mean '[^note]'?"])
    }

    @Test("An unused definition is a warning at the definition; a repeated one an error")
    func unusedAndDuplicate() {
        let (_, unused) = TestSite.article("Text.\n\n  [^spare]: Never used.\n", file: "x.md")
        #expect(unused.map(\.description) == ["content/x.md:3:3: warning: footnote '[^spare]' is defined but never referenced"])

        let (_, twice) = TestSite.article("Text[^a].\n\n[^a]: One.\n[^a]: Two.\n", file: "x.md")
        #expect(twice.map(\.description) == ["content/x.md:4:1: error: footnote '[^a]' is defined twice"])
        #expect(twice.first?.notes == ["first defined at content/x.md:3:1"])
    }

    @Test("Extraction keeps line numbers: what follows a multi-line note is located correctly")
    func linesKept() {
        let (_, diagnostics) = TestSite.article("A[^a].\n\n[^a]: One\n    two\n    three\n\nBad $\\frac{1}{$ here.\n", file: "x.md")
        let error = diagnostics.first { $0.id == "math.katex" }
        #expect(error?.location?.line == 7)
    }

    @Test("Extraction: definitions are taken out with their continuation lines, other lines left as they were")
    func extractorUnit() {
        // `lazy` continues the paragraph before it (as in GFM); `q`, after a blank line, does not.
        let text = "p\n[^a]: first\n    second\n\n    third\nlazy\n\nq\n\n[^b]:\n    body\n"
        let (rest, definitions) = FootnoteExtractor.extract(text, file: "f.md")
        #expect(rest == "p\n\n\n\n\n\n\nq\n\n\n\n")
        #expect(definitions.map(\.label) == ["a", "b"])
        #expect(definitions.map(\.body) == ["first\nsecond\n\nthird\nlazy", "\nbody"])
        #expect(definitions.map(\.firstLine) == [2, 10])
        #expect(definitions.map(\.location.column) == [1, 1])
    }
}
