import Foundation
@testable import LitMath

extension TestSite {
    /// The article's content as the renderer made it, for exact comparisons: without the title
    /// the page template adds to a page that has no heading of its own (`<h1>` with no id), and
    /// without the template's white space around the content.
    static func content(_ markdown: String, file: String = "x.md") -> (html: String, diagnostics: [Diagnostic]) {
        let (html, diagnostics) = article(markdown, file: file)
        var body = html.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("<h1>"), let end = body.range(of: "</h1>") {
            body = String(body[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (body, diagnostics)
    }
}
