import Foundation
import Testing
@testable import LitMath

/// A post written for Jekyll, dropped into the content folder as it is: its front matter keys
/// litmath does not know, Chinese text, footnotes, both kinds of math, external images and
/// Python code must build without a single complaint, and read well in a browser.
@Suite("A Jekyll-style post")
struct JekyllPostTests {
    static let post = #"""
    ---
    layout: post
    title: "扩散模型的前向过程"
    date: 2024-01-15 10:00:00 +0800
    categories: [machine-learning, diffusion]
    tags: DDPM 扩散模型
    extMath: true
    comments: true
    ---

    扩散模型把数据逐步变成噪声[^ho]。每一步保留一部分信号，再加入高斯噪声$\epsilon$，
    方差为$\beta_t$[^schedule]。

    <!--more-->

    ## 前向过程

    一步一步地，

    $$
    q(x_t \mid x_{t-1}) = \mathcal{N}\big(x_t;\ \sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I\big)
    $$

    合起来就是 $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon$，其中
    $\bar\alpha_t = \prod_{s=1}^{t}(1-\beta_s)$[^ho]。kramdown 的写法 $$\sigma_t$$ 在句中是行内公式。

    ![扩散过程示意图](https://example.com/images/diffusion-forward.png "前向过程")

    ## 代码

    ```python
    import torch

    def q_sample(x0, t, alphas_cumprod, noise=None):
        """x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) eps, for $t$ in [0, T)."""
        noise = torch.randn_like(x0) if noise is None else noise
        a = alphas_cumprod[t] ** 0.5  # [^not-a-footnote]
        return a * x0 + (1 - alphas_cumprod[t]) ** 0.5 * noise
    ```

    Costs $5 per GPU-hour, or $10 with $\LaTeX$ support.[^注]

    [^ho]: Ho, Jain, Abbeel. *Denoising Diffusion Probabilistic Models*. NeurIPS 2020.
        <https://arxiv.org/abs/2006.11239>
    [^schedule]: 线性调度从 $\beta_1 = 10^{-4}$ 增长到 $\beta_T = 0.02$。
    [^注]: 中文标签的脚注。
    """#

    /// Builds the post (and a front page) into a temporary site.
    static func build() throws -> (root: URL, site: URL, status: Int32, log: String) {
        let root = try TestSite.temporaryDirectory()
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        try TestSite.write(["2024-05-01-forward-process.md": post, "index.md": "# Posts\n\n- [前向过程](2024-05-01-forward-process.md)\n"], to: content)
        let log = TestLog()
        let status = BuildAction(content: content, output: site, log: { log.append($0) }).run()
        return (root, site, status, log.value)
    }

    @Test("Builds with no warning, typesets every formula, and keeps the code and the prices as written")
    func builds() throws {
        let (root, site, status, log) = try Self.build()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(status == 0, "\(log)")
        #expect(!log.contains("warning"), "\(log)")
        #expect(!log.contains("error"), "\(log)")
        let html = try String(contentsOf: site.appendingPathComponent("2024-05-01-forward-process.html"), encoding: .utf8)
        let (page, _) = PageParser.parse(text: Self.post, sourcePath: "p.md", displayPath: "p.md")
        #expect(page.math.count == 9)
        #expect(html.texAnnotations == page.math.map(\.tex))
        // Only the formula on lines of its own is display math; `$$\sigma_t$$` mid-sentence is inline.
        #expect(page.math.filter(\.display).map(\.tex).count == 1)
        #expect(html.occurrences(of: "class=\"katex-display\"") == 1)
        #expect(html.contains("<title>扩散模型的前向过程"))
        #expect(html.contains("<h2 id=\"前向过程\">前向过程"))
        #expect(!html.contains("more--"), "the excerpt marker is a comment, not text")
        #expect(html.contains(##"<img src="https://example.com/images/diffusion-forward.png" alt="扩散过程示意图" loading="lazy"/>"##))
        #expect(html.contains("# [^not-a-footnote]"), "code is code")
        #expect(html.contains("Costs $5 per GPU-hour, or $10 with "))
        #expect(html.occurrences(of: "role=\"doc-noteref\"") == 4)
        #expect(html.occurrences(of: "class=\"lm-fnback\"") == 4)
        #expect(html.contains(##"<li id="fn-注"><p>中文标签的脚注。"##))
    }

    @Test("In Chromium, every footnote link and back-link lands on its target")
    func footnoteLinksInBrowser() throws {
        let (root, site, status, log) = try Self.build()
        defer { try? FileManager.default.removeItem(at: root) }
        try #require(status == 0, "\(log)")
        struct Hop: Decodable { var from: String; var href: String; var target: String?; var targeted: Bool }
        struct Links: Decodable { var notes: [Hop]; var backs: [Hop]; var formulas: Int; var raw: [String] }
        let links: Links = try Browser.with { browser in
            let tab = try browser.open(site.appendingPathComponent("2024-05-01-forward-process.html"))
            defer { tab.close() }
            // Follows each link by its fragment and asks which element is then :target.
            return try tab.evaluate(#"""
                (() => {
                  const follow = a => {
                    const href = a.getAttribute('href');
                    location.hash = href;
                    const target = document.querySelector(':target');
                    return { from: a.id || a.textContent, href, target: target ? target.localName + '#' + target.id : null,
                             targeted: target !== null && target === document.getElementById(decodeURIComponent(href.slice(1))) };
                  };
                  const notes = [...document.querySelectorAll('a[role="doc-noteref"]')].map(follow);
                  const backs = [...document.querySelectorAll('a[role="doc-backlink"]')].map(follow);
                  const formulas = document.querySelectorAll('.katex').length;
                  const copy = document.querySelector('article').cloneNode(true);
                  copy.querySelectorAll('code, pre, .katex').forEach(e => e.remove());
                  const raw = [...copy.querySelectorAll('p, li, h2')].map(e => e.textContent).filter(t => /\\[a-zA-Z]{2,}|\$\$|\[\^/.test(t));
                  return { notes, backs, formulas, raw };
                })()
                """#)
        }
        #expect(links.notes.count == 4)
        for hop in links.notes {
            #expect(hop.targeted, "\(hop.from) → \(hop.href) lands on \(hop.target ?? "nothing")")
            #expect(hop.target?.hasPrefix("li#fn-") == true)
        }
        #expect(links.backs.map(\.href) == ["#fnref-ho", "#fnref-ho-2", "#fnref-schedule", "#fnref-注"])
        for hop in links.backs {
            #expect(hop.targeted, "\(hop.href) lands on \(hop.target ?? "nothing")")
            #expect(hop.target?.hasPrefix("a#fnref-") == true)
        }
        #expect(links.formulas == 9)
        #expect(links.raw.isEmpty, "raw TeX or footnote syntax in text: \(links.raw)")
    }
}
