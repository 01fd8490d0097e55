/// The HTML document around an article: head, navigation in article order, previous/next links.
struct PageTemplate {
    struct NavItem {
        var title: String
        var path: String
    }

    var siteTitle: String
    var navigation: [NavItem]

    /// A full HTML document. `path` is the page's output path (for relative links and the current item).
    /// `toc`: the page's table of contents, shown beside the article on wide screens and above it on narrow ones.
    func document(title: String, description: String?, path: String, content: [HTMLNode], hasOwnHeading: Bool, toc: HTMLNode? = nil) -> String {
        let depth = path.split(separator: "/").count - 1
        let root = String(repeating: "../", count: depth)
        let current = navigation.firstIndex { $0.path == path }

        let head = HTMLNode.el("head", [], [
            .void("meta", [("charset", "utf-8")]),
            .void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
            .void("meta", [("name", "color-scheme"), ("content", "light dark")]),
            .el("title", [], text: title == siteTitle ? title : "\(title) · \(siteTitle)"),
            description.map { .void("meta", [("name", "description"), ("content", $0)]) } ?? .fragment([]),
            .void("link", [("rel", "stylesheet"), ("href", root + "assets/katex/katex.min.css")]),
            .void("link", [("rel", "stylesheet"), ("href", root + "assets/litmath.css")]),
        ])

        let navList = HTMLNode.el("ol", [], navigation.map { item in
            .el("li", [], [.el("a", [("href", root + item.path), ("aria-current", item.path == path ? "page" : nil)], text: item.title)])
        })
        let nav = HTMLNode.el("nav", [("class", "lm-sidebar"), ("aria-label", "Articles")], [
            .el("a", [("class", "lm-site-title"), ("href", root + (navigation.first?.path ?? "index.html"))], text: siteTitle),
            navList,
        ])

        var pager: [HTMLNode] = []
        if let current {
            if current > 0 {
                let p = navigation[current - 1]
                pager.append(.el("a", [("class", "lm-prev"), ("href", root + p.path), ("rel", "prev")], [.el("span", [], text: "Previous"), .text(" " + p.title)]))
            }
            if current + 1 < navigation.count {
                let n = navigation[current + 1]
                pager.append(.el("a", [("class", "lm-next"), ("href", root + n.path), ("rel", "next")], [.el("span", [], text: "Next"), .text(" " + n.title)]))
            }
        }

        var article: [HTMLNode] = []
        if !hasOwnHeading { article.append(.el("h1", [], text: title)) }
        article += content
        let main = HTMLNode.el("main", [("id", "main"), ("class", toc == nil ? nil : "lm-has-toc")], [
            toc ?? .fragment([]),
            .el("article", [], article),
            pager.isEmpty ? .fragment([]) : .el("nav", [("class", "lm-pager"), ("aria-label", "Previous and next")], pager),
        ])
        let body = HTMLNode.el("body", [], [
            .el("a", [("class", "lm-skip"), ("href", "#main")], text: "Skip to content"),
            .el("div", [("class", "lm-layout")], [nav, main]),
            .el("footer", [("class", "lm-footer")], [.text("Built with litmath. Every number on this page was computed by DiffusionSchedulers at build time.")]),
        ])
        var out = "<!DOCTYPE html>\n"
        HTMLNode.el("html", [("lang", "en")], [head, body]).render(into: &out)
        out += "\n"
        return out
    }
}
