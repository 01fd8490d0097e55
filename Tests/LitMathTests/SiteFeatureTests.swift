import Foundation
import Testing
@testable import LitMath

/// The site around the articles: configuration, static files, highlighted code, templates,
/// table of contents, search index, 404 page and sitemap. Sites are built in memory from
/// dictionaries (`TestSite.site`), or from a temporary folder where the file system matters.
@Suite("Site features")
struct SiteFeatureTests {
    static func text(_ files: [String: Data], _ path: String) -> String {
        files[path].map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func hrefs(in html: String, inside marker: String, until terminator: String = "</ol>") -> [String] {
        guard let start = html.range(of: marker) else { return [] }
        let rest = html[start.upperBound...]
        let end = rest.range(of: terminator)?.lowerBound ?? rest.endIndex
        return Verifier.attributeValues("href", in: String(rest[..<end]))
    }

    @Test("site.yml sets the title, the language and the navigation order; unlisted articles follow")
    func configuration() throws {
        let (files, report) = TestSite.site([
            "site.yml": "title: Schedulers <&> more\nlanguage: de-CH\nnavigation: [c.md, index.md]\n",
            "index.md": "# Home\n", "a.md": "---\norder: 1\n---\n# Alpha\n", "c.md": "# Gamma\n",
        ])
        #expect(!report.diagnostics.containsErrors, "\(report.diagnostics)")
        let page = Self.text(files, "a.html")
        #expect(page.contains("<html lang=\"de-CH\">"))
        #expect(page.contains("<title>Alpha · Schedulers &lt;&amp;&gt; more</title>"))
        #expect(Self.hrefs(in: page, inside: "<nav class=\"lm-sidebar\"", until: "</nav>").filter { !$0.hasPrefix("#") } == ["c.html", "c.html", "index.html", "a.html"],
                "site title link (the first page), then navigation: listed in order, then the rest")
        #expect(files[Sitemap.path] == nil, "no sitemap without a base URL")
    }

