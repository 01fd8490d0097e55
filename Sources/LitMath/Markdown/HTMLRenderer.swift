/// Renders a parsed article to HTML nodes.
///
/// Formulas arrive as placeholders in text and are swapped for typeset math; directive blocks
/// are swapped for their figures; `.md` links become `.html` links. Raw HTML written by the
/// author is not passed through (it is shown as text), while the generator's own fragments are
/// built as `HTMLNode`s and so reach the page deliberately.
struct HTMLRenderer {
    /// Typeset HTML for formula `i`.
    var math: (Int) -> String
    /// The original source of formula `i` (for code, where math is not typeset).
    var mathSource: (Int) -> String
    /// Inline value `i`, rendered.
    var value: (Int) -> HTMLNode
    /// The original source of inline value `i`.
    var valueSource: (Int) -> String
    /// The figure for the directive whose fence is on the given line.
    var directive: (Int) -> HTMLNode?
    /// What follows a code block, by its fence line: the figures a Swift example showed.
    var after: (Int) -> [HTMLNode] = { _ in [] }
    /// Highlighted code for a fence's info string and its code, or nil to show it plain.
    var highlight: (String, String) -> HTMLNode? = { _, _ in nil }
    /// Reference `i` (a footnote reference, `\ref`, `\eqref`), rendered.
    var reference: (Int) -> HTMLNode = { _ in .fragment([]) }
    /// The original source of reference `i`.
    var referenceSource: (Int) -> String = { _ in "" }
    /// The `src` to use for a local image as written in the article.
    var imageSource: (String) -> String = { $0 }
    /// Ids already used on this page.
    private(set) var usedIDs: Set<String> = []
    /// Headings (level, id, content) in order, for a table of contents.
    private(set) var headings: [(level: Int, id: String, content: [MarkdownInline])] = []
    /// Whether headings are collected for the table of contents (not in footnotes).
    var collectsHeadings = true

    init(math: @escaping (Int) -> String, mathSource: @escaping (Int) -> String, value: @escaping (Int) -> HTMLNode,
         valueSource: @escaping (Int) -> String, directive: @escaping (Int) -> HTMLNode?) {
        self.math = math
        self.mathSource = mathSource
        self.value = value
        self.valueSource = valueSource
        self.directive = directive
    }

    mutating func render(_ blocks: [MarkdownBlock], tight: Bool = false) -> [HTMLNode] {
        blocks.map { render($0, tight: tight) }
    }

    mutating func render(_ block: MarkdownBlock, tight: Bool) -> HTMLNode {
        switch block {
        case let .paragraph(inlines):
            let content = render(inlines)
            return tight ? .fragment(content) : .el("p", [], content)
        case let .heading(level, inlines, _):
            let text = plain(inlines)
            let id = uniqueID(Self.slug(text))
            if collectsHeadings { headings.append((level, id, inlines)) }
            var content = render(inlines)
            content.append(.el("a", [("class", "lm-anchor"), ("href", "#" + id), ("aria-label", "Link to this section")], text: "#"))
            return .el("h\(min(max(level, 1), 6))", [("id", id)], content)
        case let .blockQuote(blocks):
            return .el("blockquote", [], render(blocks))
        case let .callout(kind, title, blocks):
            let titleID = numberedID("callout")
            let heading = title.isEmpty ? [HTMLNode.text(kind.title)] : render(title)
            return .el("aside", [("class", "callout " + kind.rawValue), ("role", "note"), ("aria-labelledby", titleID)],
                       [.el("p", [("class", "callout-title"), ("id", titleID)], heading)] + render(blocks))
        case let .list(ordered, start, isTight, items):
            let children = items.map { HTMLNode.el("li", [], render($0, tight: isTight)) }
            if ordered {
                return .el("ol", [("start", start == 1 ? nil : String(start))], children)
            }
            return .el("ul", [], children)
        case let .codeBlock(info, literal, line, _):
            if let figure = directive(line) { return figure }
            let language = info.split(separator: " ").first.map(String.init)
            let code = restoreMath(literal)
            let content = highlight(info, code) ?? .text(code)
            let pre = HTMLNode.el("pre", [], [.el("code", [("class", language.map { "language-" + $0 })], [content])])
            let figures = after(line)
            return figures.isEmpty ? pre : .fragment([pre] + figures)
        case let .htmlBlock(html, _):
            // A comment (Jekyll's `<!--more-->`, an author's note) is meant to be invisible.
            if Self.isComment(html) { return .fragment([]) }
            return .el("pre", [("class", "lm-raw-html")], [.el("code", [], text: restoreMath(html))])
        case .thematicBreak:
            return .void("hr", [])
        case let .figure(figure):
            return render(figure)
        case let .table(table):
            return render(table)
        }
    }

