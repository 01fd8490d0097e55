import Foundation
import Testing
@testable import LitMath

/// Every page of the site built from `content/`, opened from `file://` in a real headless
/// Chromium: what a reader without a network, with a screen reader, in dark mode or on a phone
/// gets. One browser per test; each test visits every page.
@Suite("Every page in headless Chromium", .builtSite)
struct SiteInBrowserTests {
    var site: BuiltSite { get throws { try #require(BuiltSite.current) } }

    @Test("Loads offline from file:// with no console errors or warnings and no failed requests")
    func loadsOffline() throws {
        let site = try site
        #expect(site.pages.contains("index.html"))
        try Browser.with { browser in
            for page in site.pages {
                let tab = try browser.open(site.url(page))
                defer { tab.close() }
                #expect(tab.problems.isEmpty, "\(page): \(tab.problems)")
                let remote = tab.requestedURLs.filter { !$0.hasPrefix("file://") && !$0.hasPrefix("data:") }
                #expect(remote.isEmpty, "\(page) asks the network for \(remote)")
                #expect(tab.requestedURLs.contains { $0.hasSuffix("/assets/litmath.css") }, "\(page) loads the stylesheet")
                struct Fonts: Decodable { var loaded: Int; var failed: [String] }
                let fonts: Fonts = try tab.evaluate("""
                    (() => { const f = [...document.fonts].filter(f => f.family.includes('KaTeX'));
                      return { loaded: f.filter(f => f.status === 'loaded').length,
                               failed: f.filter(f => f.status === 'error').map(f => f.family) }; })()
                    """)
                #expect(fonts.failed.isEmpty, "\(page): KaTeX fonts failed: \(fonts.failed)")
                if try !site.article(of: page).math.isEmpty {
                    #expect(fonts.loaded > 0, "\(page) has math, so KaTeX fonts load from the site itself")
                }
            }
        }
    }

    @Test("All math is typeset: every formula of the article is KaTeX with MathML and HTML, no raw TeX is left in text")
    func mathTypeset() throws {
        let site = try site
        try Browser.with { browser in
            for page in site.pages {
                let tab = try browser.open(site.url(page))
                defer { tab.close() }
                struct Math: Decodable { var annotations: [String]; var incomplete: [String]; var raw: [String] }
                let math: Math = try tab.evaluate(#"""
                    (() => {
                      const formulas = [...document.querySelectorAll('.katex')].filter(k => !k.parentElement.closest('.katex'));
                      const annotations = formulas.map(k => k.querySelector('.katex-mathml annotation[encoding="application/x-tex"]')?.textContent ?? '');
                      const incomplete = formulas.filter(k => !(k.querySelector(':scope > .katex-mathml > math') && k.querySelector(':scope > .katex-html')))
                        .map(k => k.outerHTML.slice(0, 160));
                      // Text of each block with code and typeset math taken out: a formula that cmark
                      // split into emphasis would still show its two dollars here.
                      const copy = document.body.cloneNode(true);
                      copy.querySelectorAll('code, pre, script, style, .katex').forEach(e => e.remove());
                      const tex = /\$\$|\$[^\s$\d][^$]*\$|\\\(|\\\)|\\\[|\\\]|\\[A-Za-z]{2,}/;
                      const raw = [...copy.querySelectorAll('p, li, td, th, h1, h2, h3, h4, h5, h6, figcaption, caption, blockquote, dt, dd, title, text')]
                        .map(e => e.textContent).filter(t => tex.test(t));
                      return { annotations, incomplete, raw };
                    })()
                    """#)
                let expected = try site.article(of: page).math.map(\.tex)
                // Text formulas come first in the article's list, label formulas after: compare as multisets.
                #expect(math.annotations.sorted() == expected.sorted(), "\(page): typeset formulas differ from the article's")
                #expect(math.incomplete.isEmpty, "\(page): formulas without both MathML and HTML: \(math.incomplete)")
                #expect(math.raw.isEmpty, "\(page): raw TeX in text: \(math.raw)")
            }
        }
    }

    @Test("Every figure, plot and image has an accessible name")
    func accessibleNames() throws {
        let site = try site
        var svgs = 0
        try Browser.with { browser in
            for page in site.pages {
                let tab = try browser.open(site.url(page))
                defer { tab.close() }
                // KaTeX draws some glyphs as SVG inside its aria-hidden HTML; the MathML beside it
                // is what assistive technology reads, so those are left out.
                struct SVG: Decodable { var html: String; var title: String?; var labelledBy: String? }
                let plots: [SVG] = try tab.evaluate("""
                    (() => {
                      const shown = [...document.querySelectorAll('figure, svg, img')].filter(e => !e.closest('[aria-hidden="true"]'));
                      shown.forEach(e => e.setAttribute('data-lm-probe', ''));
                      return shown.filter(e => e.localName === 'svg').map(svg => {
                        const ids = (svg.getAttribute('aria-labelledby') ?? '').split(/\\s+/).filter(Boolean);
                        const labels = ids.map(id => document.getElementById(id)?.textContent.trim() ?? '');
                        return { html: svg.outerHTML.slice(0, 120),
                                 title: svg.querySelector(':scope > title')?.textContent.trim() || null,
                                 labelledBy: ids.length && labels.every(Boolean) ? labels.join(' ') : null };
                      });
                    })()
                    """)
                svgs += plots.count
                for svg in plots {
                    #expect(svg.title != nil || svg.labelledBy != nil, "\(page): SVG without <title> or resolvable aria-labelledby: \(svg.html)")
                }
                for (element, name) in try tab.accessibleNames(of: "[data-lm-probe]") {
                    #expect(!name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(page): no accessible name for \(element)")
                }
            }
        }
        #expect(svgs > 0, "the site has plots to check")
    }

    @Test("Dark mode changes the page background, the text and every plot series colour")
    func darkMode() throws {
        let site = try site
        var series = 0
        try Browser.with { browser in
            for page in site.pages {
                struct Colours: Decodable, Equatable { var background: String; var text: String; var series: [String] }
                let probe = """
                    ({ background: getComputedStyle(document.body).backgroundColor,
                       text: getComputedStyle(document.body).color,
                       series: [...document.querySelectorAll('svg .lm-series')].map(p => getComputedStyle(p).stroke) })
                    """
                var colours: [Browser.ColorScheme: Colours] = [:]
                for scheme in [Browser.ColorScheme.light, .dark] {
                    let tab = try browser.open(site.url(page), colorScheme: scheme)
                    defer { tab.close() }
                    let matches: Bool = try tab.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
                    #expect(matches == (scheme == .dark), "\(page): the emulated colour scheme is \(scheme)")
                    colours[scheme] = try tab.evaluate(probe)
                }
                let light = try #require(colours[.light]), dark = try #require(colours[.dark])
                #expect(light.background != dark.background, "\(page): background \(light.background) in both modes")
                #expect(light.text != dark.text, "\(page): text colour \(light.text) in both modes")
                #expect(light.series.count == dark.series.count)
                for (l, d) in zip(light.series, dark.series) {
                    #expect(l != d, "\(page): a plot series is \(l) in both modes")
                }
                #expect(Set(dark.series).count == Set(light.series).count, "\(page): dark mode keeps the series apart")
                series += light.series.count
            }
        }
        #expect(series > 0, "the site has plot series to check")
    }

    @Test("At 390 px, on an emulated phone, no page scrolls sideways")
    func phoneWidth() throws {
        let site = try site
        try Browser.with { browser in
            for page in site.pages {
                let tab = try browser.open(site.url(page), width: 390, height: 844, mobile: true)
                defer { tab.close() }
                struct Width: Decodable { var scrollWidth: Int; var clientWidth: Int; var innerWidth: Int; var overflowing: [String] }
                let width: Width = try tab.evaluate("""
                    (() => {
                      const root = document.documentElement;
                      // The outermost elements that stick out past the right edge, for the message.
                      const overflowing = [...document.body.querySelectorAll('*')]
                        .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
                        .filter(e => !e.parentElement.closest('*') || e.parentElement.getBoundingClientRect().right <= root.clientWidth + 0.5)
                        .map(e => e.outerHTML.slice(0, 100));
                      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, innerWidth: window.innerWidth, overflowing };
                    })()
                    """)
                #expect(width.innerWidth == 390, "\(page): the layout viewport follows the device width")
                #expect(width.scrollWidth <= width.clientWidth, "\(page): \(width.scrollWidth) px wide in a \(width.clientWidth) px viewport; sticking out: \(width.overflowing)")
            }
        }
    }
}
