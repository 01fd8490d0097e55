/// The 404 page, `404.html`: what a web server shows for an address the site does not have.
///
/// An article `404.md` replaces the built-in text. Either way the page is left out of the
/// navigation, the search index and the sitemap. A server shows it at any depth (`/a/b/missing`),
/// where relative links would point nowhere, so when `site.yml` has a `base_url` its links start
/// from the base URL's path (`/docs/assets/litmath.css`); without one they are relative to the
/// site root, which is right for a 404 page at the top of a host and from `file://`.
enum NotFoundPage {
    static let sourcePath = "404.md"
    static let outputPath = "404.html"

    /// The built-in page.
    static func document(home: String, root: String?) -> PageTemplate.Page {
        let root = root ?? ""
        return PageTemplate.Page(
            title: "Page not found", description: nil, path: outputPath,
            content: [
                .el("h1", [], text: "Page not found"),
                .el("p", [], text: "There is no page at this address. The link may be mistyped, or the page may have moved."),
                .el("p", [], [.el("a", [("href", root + home)], text: "Go to the first page"), .text(".")]),
            ],
            hasOwnHeading: true, root: root, isNotFound: true)
    }
}
