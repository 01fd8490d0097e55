import Foundation

/// The search index, built at build time: every page's title, and each of its sections (the text
/// under a heading) with the heading's anchor.
///
/// It is written as a script (`assets/search-index.js`) that assigns a global, not as JSON:
/// browsers refuse `fetch` of local files, and the site must search from `file://` too. Formulas
/// are in the text as their TeX (so `alpha` finds `\bar\alpha_t`, and snippets have no holes);
/// inline values are in it as the page shows them.
struct SearchIndex {
    static let indexPath = "assets/search-index.js"
    static let scriptPath = "assets/search.js"
    /// The text kept per section: enough for matching and a snippet, small enough for a page load.
    static let maximumSectionText = 4000

    struct Section: Encodable, Equatable {
        /// Heading text ("" for the text before the first heading).
        var h: String
        /// The heading's id ("" for the top of the page).
        var a: String
        /// The section's text.
        var x: String
    }

    struct Entry: Encodable, Equatable {
        /// Page path, relative to the site root.
        var p: String
        /// Page title.
        var t: String
        var s: [Section]
    }

    var entries: [Entry] = []

    /// Adds a page. `headings` are the renderer's (level, id, text), in page order, so anchors are
    /// exactly the page's ids.
    mutating func add(_ page: Page, headings: [(level: Int, id: String, text: String)]) {
        var sections = [Section(h: "", a: "", x: "")]
        var remaining = headings[...]
        let values = page.inlineValues
        func plain(_ inlines: [MarkdownInline]) -> String {
            MathExtractor.substitute(inlines.plainText, math: { page.math[$0].tex }, value: { values[$0].format.string(values[$0].computed) })
        }
        func append(_ text: String) {
            let trimmed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            guard !trimmed.isEmpty, sections[sections.count - 1].x.count < Self.maximumSectionText else { return }
            let current = sections[sections.count - 1].x
            sections[sections.count - 1].x = String((current.isEmpty ? trimmed : current + " " + trimmed).prefix(Self.maximumSectionText))
        }
        func visit(_ blocks: [MarkdownBlock]) {
            for block in blocks {
                switch block {
                case let .heading(level, inlines, _):
                    // The renderer's heading for this one: the next of the same level.
                    let index = remaining.firstIndex { $0.level == level }
                    let heading = index.map { remaining[$0] }
                    if let index { remaining = remaining[(index + 1)...] }
                    if level == 1 && sections.count == 1 && sections[0].x.isEmpty { continue }
                    sections.append(Section(h: heading?.text ?? plain(inlines), a: heading?.id ?? "", x: ""))
                case let .paragraph(inlines):
                    append(plain(inlines))
                case let .blockQuote(children):
                    visit(children)
                case let .list(_, _, _, items):
                    items.forEach(visit)
                case let .codeBlock(info, literal, _, _):
                    if !info.hasPrefix("scheduler") { append(literal) }
                default:
                    continue
                }
            }
        }
        visit(page.blocks)
        entries.append(Entry(p: page.outputPath, t: page.title, s: sections.enumerated().filter { $0.offset == 0 || !$0.element.a.isEmpty || !$0.element.x.isEmpty }.map(\.element)))
    }

    /// The index as a script.
    var script: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(entries)) ?? Data("[]".utf8)
        return Data("window.LITMATH_SEARCH = ".utf8) + json + Data(";\n".utf8)
    }
}