    @Test("Static files are copied at their paths; hidden files and _folders are not")
    func staticFiles() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content")
        try TestSite.write(["index.md": "# Home\n\n![Logo](img/logo.png) and [data](downloads/data.csv).\n",
                            "downloads/data.csv": "t,beta\n0,0.0001\n", ".secret": "x", "img/.DS_Store": "x",
                            "_notes/todo.txt": "x", "_expected/index.txt": "x", "deep/_private/x.txt": "x"], to: content)
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF])
        try png.write(to: content.appendingPathComponent("img/logo.png"))
        let log = TestLog()
        let status = BuildAction(content: content, output: root.appendingPathComponent("site"), log: { log.append($0) }).run()
        #expect(status == 0, "\(log.value)")
        let site = try TestSite.snapshot(root.appendingPathComponent("site"))
        #expect(site["img/logo.png"] == png)
        #expect(site["downloads/data.csv"] == Data("t,beta\n0,0.0001\n".utf8))
        for skipped in [".secret", "img/.DS_Store", "_notes/todo.txt", "_expected/index.txt", "deep/_private/x.txt", "index.md"] {
            #expect(site[skipped] == nil, "\(skipped) is not copied")
        }
    }

    @Test("Swift, Python and shell are highlighted at build time; code text is escaped, whatever it holds")
    func highlighting() throws {
        let hostile = "let s = \"</code></pre><script>alert(1)</script>\" // & <b>"
        let markdown = "# Code\n\n```swift\n\(hostile)\n```\n\n```python\ndef f(x):\n    return x < 1\n```\n\n```sh\necho \"$HOME\" | grep x\n```\n\n```rust\nfn main() {}\n```\n"
        let (files, report) = TestSite.site(["x.md": markdown])
        #expect(!report.diagnostics.containsErrors, "\(report.diagnostics)")
        let page = Self.text(files, "x.html")
        let blocks = page.components(separatedBy: "<pre>").dropFirst().map { $0.components(separatedBy: "</pre>")[0] }
        #expect(blocks.count == 4)
        guard blocks.count == 4 else { return }
        #expect(blocks[0].contains("<span class=\"token keyword\">let</span>"))
        #expect(blocks[0].contains("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;"))
        #expect(!page.contains("<script>alert"), "code never becomes markup")
        #expect(blocks[0].textContent == "<code class=\"language-swift\">".textContent + hostile + "\n")
        #expect(blocks[1].contains("<span class=\"token keyword\">def</span>") && blocks[1].contains("&lt;"))
        #expect(blocks[2].contains("class=\"token") && blocks[2].textContent == "echo \"$HOME\" | grep x\n")
        #expect(blocks[3] == "<code class=\"language-rust\">fn main() {}\n</code>", "other languages stay plain")
    }

    @Test("Highlighted code and formulas are cached: a second build needs no node at all")
    func cachedHighlighting() throws {
        let cache = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let article = [(path: "x.md", display: "content/x.md", text: "# X\n\n$x^2$\n\n```swift\nlet x = 1\n```\n")]
        let first = SiteBuilder(contentDirectory: cache, outputDirectory: cache, cache: BuildCache(directory: cache, codeIdentity: "test", secret: "test"))
        let (files, report) = first.render(article)
        #expect(!report.diagnostics.containsErrors)
        var broken = KaTeX(environment: ["LITMATH_NODE": "/nonexistent/node"])
        broken.katexModule = KaTeX().katexModule
        let second = SiteBuilder(contentDirectory: cache, outputDirectory: cache, katex: broken, cache: BuildCache(directory: cache, codeIdentity: "test", secret: "test"))
        let (again, againReport) = second.render(article)
        #expect(!againReport.diagnostics.containsErrors, "\(againReport.diagnostics)")
        #expect(again["x.html"] == files["x.html"])
        let uncached = SiteBuilder(contentDirectory: cache, outputDirectory: cache, katex: broken).render(article).report
        #expect(uncached.isSetupFailure, "without the cache the broken node is needed, and fails")
    }

    @Test("An author's page template replaces the default; variables are escaped; front matter reaches it")
    func authorTemplate() throws {
        let template = """
        <!DOCTYPE html><html lang="{{site.language}}"><title>{{document_title}}</title>
        <h1 class="t">{{page.title}}</h1><p class="d">{{page.date}}</p>
        <ul>{{#page.tags}}<li>{{.}}</li>{{/page.tags}}</ul><p class="m">{{page.meta.audience}}</p>
        {{{content}}}{{> footer}}
        """
        let (files, report) = TestSite.site([
            "_templates/page.mustache": template,
            "_templates/footer.mustache": "<footer>{{site.title}} by me</footer>",
            "x.md": "---\ntitle: A <b>bold</b> \"claim\"\ndate: 2024-02-29\ntags: [ddpm, schedules]\naudience: students\n---\n\nText.\n",
        ])
        #expect(!report.diagnostics.containsErrors, "\(report.diagnostics)")
        let page = Self.text(files, "x.html")
        #expect(page.contains("<h1 class=\"t\">A &lt;b&gt;bold&lt;/b&gt; &quot;claim&quot;</h1>"))
        #expect(page.contains("<p class=\"d\">2024-02-29</p>"))
        #expect(page.contains("<ul><li>ddpm</li><li>schedules</li></ul>"))
        #expect(page.contains("<p class=\"m\">students</p>"))
        #expect(page.contains("<p>Text.</p>"))
        #expect(page.contains("<footer>litmath by me</footer>"), "the author's footer partial, with the default site title")
        #expect(!page.contains("lm-sidebar"), "the default page template is gone")
    }

    @Test("Replacing one partial keeps the rest of the default theme; unknown variables warn with a suggestion")
    func partialOverride() throws {
        let (files, report) = TestSite.site([
            "_templates/footer.mustache": "<footer class=\"mine\">{{page.titel}}</footer>\n",
            "x.md": "# X\n\nText.\n",
        ])
        #expect(!report.diagnostics.containsErrors, "\(report.diagnostics)")
        let page = Self.text(files, "x.html")
        #expect(page.contains("<footer class=\"mine\"></footer>"))
        #expect(page.contains("class=\"lm-sidebar\""))
        let warning = try #require(report.diagnostics.first { $0.id == "template.unknown-variable" })
        #expect(warning.location == SourceLocation(file: "content/_templates/footer.mustache", line: 1, column: 22))
        #expect(warning.notes.first == "did you mean 'title'?")
    }

    @Test("The default template shows the table of contents of the page's h2 and h3 headings")
    func tableOfContents() throws {
        let (files, _) = TestSite.site(["x.md": "# X\n\n## First part\n\n### A detail\n\n## Second part\n\n#### Too deep\n", "y.md": "# Y\n\n## Only one\n"])
        let page = Self.text(files, "x.html")
        #expect(Self.hrefs(in: page, inside: "<nav class=\"lm-toc\"", until: "</nav>") == ["#first-part", "#a-detail", "#second-part"])
        for id in ["first-part", "a-detail", "second-part"] { #expect(page.contains("id=\"\(id)\"")) }
        #expect(page.contains("<ol><li><a href=\"#a-detail\">A detail</a></li></ol>"), "h3 under the h2 before it")
        #expect(page.contains("<main id=\"main\" class=\"lm-has-toc\">\n<nav class=\"lm-toc\""), "the template puts it at the top of main")
        #expect(!Self.text(files, "y.html").contains("lm-toc"), "one heading is not worth a table of contents")
    }

    @Test("The search index holds every page's sections with their anchors and text, and leaves out the 404 page")
    func searchIndex() throws {
        let (files, report) = TestSite.site([
            "index.md": "# Home\n\nWelcome to the schedules.\n",
            "ddpm.md": "# DDPM\n\nIntro with $\\bar\\alpha_t$ math.\n\n## The cosine schedule\n\nKeeps more signal.\n\n- a listed point\n",
        ])
        #expect(!report.diagnostics.containsErrors)
        let script = Self.text(files, SearchIndex.indexPath)
        #expect(script.hasPrefix("window.LITMATH_SEARCH = ["))
        let json = try #require(script.dropFirst("window.LITMATH_SEARCH = ".count).split(separator: ";").first)
        let entries = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        #expect(entries?.map { $0["p"] as? String } == ["ddpm.html", "index.html"])
        let sections = entries?.first?["s"] as? [[String: String]]
        #expect(sections?.map { $0["a"] } == ["", "the-cosine-schedule"])
        #expect(sections?.first?["x"] == "Intro with \\bar\\alpha_t math.", "formulas as their TeX")
        #expect(sections?.last?["x"] == "Keeps more signal. a listed point")
        #expect(Self.text(files, "ddpm.html").contains("id=\"the-cosine-schedule\""))
        #expect(files[SearchIndex.scriptPath] != nil)
        #expect(!script.contains("404"))
        #expect(Self.text(files, "ddpm.html").contains("<form class=\"lm-search\" role=\"search\" data-root=\"\" hidden>"),
                "the search box is hidden until its script runs")
    }

    @Test("A 404 page is built, outside the navigation; 404.md replaces its text; with a base URL its links start at the base path")
    func notFound() throws {
        let plain = TestSite.site(["index.md": "# Home\n", "a.md": "# A\n"]).files
        let page = Self.text(plain, "404.html")
        #expect(page.contains("<h1>Page not found</h1>"))
        #expect(page.contains("href=\"assets/litmath.css\""))
        #expect(!Self.text(plain, "index.html").contains("404.html"))
        #expect(!page.contains("aria-current"))

        let (custom, report) = TestSite.site(["index.md": "# Home\n", "404.md": "# Lost\n\nTry the [home page](index.md).\n",
                                              "site.yml": "base_url: https://example.org/docs\n"])
        #expect(!report.diagnostics.containsErrors, "\(report.diagnostics)")
        let lost = Self.text(custom, "404.html")
        #expect(lost.contains("Lost"))
        #expect(lost.contains("href=\"/docs/assets/litmath.css\""))
        #expect(lost.contains("href=\"/docs/index.html\""))
        #expect(custom["404.html"] != nil && !Self.text(custom, "index.html").contains("404"))
    }

    @Test("sitemap.xml lists every page but the 404 under the base URL, with dates")
    func sitemap() throws {
        let (files, report) = TestSite.site([
            "site.yml": "base_url: https://example.org/docs/\n",
            "index.md": "# Home\n", "b.md": "---\norder: 2\ndate: 2024-05-01\n---\n# B & C\n", "a folder/a.md": "---\norder: 1\n---\n# A\n",
        ])
        #expect(!report.diagnostics.containsErrors, "\(report.diagnostics)")
        let sitemap = Self.text(files, Sitemap.path)
        #expect(sitemap == """
            <?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>https://example.org/docs/</loc></url>
            <url><loc>https://example.org/docs/a%20folder/a.html</loc></url>
            <url><loc>https://example.org/docs/b.html</loc><lastmod>2024-05-01</lastmod></url>
            </urlset>

            """)
        #expect(Self.text(files, "b.html").contains("<link rel=\"canonical\" href=\"https://example.org/docs/b.html\"/>"))
    }

    @Test("Pages in folders link to the root relatively, so the site works from file://")
    func relativeLinks() throws {
        let (files, _) = TestSite.site(["index.md": "# Home\n", "guide/intro.md": "# Intro\n"])
        let page = Self.text(files, "guide/intro.html")
        #expect(page.contains("href=\"../assets/litmath.css\""))
        #expect(page.contains("href=\"../index.html\""))
        #expect(page.contains("src=\"../assets/search.js\""))
        #expect(page.contains("data-root=\"../\""))
        for href in Verifier.attributeValues("href", in: page) + Verifier.attributeValues("src", in: page) {
            #expect(!href.hasPrefix("/"), "\(href) is absolute")
        }
    }

    @Test("The same content gives the same bytes")
    func deterministic() throws {
        let content = ["site.yml": "base_url: https://example.org/\n", "index.md": "# Home\n\n## A\n\n```swift\nlet x = 1\n```\n", "b.md": "# B\n\n$x$\n"]
        let first = TestSite.site(content).files, second = TestSite.site(content).files
        #expect(first == second)
        #expect(first.keys.contains(Sitemap.path) && first.keys.contains(SearchIndex.indexPath))
    }
}