    mutating func render(_ figure: MarkdownFigure) -> HTMLNode {
        let id = figure.label ?? numberedID("figure")
        let captionID = id + "-caption"
        var caption: [HTMLNode] = []
        if let number = figure.number {
            caption.append(.el("span", [("class", "lm-figure-number")], text: "Figure \(number)."))
            caption.append(.text(" "))
        }
        caption += renderText(figure.caption)
        return .el("figure", [("class", "lm-figure"), ("id", id), ("aria-labelledby", captionID)], [
            image(url: figure.url, title: "", alt: figure.alt),
            .el("figcaption", [("id", captionID)], caption),
        ])
    }

    mutating func render(_ table: MarkdownTable) -> HTMLNode {
        func style(_ column: Int) -> String? {
            guard table.alignments.indices.contains(column), table.alignments[column] != .none else { return nil }
            return "text-align: " + table.alignments[column].rawValue
        }
        var children: [HTMLNode] = []
        if let caption = table.caption {
            var content: [HTMLNode] = []
            if let number = table.number {
                content.append(.el("span", [("class", "lm-figure-number")], text: "Table \(number)."))
                content.append(.text(" "))
            }
            children.append(.el("caption", [], content + render(caption)))
        }
        children.append(.el("thead", [], [.el("tr", [], table.header.enumerated().map { column, cell in
            .el("th", [("scope", "col"), ("style", style(column))], render(cell))
        })]))
        if !table.rows.isEmpty {
            children.append(.el("tbody", [], table.rows.map { row in
                .el("tr", [], row.enumerated().map { column, cell in .el("td", [("style", style(column))], render(cell)) })
            }))
        }
        return .el("div", [("class", "lm-table-scroll")], [.el("table", [("class", "lm-md-table"), ("id", table.label)], children)])
    }

    mutating func render(_ inlines: [MarkdownInline]) -> [HTMLNode] {
        inlines.flatMap { inline -> [HTMLNode] in
            switch inline {
            case let .text(text):
                return renderText(text)
            case .softBreak: return [.text("\n")]
            case .lineBreak: return [.void("br", []), .text("\n")]
            case let .code(code): return [.el("code", [], text: restoreMath(code))]
            case let .html(html): return Self.isComment(html) ? [] : [.text(restoreMath(html))]
            case let .emphasis(children): return [.el("em", [], render(children))]
            case let .strong(children): return [.el("strong", [], render(children))]
            case let .link(url, title, children, _):
                return [.el("a", [("href", URLPolicy.permitted(Self.rewriteLink(restoreMath(url)))), ("title", title.isEmpty ? nil : plainText(title))], render(children))]
            case let .image(url, title, children, _):
                return [image(url: url, title: title, alt: children)]
            }
        }
    }

    /// Text with formula, value and reference placeholders rendered.
    func renderText(_ text: String) -> [HTMLNode] {
        MathExtractor.segments(text).map { segment in
            switch segment {
            case let .text(t): return .text(t)
            case let .math(i): return .raw(math(i))
            case let .value(i): return value(i)
            case let .reference(i): return reference(i)
            }
        }
    }

    /// An image; local paths are made relative to the page, external ones left as written.
    func image(url: String, title: String, alt: [MarkdownInline]) -> HTMLNode {
        let source = restoreMath(url)
        let src = ContentPath.isExternal(source) ? URLPolicy.permitted(source, isImage: true) : imageSource(source)
        return .single("img", [("src", src), ("alt", plain(alt)),
                               ("title", title.isEmpty ? nil : plainText(title)), ("loading", "lazy")])
    }

