import Foundation

/// `sitemap.xml`, written when `site.yml` has a `base_url`: every page but the 404 page, in
/// navigation order, with the front matter's `date` as `lastmod`.
enum Sitemap {
    static let path = "sitemap.xml"

    static func xml(baseURL: String, pages: [(path: String, date: String?)]) -> Data {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
        for page in pages {
            let path = page.path == "index.html" ? "" : (page.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? page.path)
            out += "<url><loc>" + HTMLNode.escape(baseURL + path, quotes: true) + "</loc>"
            if let date = page.date { out += "<lastmod>" + HTMLNode.escape(date) + "</lastmod>" }
            out += "</url>\n"
        }
        out += "</urlset>\n"
        return Data(out.utf8)
    }
}
