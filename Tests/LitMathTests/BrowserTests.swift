import DiffusionSchedulers
import Foundation
import Testing
@testable import LitMath

/// The committed site, opened in a real browser.
@Suite("site/ddpm.html in headless Chromium")
struct BrowserTests {
    static let script = #"""
    (async () => {
    await document.fonts.ready;
    const formulas = [...document.querySelectorAll('.katex')].filter(k => !k.parentElement.closest('.katex'));
    const annotations = formulas.map(k => { const a = k.querySelector('annotation[encoding="application/x-tex"]'); return a ? a.textContent : null; });
    const katexHTML = formulas.filter(k => k.querySelector('.katex-html') && k.querySelector('math')).length;
    // Raw dollars in text outside code, pre and KaTeX's own MathML.
    const raw = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('code, pre, script, style, annotation')) continue;
      if (n.textContent.includes('$') || n.textContent.includes('\\(') || n.textContent.includes('\\[')) raw.push(n.textContent);
    }
    const svgs = [...document.querySelectorAll('svg.lm-plot')];
    const plots = svgs.map(svg => ({
      name: svg.querySelector('title').textContent,
      labelledBy: svg.getAttribute('aria-labelledby'),
      series: [...svg.querySelectorAll('path.lm-series')].map(p => {
        const box = p.getBBox();
        return { title: p.querySelector('title').textContent, width: box.width, height: box.height, stroke: getComputedStyle(p).stroke };
      }),
      ticks: [...svg.querySelectorAll('text.lm-tick')].map(t => t.textContent),
      width: svg.getBoundingClientRect().width,
    }));
    const tables = [...document.querySelectorAll('figure.lm-table table')].map(t => ({
      headers: [...t.querySelectorAll('thead th')].map(th => th.textContent),
      rows: [...t.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(c => c.textContent)),
    }));
    const fonts = [...document.fonts].filter(f => f.family.includes('KaTeX'));
    return {
      annotations, katexHTML, raw, plots, tables,
      emphasis: document.querySelectorAll('article em').length,
      fontsLoaded: fonts.filter(f => f.status === 'loaded').length,
      fontsFailed: fonts.filter(f => f.status === 'error').map(f => f.family),
      scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
    };
    })()
    """#

    @Test("Every formula is KaTeX markup, no raw dollars remain, the plot has its series and the table its numbers")
    func ddpmPage() throws {
        let url = TestSite.packageRoot.appendingPathComponent("site/ddpm.html")
        let report = try Browser.with { browser in
            let tab = try browser.open(url)
            return try #require(try tab.evaluateJSON(Self.script) as? [String: Any])
        }

        // Every formula of the article, and of the directives' captions and headers, in order.
        let source = try String(contentsOf: TestSite.packageRoot.appendingPathComponent("content/ddpm.md"), encoding: .utf8)
        let (page, diagnostics) = PageParser.parse(text: source, sourcePath: "ddpm.md", displayPath: "content/ddpm.md")
        #expect(!diagnostics.containsErrors)
        let annotations = try #require(report["annotations"] as? [String])
        // Text formulas come first in the page's list, label formulas after: compare as multisets.
        #expect(annotations.sorted() == page.math.map(\.tex).sorted())
        #expect(annotations.count >= 20)
        #expect(report["katexHTML"] as? Int == annotations.count, "each formula has both HTML and MathML")
        #expect((report["raw"] as? [String]) == [], "raw TeX delimiters in text: \(report["raw"] ?? "")")
        #expect((report["fontsFailed"] as? [String]) == [])
        #expect((report["fontsLoaded"] as? Int ?? 0) > 0, "KaTeX fonts load from the site itself")

        // The plot: three series with the labels the article gives, each drawn with extent.
        let plots = try #require(report["plots"] as? [[String: Any]])
        #expect(plots.count == 1)
        let plot = try #require(plots.first)
        #expect(plot["name"] as? String == "Signal left after t steps")
        let series = try #require(plot["series"] as? [[String: Any]])
        #expect(series.map { $0["title"] as? String } == ["linear", "scaled linear (SD 1.x)", "cosine"])
        for line in series {
            #expect((line["width"] as? Double ?? 0) > 300, "series is drawn across the plot")
            #expect((line["height"] as? Double ?? 0) > 50)
        }
        #expect(Set(series.compactMap { $0["stroke"] as? String }).count == 3, "each series has its own colour")
        let ticks = try #require(plot["ticks"] as? [String])
        #expect(ticks.contains("10⁻⁵") && ticks.contains("0") && ticks.contains("800"))

        // The table: the library's numbers, formatted with 4 significant digits.
        let tables = try #require(report["tables"] as? [[String: Any]])
        #expect(tables.count == 1)
        let rows = try #require(tables.first?["rows"] as? [[String]])
        let linear = try NoiseSchedule(betaSchedule: .linear)
        let scaled = try NoiseSchedule(betaStart: 0.00085, betaEnd: 0.012, betaSchedule: .scaledLinear)
        let cosine = try NoiseSchedule(betaSchedule: .squaredcosCapV2)
        // One notation per column, chosen from the column's whole range (NumberFormat.forColumn).
        let timesteps = [0, 100, 250, 500, 750, 999]
        let columns: [[Float]] = [linear.betas, linear.alphasCumprod, scaled.alphasCumprod, cosine.alphasCumprod]
        let formats = columns.map { column in NumberFormat(digits: 4).forColumn(timesteps.map { Double(column[$0]) }) }
        func text(_ v: Float, _ format: NumberFormat) -> String {
            format.html(Double(v)).rendered.replacingOccurrences(of: "<sup>", with: "").replacingOccurrences(of: "</sup>", with: "")
        }
        #expect(rows.map { $0.first } == timesteps.map(String.init))
        for row in rows {
            let t = try #require(Int(row[0]))
            #expect(row == [row[0]] + zip(columns, formats).map { text($0[t], $1) })
        }
        #expect(rows.last?[2] == "0.00004036", "ᾱ of the linear schedule stays in fixed notation beside its other values")
        #expect(rows.last?[4] == "2.429 × 10−9", "the cosine column, down to 2e-9, is scientific throughout")
    }
}
