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
    /// Highlighted code for a fence's info string and its code, or nil to show it plain.
    var highlight: (String, String) -> HTMLNode? = { _, _ in nil }
    /// Heading ids already used on this page.
    private(set) var usedIDs: Set<String> = []
    /// Headings (level, id, text) in order, for a table of contents.
    private(set) var headings: [(level: Int, id: String, text: String)] = []

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
            headings.append((level, id, text))
            var content = render(inlines)
            content.append(.el("a", [("class", "lm-anchor"), ("href", "#" + id), ("aria-label", "Link to this section")], text: "#"))
            return .el("h\(min(max(level, 1), 6))", [("id", id)], content)
        case let .blockQuote(blocks):
            return .el("blockquote", [], render(blocks))
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
            return .el("pre", [], [.el("code", [("class", language.map { "language-" + $0 })], [content])])
        case let .htmlBlock(html, _):
            return .el("pre", [("class", "lm-raw-html")], [.el("code", [], text: restoreMath(html))])
        case .thematicBreak:
            return .void("hr", [])
        }
    }

    mutating func render(_ inlines: [MarkdownInline]) -> [HTMLNode] {
        inlines.flatMap { inline -> [HTMLNode] in
            switch inline {
            case let .text(text):
                return MathExtractor.segments(text).map { segment in
                    switch segment {
                    case let .text(t): return .text(t)
                    case let .math(i): return .raw(math(i))
                    case let .value(i): return value(i)
                    }
                }
            case .softBreak: return [.text("\n")]
            case .lineBreak: return [.void("br", []), .text("\n")]
            case let .code(code): return [.el("code", [], text: restoreMath(code))]
            case let .html(html): return [.text(restoreMath(html))]
            case let .emphasis(children): return [.el("em", [], render(children))]
            case let .strong(children): return [.el("strong", [], render(children))]
            case let .link(url, title, children):
                return [.el("a", [("href", Self.rewriteLink(restoreMath(url))), ("title", title.isEmpty ? nil : title)], render(children))]
            case let .image(url, title, children):
                return [.single("img", [("src", restoreMath(url)), ("alt", plain(children)), ("title", title.isEmpty ? nil : title), ("loading", "lazy")])]
            }
        }
    }

    /// Text with formulas shown as their TeX (for ids, alt text, titles).
    func plain(_ inlines: [MarkdownInline]) -> String {
        restoreMath(inlines.plainText, delimiters: false)
    }

    func restoreMath(_ text: String, delimiters: Bool = true) -> String {
        MathExtractor.substitute(text, math: { i in
            let source = mathSource(i)
            guard !delimiters else { return source }
            return source.trimmingCharacters(in: ["$", "\\", "(", ")", "[", "]"])
        }, value: valueSource)
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

    /// `ddpm.md#x` → `ddpm.html#x` for relative links; everything else unchanged.
    static func rewriteLink(_ url: String) -> String {
        guard !url.contains("://"), !url.hasPrefix("mailto:"), !url.hasPrefix("#") else { return url }
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
