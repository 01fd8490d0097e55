import Testing
@testable import LitMath

@Suite("Numbered equations, figures, tables and references")
struct CrossReferenceTests {
    @Test("A labelled display formula is numbered with \\tag, carries its label as id, and \\eqref / \\ref link to it")
    func equations() {
        let markdown = """
        $$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon \\label{eq:forward}$$

        $$y = 1$$

        \\[ \\mathrm{SNR}(t) = \\frac{\\bar\\alpha_t}{1-\\bar\\alpha_t} \\label{eq:snr} \\]

        By \\eqref{eq:forward} and equation \\ref{eq:snr}, see \\eqref{ eq:snr }.
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.texAnnotations == ["x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon \\tag{1}", "y = 1",
                                        " \\mathrm{SNR}(t) = \\frac{\\bar\\alpha_t}{1-\\bar\\alpha_t} \\tag{2}"])
        #expect(html.contains(##"<p><span class="lm-equation" id="eq:forward"><span class="katex-display">"##))
        #expect(html.contains(##"<span class="lm-equation" id="eq:snr"><span class="katex-display">"##))
        #expect(html.occurrences(of: "class=\"lm-equation\"") == 2, "an unlabelled formula is not numbered")
        #expect(html.contains(##"<p>By <a class="lm-ref" href="#eq:forward">(1)</a> and equation <a class="lm-ref" href="#eq:snr">2</a>, see <a class="lm-ref" href="#eq:snr">(2)</a>.</p>"##))
    }

    @Test("A formula with its own \\tag keeps it, uses no number, and references show the tag")
    func ownTag() {
        let (html, diagnostics) = TestSite.article("$$a \\tag{$\\star$} \\label{eq:star}$$\n\n$$b \\label{eq:b}$$\n\nSee \\eqref{eq:star} and \\eqref{eq:b}.\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.texAnnotations == ["a \\tag{$\\star$}", "b \\tag{1}"])
        #expect(html.contains(##"See <a class="lm-ref" href="#eq:star">($\star$)</a> and <a class="lm-ref" href="#eq:b">(1)</a>."##))
    }

    @Test("References across articles: \\eqref{page.md#label} and a Markdown link to the label both reach the equation")
    func crossPage() {
        let (pages, report) = TestSite.render([
            "ddpm.md": "# DDPM\n\n$$x_t = a x_0 + b\\epsilon \\label{eq:closed-form}$$\n",
            "notes/sigma.md": "# Sigma\n\nFrom \\eqref{../ddpm.md#eq:closed-form}, or [the closed form](../ddpm.md#eq:closed-form).\n",
        ])
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        #expect(pages["notes/sigma.html"]?.contains(##"From <a class="lm-ref" href="../ddpm.html#eq:closed-form">(1)</a>, or <a href="../ddpm.html#eq:closed-form">the closed form</a>."##) == true)
    }

    @Test("Captioned directive plots and tables are numbered and referred to as fig:<id> and tab:<id>")
    func directives() {
        let markdown = """
        ```scheduler plot
        id: betas
        title: Betas
        y: beta
        caption: The betas.
        ```

        ```scheduler table
        id: few
        t: [0]
        columns: [beta]
        caption: One row.
        ```

        ```scheduler table
        t: [0]
        columns: [beta]
        ```

        Figure \\ref{fig:betas} and Table \\ref{tab:few}.
        """
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains(##"<figcaption id="fig-betas-caption"><span class="lm-figure-number">Figure 1.</span> The betas."##))
        #expect(html.contains(##"<caption id="fig-few-caption"><span class="lm-figure-number">Table 1.</span> One row.</caption>"##))
        #expect(html.occurrences(of: "lm-figure-number") == 2, "a table without a caption has no number")
        #expect(html.contains(##"Figure <a class="lm-ref" href="#fig-betas">1</a> and Table <a class="lm-ref" href="#fig-few">1</a>."##))
    }

    @Test("Reference errors are located at the reference, with a suggestion when one label is close", arguments: [
        ("See \\ref{eq:forwrd}.", "content/x.md:5:5: error: no label 'eq:forwrd' on this page", ["did you mean 'eq:forward'?"]),
        ("See \\eqref{fig:p}.", "content/x.md:5:5: error: '\\eqref' is for equations, but 'fig:p' is a figure", ["write '\\ref{fig:p}'"]),
        ("See \\ref{dpm.md#eq:x}.", "content/x.md:5:5: error: '\\ref{dpm.md#eq:x}' refers to 'dpm.md', which is not an article of this site", ["did you mean 'ddpm.md'?"]),
        ("See \\eqref{ddpm.md#eq:y}.", "content/x.md:5:5: error: no label 'eq:y' in ddpm.md", ["did you mean 'eq:x'?"]),
    ])
    func errors(_ line: String, _ message: String, _ notes: [String]) {
        let x = "$$a \\label{eq:forward}$$\n\n![P](https://example.com/p.png \"P\") {#fig:p}\n\n\(line)\n"
        let (_, report) = TestSite.render(["x.md": x, "ddpm.md": "$$b \\label{eq:x}$$\n"])
        #expect(report.diagnostics.map(\.description) == [message])
        #expect(report.diagnostics.first?.notes == notes)
    }

    @Test("Label errors: duplicate, in inline math, twice in one formula")
    func labelErrors() {
        let (_, duplicate) = TestSite.article("$$a \\label{eq:a}$$\n\n$$\nb\n\\label{eq:a}\n$$\n", file: "x.md")
        #expect(duplicate.map(\.description) == ["content/x.md:5:1: error: label 'eq:a' is used twice on this page"])
        #expect(duplicate.first?.notes == ["first used at content/x.md:1:5 for equation 1"])

        let (_, inline) = TestSite.article("Inline $c \\label{eq:c}$ math.\n", file: "x.md")
        #expect(inline.map(\.description) == ["content/x.md:1:11: error: '\\label' needs display math: write the formula as '$$…$$'"])

        let (_, twice) = TestSite.article("$$a \\label{eq:a} \\label{eq:b}$$\n", file: "x.md")
        #expect(twice.map(\.description) == ["content/x.md:1:18: error: a formula can have only one '\\label'"])
    }

    @Test("References in code are code, and \\\\label is a line break and letters, not a label")
    func notReferences() {
        let (html, diagnostics) = TestSite.article("`\\ref{x}` and \\\\ref{x} stay.\n\n$$\\begin{aligned}a\\\\label\\end{aligned}$$\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(html.contains("<code>\\ref{x}</code> and \\ref{x} stay."))
        #expect(html.texAnnotations == ["\\begin{aligned}a\\\\label\\end{aligned}"])
    }
}
