import Testing
@testable import LitMath

/// cmark does not know math: these formulas break if they reach it unprotected.
@Suite("Math is protected from Markdown")
struct MathTrapTests {
    @Test("Inline formulas are typeset exactly, with no emphasis and every backslash and brace kept",
          arguments: [
              #"dx_t=f(x_t,t)dt+g(x_t,t)dW_t"#,
              #"\{x_t\}_{t=0}^{T}"#,
              #"\sqrt{\bar{\alpha}_t}x_0+\sqrt{1-\bar{\alpha}_t}\epsilon"#,
              #"a_1 * b_2 * c_3"#,
              #"[x](y) < z > w"#,
          ])
    func inlineFormula(_ tex: String) {
        let (html, diagnostics) = TestSite.article("Before $\(tex)$ after.\n")
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        #expect(html.texAnnotations == [tex])
        #expect(html.occurrences(of: "<span class=\"katex\">") == 1)
        #expect(!html.contains("<em>"))
        #expect(!html.contains("$"))
    }

    @Test("A display block spanning lines is one formula, typeset in display mode")
    func displayBlockAcrossLines() {
        let tex = "\nq(x_t \\mid x_{t-1}) = \\mathcal{N}(x_t;\\ \\sqrt{1-\\beta_t}\\,x_{t-1},\n  \\beta_t I)\n"
        let markdown = "Text before\n$$\(tex)$$\nand *text* after.\n"
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        #expect(html.texAnnotations == [tex])
        #expect(html.occurrences(of: "katex-display") == 1)
        #expect(html.contains("<em>text</em>"), "Markdown after the formula is still Markdown")
    }

    @Test("Dollars inside code spans and fenced code are left alone")
    func dollarsInCode() {
        let markdown = """
        Inline `$x_t$ and $$y$$` code.

        ```python
        price = "$x_t$"  # $not math$
        ```

        ~~~
        $$ also not math $$
        ~~~
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        #expect(!html.contains("katex"))
        #expect(html.contains("<code>$x_t$ and $$y$$</code>"))
        // Python code is highlighted: its text is intact between Prism's spans.
        #expect(html.textContent.contains("price = \"$x_t$\"  # $not math$"))
        #expect(html.contains("$$ also not math $$"))
    }

    @Test("An escaped dollar is a literal dollar, and prices are not math")
    func literalDollars() {
        let (html, diagnostics) = TestSite.article("It costs \\$5, or $10 and $20 in total; \\$x\\$ is not math.\n")
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        #expect(!html.contains("katex"))
        #expect(html.contains("It costs $5, or $10 and $20 in total; $x$ is not math."))
    }

    @Test("\\( \\) and \\[ \\] delimiters are math too")
    func bracketDelimiters() {
        let (html, diagnostics) = TestSite.article("Inline \\(a_b^c\\) and display \\[x_{1}*y_{2}*z\\] here.\n")
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        #expect(html.texAnnotations == ["a_b^c", "x_{1}*y_{2}*z"])
        #expect(html.occurrences(of: "katex-display") == 1)
        #expect(!html.contains("<em>"))
    }

    @Test("A formula in a heading or link text is typeset, and the heading id is readable")
    func mathInHeadingsAndLinks() {
        let (pages, report) = TestSite.render(["x.md": "## Choosing $\\beta_t$\n\nSee [the $x_t$ page](other.md#top).\n", "other.md": "# Top\n"])
        let html = pages["x.html"] ?? ""
        let diagnostics = report.diagnostics
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        #expect(html.texAnnotations == ["\\beta_t", "x_t"])
        #expect(html.contains("<h2 id=\"choosing-beta-t\">"))
        #expect(html.contains("href=\"other.html#top\""))
    }
}

@Suite("Math extraction")
struct MathExtractorTests {
    @Test("Formulas are located at their first TeX character, and line numbers are preserved")
    func locationsAndLines() {
        let text = "a $x$ b\n$$\ny\n$$\nlast $z$\n"
        let result = MathExtractor.extract(text, file: "f.md")
        #expect(result.spans.map(\.tex) == ["x", "\ny\n", "z"])
        #expect(result.spans.map(\.location.line) == [1, 2, 5])
        #expect(result.spans.map(\.location.column) == [4, 3, 7])
        #expect(result.text.split(separator: "\n", omittingEmptySubsequences: false).count == text.split(separator: "\n", omittingEmptySubsequences: false).count)
    }

    @Test("Unclosed display math is an error at its opening delimiter")
    func unterminatedDisplay() {
        let result = MathExtractor.extract("Intro\n\nsome $$x + y\n\nnext paragraph\n", file: "content/a.md")
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first?.description == "content/a.md:3:6: error: display math '$$' is not closed before a blank line or the end of the paragraph")
    }

    @Test("A TeX error is reported at the formula's position in the file")
    func katexErrorLocation() {
        let (_, diagnostics) = TestSite.article("Line one.\n\nHere $\\frac{1}{$ breaks.\n", file: "bad.md")
        let error = diagnostics.first { $0.severity == .error }
        #expect(error?.id == "math.katex")
        #expect(error?.location?.file == "content/bad.md")
        #expect(error?.location?.line == 3)
        #expect((error?.location?.column ?? 0) >= 7)
    }
}
