import Testing
@testable import LitMath

@Suite("Pipe tables")
struct PipeTableTests {
    @Test("Header, alignments from the delimiter row, inline Markdown in cells, missing cells empty, extra cells dropped")
    func basic() {
        let markdown = """
        | schedule | $\\beta_1$ | note |
        |:---------|----------:|:----:|
        | linear   | 0.0001    | *Ho et al.* |
        | cosine   |
        | a | b | c | d |
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let expected = ##"<div class="lm-table-scroll"><table class="lm-md-table"><thead><tr>"##
            + ##"<th scope="col" style="text-align: left">schedule</th><th scope="col" style="text-align: right">MATH</th><th scope="col" style="text-align: center">note</th>"##
            + ##"</tr></thead><tbody>"##
            + ##"<tr><td style="text-align: left">linear</td><td style="text-align: right">0.0001</td><td style="text-align: center"><em>Ho et al.</em></td></tr>"##
            + ##"<tr><td style="text-align: left">cosine</td><td style="text-align: right"></td><td style="text-align: center"></td></tr>"##
            + ##"<tr><td style="text-align: left">a</td><td style="text-align: right">b</td><td style="text-align: center">c</td></tr>"##
            + "</tbody></table></div>"
        // The typeset formula, from KaTeX's outer span to the end of its header cell.
        let math = html.range(of: "<span class=\"katex\">.*?</th>", options: .regularExpression)
        var replaced = html
        if let math { replaced.replaceSubrange(math, with: "MATH</th>") }
        #expect(replaced == "<h1>x</h1>" + expected)
        #expect(html.texAnnotations == ["\\beta_1"])
    }

    @Test("A pipe inside math is part of the formula; an escaped pipe is a pipe, in code too")
    func pipesInCells() {
        let (html, diagnostics) = TestSite.article("a | b\n--|--\n$|x|$ | `p\\|q`\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.texAnnotations == ["|x|"])
        #expect(html.contains("<td><code>p|q</code></td></tr></tbody>"))
        #expect(html.occurrences(of: "<td>") == 2)
    }

    @Test("A caption line makes a numbered table that \\ref can point at; a table can sit in a block quote")
    func captionAndQuote() {
        let markdown = """
        See Table \\ref{tab:steps}.

        > | steps | error |
        > |------:|------:|
        > | 10    | 0.1   |
        >
        > Table: Error against steps {#tab:steps}
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains(##"See Table <a class="lm-ref" href="#tab:steps">1</a>."##))
        #expect(html.contains(##"<blockquote><div class="lm-table-scroll"><table class="lm-md-table" id="tab:steps"><caption><span class="lm-figure-number">Table 1.</span> Error against steps</caption><thead>"##))
        #expect(html.contains("</table></div></blockquote>"))
    }

    @Test("Not tables: cell counts that differ, a setext heading, a table in code")
    func notTables() {
        let (html, diagnostics) = TestSite.article("a | b | c\n--|--\n\nTitle\n---\n\n```\n| a |\n|---|\n```\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(!html.contains("<table"))
        #expect(html.contains("<p>a | b | c\n–|–</p>") || html.contains("<p>a | b | c\n--|--</p>"))
        #expect(html.contains("<h2 id=\"title\">Title"))
        #expect(html.contains("<pre><code>| a |\n|---|\n</code></pre>"))
    }

    @Test("Text before the header row stays a paragraph; lines after the table are rows until a blank line")
    func boundaries() {
        let (html, diagnostics) = TestSite.article("Intro line.\n| a |\n|---|\n| 1 |\nrow without pipes\n\nAfter.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains("<p>Intro line.</p><div class=\"lm-table-scroll\">"))
        #expect(html.contains("<tbody><tr><td>1</td></tr><tr><td>row without pipes</td></tr></tbody>"))
        #expect(html.hasSuffix("</table></div><p>After.</p>"))
    }

    @Test("Extraction keeps line numbers, and a link in a cell is located on its row")
    func lines() {
        let (_, diagnostics) = TestSite.article("| a |\n|---|\n| [x](nowhere.md) |\n\nBad $\\frac{1}{$.\n", file: "x.md")
        #expect(diagnostics.map(\.id) == ["math.katex"])
        #expect(diagnostics.first?.location?.line == 5)
        let (_, links) = TestSite.article("| a |\n|---|\n| [x](nowhere.md) |\n", file: "x.md")
        #expect(links.map(\.description) == ["content/x.md:3:7: error: broken link 'nowhere.html': nowhere.html does not exist"])
    }
}
