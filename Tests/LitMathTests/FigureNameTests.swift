import Foundation
import Testing
@testable import LitMath

/// Chromium names a `<figure>` only from `aria-labelledby`, `aria-label` or `title`, not from a
/// caption inside it; the page tests in Chromium check the names, these check the wiring for the
/// cases the articles do not have.
@Suite("Figures have accessible names")
struct FigureNameTests {
    /// The `aria-labelledby` (and `aria-describedby`) of the first `<figure>`, and the element each id is on.
    func references(in html: String) throws -> (labelledBy: String?, describedBy: String?, elements: [String: String]) {
        let figure = try #require(html.range(of: "<figure [^>]*>", options: .regularExpression).map { String(html[$0]) })
        func attribute(_ name: String) -> String? {
            guard let range = figure.range(of: "\(name)=\"[^\"]*\"", options: .regularExpression) else { return nil }
            return String(figure[range].dropFirst(name.count + 2).dropLast())
        }
        var elements: [String: String] = [:]
        for id in [attribute("aria-labelledby"), attribute("aria-describedby")].compactMap({ $0 }) {
            if let range = html.range(of: "<[a-z]+ [^>]*id=\"\(id)\"", options: .regularExpression) {
                elements[id] = String(html[range].dropFirst().prefix { $0 != " " })
            }
        }
        return (attribute("aria-labelledby"), attribute("aria-describedby"), elements)
    }

    @Test("A table with a caption is named by it; one without, by its header row")
    func tables() throws {
        let (captioned, d1) = TestSite.article("```scheduler table\ncaption: Betas\nt: [0]\ncolumns: [beta]\n```\n")
        #expect(d1.isEmpty)
        let named = try references(in: captioned)
        let caption = try #require(named.labelledBy)
        #expect(named.elements[caption] == "caption")

        let (bare, d2) = TestSite.article("```scheduler table\nt: [0]\ncolumns: [beta]\n```\n")
        #expect(d2.isEmpty)
        let head = try #require(try references(in: bare).labelledBy)
        #expect(try references(in: bare).elements[head] == "thead")
    }

    @Test("A plot figure is named by the plot's title, shown as its visible heading, and described by its caption")
    func plots() throws {
        let (html, diagnostics) = TestSite.article("```scheduler plot\ntitle: Signal\ny: beta\ncaption: The betas\n```\n")
        #expect(diagnostics.isEmpty)
        let refs = try references(in: html)
        let title = try #require(refs.labelledBy), caption = try #require(refs.describedBy)
        #expect(refs.elements[title] == "p")
        #expect(html.contains("<p class=\"lm-figure-title\" id=\"\(title)\">Signal</p>"))
        #expect(refs.elements[caption] == "figcaption")
        #expect(html.contains(">Signal</title>") && html.contains("<span class=\"lm-figure-number\">Figure 1.</span> The betas <a class=\"lm-data\" href=\"x.plot-1.csv\" download=\"\">Data (CSV)</a></figcaption>"))
    }
}
