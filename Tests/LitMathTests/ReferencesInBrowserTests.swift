import Foundation
import Testing
@testable import LitMath

/// The site built from `content/`, in Chromium: footnotes, references and the table of contents
/// lead where they say, and a reference shows the number its target shows.
@Suite("References in headless Chromium", .builtSite)
struct ReferencesInBrowserTests {
    var site: BuiltSite { get throws { try #require(BuiltSite.current) } }

    struct Link: Decodable {
        var kind: String
        var href: String
        var text: String
        /// The target's tag and id, when the fragment names an element of the page.
        var target: String?
        /// What the target shows as its number: an equation's tag, a figure's or table's "Figure n." / "Table n.".
        var number: String?
    }

    static let probe = #"""
        (() => {
          const kinds = [['a[role="doc-noteref"]', 'note'], ['a[role="doc-backlink"]', 'back'], ['a.lm-ref', 'ref'], ['.lm-toc a', 'toc']];
          const links = [];
          for (const [selector, kind] of kinds) {
            for (const a of document.querySelectorAll(selector)) {
              const href = a.getAttribute('href');
              const url = new URL(href, location.href);
              const here = url.pathname === location.pathname;
              const target = here ? document.getElementById(decodeURIComponent(url.hash.slice(1))) : null;
              let number = null;
              if (target) {
                const tag = target.querySelector('.katex-display .tag');
                const figure = target.querySelector('.lm-figure-number');
                number = tag ? tag.textContent : figure ? figure.textContent : null;
              }
              links.push({ kind, href, text: a.textContent, target: target ? target.localName + '#' + target.id : (here ? null : 'other page'), number });
            }
          }
          return links;
        })()
        """#

    @Test("Every footnote, back-link, reference and contents entry lands on an element of its page, and references show their target's number")
    func linksLand() throws {
        let site = try site
        var seen: [String: Int] = [:]
        try Browser.with { browser in
            for page in site.pages {
                let tab = try browser.open(site.url(page))
                defer { tab.close() }
                let links: [Link] = try tab.evaluate(Self.probe)
                for link in links {
                    seen[link.kind, default: 0] += 1
                    #expect(link.target != nil, "\(page): \(link.kind) link '\(link.text)' → \(link.href) lands nowhere")
                    guard link.kind == "ref", link.target != "other page" else { continue }
                    let shown = try #require(link.number, "\(page): \(link.href) points at something without a number")
                    // "(2)" for an equation, "Figure 1." / "Table 2." for figures and tables.
                    let number = shown.trimmingCharacters(in: CharacterSet(charactersIn: "()."))
                        .replacingOccurrences(of: "Figure ", with: "").replacingOccurrences(of: "Table ", with: "")
                    #expect(link.text.trimmingCharacters(in: CharacterSet(charactersIn: "()")) == number,
                            "\(page): '\(link.text)' → \(link.href), which shows '\(shown)'")
                }
            }
        }
        // The articles use each of these, so an empty list would mean the probe found nothing.
        for kind in ["note", "back", "ref", "toc"] {
            #expect(seen[kind, default: 0] > 0, "no \(kind) links in the site")
        }
    }

    @Test("A reference to another article reaches an element that shows the same number")
    func crossPage() throws {
        let site = try site
        let from = try #require(site.pages.first { $0 == "noise-levels.html" })
        try Browser.with { browser in
            let tab = try browser.open(site.url(from))
            defer { tab.close() }
            let hrefs: [String] = try tab.evaluate("[...document.querySelectorAll('a.lm-ref')].map(a => a.getAttribute('href')).filter(h => !h.startsWith('#'))")
            let texts: [String] = try tab.evaluate("[...document.querySelectorAll('a.lm-ref')].filter(a => !a.getAttribute('href').startsWith('#')).map(a => a.textContent)")
            #expect(hrefs == ["ddpm.html#eq:closed-form"])
            for (href, text) in zip(hrefs, texts) {
                let parts = href.split(separator: "#", maxSplits: 1).map(String.init)
                let other = try browser.open(site.url(parts[0]))
                defer { other.close() }
                let tag: String? = try other.evaluate("document.getElementById(\(Self.quoted(parts[1])))?.querySelector('.tag')?.textContent ?? null")
                #expect(tag == text, "\(href) shows \(tag ?? "nothing"), the reference says \(text)")
            }
        }
    }

    static func quoted(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed]), as: UTF8.self)
    }
}
