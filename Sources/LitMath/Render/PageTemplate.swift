import Foundation
import Mustache

/// The HTML document around an article: head, navigation in article order, table of contents,
/// search box, previous/next links — rendered from Mustache templates (`DefaultTemplates`, with
/// any the author wrote in `content/_templates/` in their place).
struct PageTemplate {
    struct NavItem {
        var title: String
        var path: String
    }

    /// One page to put in the template.
    struct Page {
        var title: String
        var description: String?
        /// Output path, e.g. `ddpm.html`.
        var path: String
        /// Source path, e.g. `ddpm.md` (empty for generated pages).
        var source: String = ""
        var frontMatter = FrontMatter()
        /// The article's HTML.
        var content: [HTMLNode]
        var hasOwnHeading: Bool
        /// Headings (level, id, text), for templates that list them.
        var headings: [(level: Int, id: String, text: String)] = []
        /// The table of contents as the Markdown renderer made it (entries typeset like the headings).
        var toc: HTMLNode? = nil
        /// The prefix from this page to the site root: `../` per folder level by default; the 404
        /// page, which a server shows at any depth, uses the base URL's path when there is one.
        var root: String?
        /// Whether this is the 404 page.
        var isNotFound = false
    }

    var siteTitle: String
    var navigation: [NavItem]
    var configuration = SiteConfiguration()
    var templates = TemplateSet.builtIn
    /// Whether pages get the search box and scripts.
    var search = true

    /// A full HTML document.
    func document(_ page: Page) -> String {
        templates.render(context(for: page))
    }

    /// The values a template sees (documented in the README, "Templates").
    func context(for page: Page) -> [String: Any] {
        let depth = page.path.split(separator: "/").count - 1
        let root = page.root ?? String(repeating: "../", count: depth)
        let current = page.isNotFound ? nil : navigation.firstIndex { $0.path == page.path }
        func link(_ item: NavItem) -> [String: Any] { ["title": item.title, "href": root + item.path] }

        var site: [String: Any] = ["title": siteTitle, "language": configuration.language, "search": search]
        if let base = configuration.baseURL { site["base_url"] = base }

        var pageValues: [String: Any] = [
            "title": page.title, "path": page.path, "is_index": page.path == "index.html", "is_not_found": page.isNotFound,
            "tags": page.frontMatter.tags, "meta": page.frontMatter.values.mapValues(Self.templateValue),
        ]
        if !page.source.isEmpty { pageValues["source"] = page.source }
        if let description = page.description, !description.isEmpty { pageValues["description"] = description }
        if let date = page.frontMatter.date { pageValues["date"] = date }
        if let base = configuration.baseURL, !page.isNotFound {
            pageValues["url"] = base + (page.path == "index.html" ? "" : page.path)
        }

        let toc = page.headings.filter { (2...3).contains($0.level) }.map { heading -> [String: Any] in
            ["level": heading.level, "id": heading.id, "title": heading.text]
        }
        var content = ""
        for node in page.content { node.render(into: &content) }
        var tocHTML = ""
        page.toc?.render(into: &tocHTML)

        var values: [String: Any] = [
            "site": site,
            "page": pageValues,
            "root": root,
            "home": root + (navigation.first?.path ?? "index.html"),
            "document_title": page.title == siteTitle ? page.title : "\(page.title) · \(siteTitle)",
            "content": content,
            "show_title": !page.hasOwnHeading,
            "toc": toc,
            "toc_html": tocHTML,
            "has_toc": !tocHTML.isEmpty,
            "navigation": navigation.map { item -> [String: Any] in
                ["title": item.title, "href": root + item.path, "current": item.path == page.path]
            },
            "assets": [
                "stylesheet": root + "assets/litmath.css",
                "katex_stylesheet": root + "assets/katex/katex.min.css",
                "search_index": root + SearchIndex.indexPath,
                "search_script": root + SearchIndex.scriptPath,
            ],
            "generator": "litmath",
        ]
        if let current, current > 0 { values["previous"] = link(navigation[current - 1]) }
        if let current, current + 1 < navigation.count { values["next"] = link(navigation[current + 1]) }
        values["has_pager"] = values["previous"] != nil || values["next"] != nil
        return values
    }

    /// Front matter as template values: text, lists and maps.
    static func templateValue(_ value: FrontMatter.Value) -> Any {
        switch value {
        case let .scalar(text): text
        case let .list(items): items.map(templateValue)
        case let .map(entries): entries.mapValues(templateValue)
        }
    }
}
