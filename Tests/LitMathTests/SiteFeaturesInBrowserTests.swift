import Foundation
import Testing
@testable import LitMath

/// The search box, highlighted code and the 404 page of the site built from `content/`, in
/// headless Chromium from `file://`.
@Suite("Search, code and 404 in headless Chromium", .builtSite)
struct SiteFeaturesInBrowserTests {
    var site: BuiltSite { get throws { try #require(BuiltSite.current) } }

    struct Results: Decodable {
        var visible: Bool
        var links: [String]
        var texts: [String]
    }

    /// Types `query` into the page's search box and returns what it lists.
    static func search(_ query: String, in tab: Browser.Tab) throws -> Results {
        try tab.evaluate("""
            (() => {
              const form = document.querySelector('form.lm-search');
              const input = form.querySelector('input');
              input.value = \(String(decoding: try JSONSerialization.data(withJSONObject: query, options: .fragmentsAllowed), as: UTF8.self));
              input.dispatchEvent(new Event('input', { bubbles: true }));
              const list = form.querySelector('.lm-search-results');
              return { visible: !form.hidden && getComputedStyle(form).display !== 'none' && !list.hidden,
                       links: [...list.querySelectorAll('a')].map(a => a.href),
                       texts: [...list.querySelectorAll('li')].map(li => li.textContent) };
            })()
            """)
    }

    @Test("Search finds sections by their words and links to their headings, from file://")
    func search() throws {
        let site = try site
        try Browser.with { browser in
            let tab = try browser.open(site.url("ddpm.html"))
            defer { tab.close() }
            let hidden: Bool = try tab.evaluate("document.querySelector('form.lm-search').hidden")
            #expect(!hidden, "the script shows the search box")

            let karras = try Self.search("karras sigma", in: tab)
            #expect(karras.visible)
            let first = try #require(karras.links.first)
            #expect(first.hasPrefix(site.root.appendingPathComponent("noise-levels.html").absoluteString + "#"), "\(karras.links)")
            #expect(karras.texts.first?.contains("Noise levels") == true, "\(karras.texts)")

            // Every result points at a page and an id that exist.
            let cosine = try Self.search("Cosine", in: tab)
            #expect(!cosine.links.isEmpty)
            for link in cosine.links + karras.links {
                let target = try #require(URL(string: link))
                let path = String(target.path.dropFirst(site.root.path.count + 1))
                let html = try String(contentsOf: site.url(path), encoding: .utf8)
                if let fragment = target.fragment {
                    #expect(html.contains("id=\"\(fragment.removingPercentEncoding ?? fragment)\""), "\(link) has no target")
                }
            }

            let none = try Self.search("xylophone", in: tab)
            #expect(none.links.isEmpty && none.texts == ["No matches"])
            let cleared = try Self.search("  ", in: tab)
            #expect(!cleared.visible)
            #expect(tab.problems.isEmpty, "\(tab.problems)")
        }
    }

    @Test("Search from a page in a folder links back up to the root")
    func searchFromFolder() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try TestSite.write(["index.md": "# Home\n\nStart here.\n", "guide/deep.md": "# Deep\n\n## Hidden treasure\n\nA unique word: quokka.\n"],
                           to: root.appendingPathComponent("content"))
        let log = TestLog()
        #expect(BuildAction(content: root.appendingPathComponent("content"), output: root.appendingPathComponent("site"), log: { log.append($0) }).run() == 0, "\(log.value)")
        try Browser.with { browser in
            let tab = try browser.open(root.appendingPathComponent("site/guide/deep.html"))
            defer { tab.close() }
            let home = try Self.search("start", in: tab)
            #expect(home.links == [root.appendingPathComponent("site/index.html").absoluteString])
            let treasure = try Self.search("quokka", in: tab)
            #expect(treasure.links == [root.appendingPathComponent("site/guide/deep.html").absoluteString + "#hidden-treasure"])
            #expect(tab.problems.isEmpty, "\(tab.problems)")
        }
    }

    @Test("Highlighted code has token colours in light and dark, and no console errors")
    func highlightedCode() throws {
        let site = try site
        struct Colours: Decodable, Equatable { var tokens: Int; var keyword: String; var comment: String; var plain: String }
        var seen: [Browser.ColorScheme: Colours] = [:]
        try Browser.with { browser in
            for scheme in [Browser.ColorScheme.light, .dark] {
                let tab = try browser.open(site.url("index.html"), colorScheme: scheme)
                defer { tab.close() }
                #expect(tab.problems.isEmpty, "\(tab.problems)")
                seen[scheme] = try tab.evaluate("""
                    (() => {
                      const code = document.querySelector('pre code.language-swift');
                      const colour = s => getComputedStyle(code.querySelector(s)).color;
                      return { tokens: code.querySelectorAll('.token').length, keyword: colour('.token.keyword'),
                               comment: colour('.token.comment'), plain: getComputedStyle(code).color };
                    })()
                    """)
            }
        }
        let light = try #require(seen[.light]), dark = try #require(seen[.dark])
        #expect(light.tokens > 5)
        #expect(Set([light.keyword, light.comment, light.plain]).count == 3, "keywords, comments and plain code differ: \(light)")
        #expect(light.keyword != dark.keyword && light.comment != dark.comment, "dark mode has its own code colours")
    }

    @Test("The 404 page loads with its stylesheet and links to the first page")
    func notFoundPage() throws {
        let site = try site
        #expect(site.pages.contains("404.html"))
        try Browser.with { browser in
            let tab = try browser.open(site.url("404.html"))
            defer { tab.close() }
            #expect(tab.problems.isEmpty, "\(tab.problems)")
            struct Page: Decodable { var heading: String; var home: String; var background: String; var current: Int }
            let page: Page = try tab.evaluate("""
                ({ heading: document.querySelector('article h1').textContent,
                   home: document.querySelector('article a').href,
                   background: getComputedStyle(document.body).backgroundColor,
                   current: document.querySelectorAll('[aria-current]').length })
                """)
            #expect(page.heading == "Page not found")
            #expect(page.home == site.url("index.html").absoluteString)
            #expect(page.background != "rgba(0, 0, 0, 0)", "the stylesheet applies")
            #expect(page.current == 0, "no navigation entry is the 404 page")
        }
    }
}