    /// The content of a heading for the table of contents: formatting and math kept, links
    /// reduced to their text (a link may not hold a link), references and images left out.
    func tocContent(_ inlines: [MarkdownInline]) -> [HTMLNode] {
        inlines.flatMap { inline -> [HTMLNode] in
            switch inline {
            case let .text(text):
                return MathExtractor.segments(text).map { segment in
                    switch segment {
                    case let .text(t): return .text(t)
                    case let .math(i): return .raw(math(i))
                    case let .value(i): return value(i)
                    case .reference: return .fragment([])
                    }
                }
            case .softBreak, .lineBreak: return [.text(" ")]
            case let .code(code): return [.el("code", [], text: restoreMath(code))]
            case let .html(html): return [.text(restoreMath(html))]
            case let .emphasis(children): return [.el("em", [], tocContent(children))]
            case let .strong(children): return [.el("strong", [], tocContent(children))]
            case let .link(_, _, children, _): return tocContent(children)
            case .image: return []
            }
        }
    }

    /// Text with formulas shown as their TeX (for ids, alt text, titles).
    func plain(_ inlines: [MarkdownInline]) -> String {
        plainText(inlines.plainText)
    }

    /// A string with placeholders shown as their source (formulas without delimiters).
    func plainText(_ text: String) -> String {
        restoreMath(text, delimiters: false, references: false)
    }

    func restoreMath(_ text: String, delimiters: Bool = true, references: Bool = true) -> String {
        MathExtractor.substitute(text, math: { i in
            let source = mathSource(i)
            guard !delimiters else { return source }
            return source.trimmingCharacters(in: ["$", "\\", "(", ")", "[", "]"])
        }, value: valueSource, reference: { references ? referenceSource($0) : "" })
    }

    /// Marks ids as taken (footnotes', labels'), so headings do not take them.
    mutating func reserve(_ ids: [String]) {
        usedIDs.formUnion(ids)
    }

    mutating func uniqueID(_ base: String) -> String {
        var id = base.isEmpty ? "section" : base
        var n = 2
        while usedIDs.contains(id) {
            id = "\(base.isEmpty ? "section" : base)-\(n)"
            n += 1
        }
        usedIDs.insert(id)
        return id
    }

    /// The first free id of `prefix-1`, `prefix-2`, ….
    mutating func numberedID(_ prefix: String) -> String {
        var n = 1
        while usedIDs.contains("\(prefix)-\(n)") { n += 1 }
        usedIDs.insert("\(prefix)-\(n)")
        return "\(prefix)-\(n)"
    }

    /// A URL fragment from heading text: lowercase letters and digits joined by hyphens.
    static func slug(_ text: String) -> String {
        var out = ""
        var pendingHyphen = false
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                if pendingHyphen && !out.isEmpty { out.append("-") }
                out.append(ch)
                pendingHyphen = false
            } else {
                pendingHyphen = true
            }
        }
        return out
    }

    /// Whether raw HTML is nothing but comments (and space between them).
    static func isComment(_ html: String) -> Bool {
        var rest = Substring(html).drop { $0.isWhitespace }
        guard rest.hasPrefix("<!--") else { return false }
        while rest.hasPrefix("<!--") {
            guard let end = rest.range(of: "-->") else { return false }
            rest = rest[end.upperBound...].drop { $0.isWhitespace }
        }
        return rest.isEmpty
    }

    /// `ddpm.md#x` → `ddpm.html#x` for relative links; everything else unchanged.
    static func rewriteLink(_ url: String) -> String {
        guard URLPolicy.scheme(of: url) == nil, !url.hasPrefix("//"), !url.hasPrefix("#") else { return url }
        let parts = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        guard path.hasSuffix(".md") else { return url }
        let rewritten = String(path.dropLast(3)) + ".html"
        return parts.count > 1 ? rewritten + "#" + parts[1] : rewritten
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
