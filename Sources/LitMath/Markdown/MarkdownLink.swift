/// A link or image in an article, with where it is written (for diagnostics about its target).
public struct MarkdownLink: Sendable, Equatable {
    /// The destination as cmark read it.
    public var url: String
    /// Where the destination is written.
    public var location: SourceLocation
    /// An image (`![alt](url)`) rather than a link.
    public var isImage: Bool
}

extension MarkdownLink {
    /// Every link and image in `blocks` (footnotes, table cells and captions included), in
    /// order, located in `source`: cmark knows the line each starts on, and the column is found
    /// by searching that line (and, for links broken over lines, the next ones) for the destination.
    static func collect(_ blocks: [MarkdownBlock], file: String, sourceLines: [String]) -> [MarkdownLink] {
        var found: [(url: String, line: Int, isImage: Bool)] = []
        func visit(_ inlines: [MarkdownInline]) {
            for inline in inlines {
                switch inline {
                case let .link(url, _, children, line):
                    found.append((url, line, false))
                    visit(children)
                case let .image(url, _, children, line):
                    found.append((url, line, true))
                    visit(children)
                case let .emphasis(children), let .strong(children):
                    visit(children)
                default:
                    break
                }
            }
        }
        func visit(_ blocks: [MarkdownBlock]) {
            for block in blocks {
                switch block {
                case let .paragraph(inlines), let .heading(_, inlines, _):
                    visit(inlines)
                case let .blockQuote(children):
                    visit(children)
                case let .callout(_, title, children):
                    visit(title)
                    visit(children)
                case let .list(_, _, _, items):
                    items.forEach(visit)
                case let .figure(figure):
                    found.append((figure.url, figure.line, true))
                    visit(figure.alt)
                case let .table(table):
                    table.header.forEach(visit)
                    table.rows.forEach { $0.forEach(visit) }
                    if let caption = table.caption { visit(caption) }
                case .codeBlock, .htmlBlock, .thematicBreak:
                    break
                }
            }
        }
        visit(blocks)

        // The n-th link to the same destination on a line is its n-th occurrence there.
        var seen: [String: Int] = [:]
        return found.map { url, line, isImage in
            let key = "\(line)\u{0}\(url)"
            let occurrence = seen[key, default: 0]
            seen[key] = occurrence + 1
            return MarkdownLink(url: url, location: locate(url, from: line, occurrence: occurrence, file: file, lines: sourceLines), isImage: isImage)
        }
    }

    static func locate(_ url: String, from line: Int, occurrence: Int, file: String, lines: [String]) -> SourceLocation {
        guard !url.isEmpty else { return SourceLocation(file: file, line: line, column: 1) }
        var skip = occurrence
        for index in max(0, line - 1)..<min(lines.count, line + 20) {
            var searchRange = lines[index].startIndex..<lines[index].endIndex
            while let range = lines[index].range(of: url, range: searchRange) {
                if skip == 0 {
                    return SourceLocation(file: file, line: index + 1, column: lines[index][..<range.lowerBound].unicodeScalars.count + 1)
                }
                skip -= 1
                searchRange = range.upperBound..<lines[index].endIndex
            }
        }
        return SourceLocation(file: file, line: line, column: 1)
    }
}
