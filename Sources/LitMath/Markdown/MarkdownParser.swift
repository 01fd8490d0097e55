import CCmark

/// Parses CommonMark with cmark (libcmark) into `MarkdownBlock` values, and recognises what
/// litmath adds on top of it: callouts (`> [!NOTE]`), figures (an image alone in a paragraph
/// with a caption or a `{#label}`), and the pipe tables `PipeTableExtractor` left placeholders for.
public enum MarkdownParser {
    /// Parses `text`; positions are 1-based lines of `text`.
    public static func parse(_ text: String) -> [MarkdownBlock] {
        var context = Context(file: "", lines: BlockLines.split(text), lineOffset: 0, tables: [:])
        return context.parse(text)
    }

    /// Parses `text` whose line 1 is line `lineOffset + 1` of `file`; `tables` are the pipe
    /// tables taken out of it, by placeholder index.
    static func parse(_ text: String, file: String, lineOffset: Int = 0, tables: [Int: RawTable] = [:]) -> ([MarkdownBlock], [Diagnostic]) {
        var context = Context(file: file, lines: BlockLines.split(text), lineOffset: lineOffset, tables: tables)
        let blocks = context.parse(text)
        return (blocks, context.diagnostics)
    }

    /// One parse: where the text is in its file, and what was found wrong.
    struct Context {
        var file: String
        /// The lines of the parsed text (to locate what cmark gives only a line for).
        var lines: [String]
        var lineOffset: Int
        var tables: [Int: RawTable]
        var diagnostics: [Diagnostic] = []

        mutating func parse(_ text: String) -> [MarkdownBlock] {
            let options = CMARK_OPT_SMART
            var source = text
            guard let document = source.withUTF8({ buffer in
                buffer.withMemoryRebound(to: CChar.self) { cmark_parse_document($0.baseAddress, $0.count, options) }
            }) else { return [] }
            defer { cmark_node_free(document) }
            return blocks(of: document)
        }

        private func children(_ node: OpaquePointer) -> [OpaquePointer] {
            var result: [OpaquePointer] = []
            var child = cmark_node_first_child(node)
            while let current = child {
                result.append(current)
                child = cmark_node_next(current)
            }
            return result
        }

        private mutating func blocks(of node: OpaquePointer) -> [MarkdownBlock] {
            children(node).compactMap { block($0) }
        }

        private func string(_ pointer: UnsafePointer<CChar>?) -> String {
            pointer.map { String(cString: $0) } ?? ""
        }

        private func line(_ node: OpaquePointer) -> Int {
            Int(cmark_node_get_start_line(node)) + lineOffset
        }

        private mutating func block(_ node: OpaquePointer) -> MarkdownBlock? {
            switch cmark_node_get_type(node) {
            case CMARK_NODE_PARAGRAPH:
                let content = inlines(of: node)
                return figure(content) ?? .paragraph(content)
            case CMARK_NODE_HEADING:
                return .heading(level: Int(cmark_node_get_heading_level(node)), inlines(of: node), line: line(node))
            case CMARK_NODE_BLOCK_QUOTE:
                let content = blocks(of: node)
                return callout(content, line: line(node)) ?? .blockQuote(content)
            case CMARK_NODE_LIST:
                let items = children(node).map { blocks(of: $0) }
                return .list(ordered: cmark_node_get_list_type(node) == CMARK_ORDERED_LIST,
                             start: Int(cmark_node_get_list_start(node)),
                             tight: cmark_node_get_list_tight(node) != 0, items: items)
            case CMARK_NODE_CODE_BLOCK:
                let info = string(cmark_node_get_fence_info(node))
                if info.first == PipeTableExtractor.marker, let index = Int(info.dropFirst()), let raw = tables[index] {
                    return .table(table(raw))
                }
                return .codeBlock(info: info, literal: string(cmark_node_get_literal(node)),
                                  line: line(node), column: Int(cmark_node_get_start_column(node)))
            case CMARK_NODE_HTML_BLOCK:
                return .htmlBlock(string(cmark_node_get_literal(node)), line: line(node))
            case CMARK_NODE_THEMATIC_BREAK:
                return .thematicBreak
            default:
                return nil
            }
        }

        private func inlines(of node: OpaquePointer) -> [MarkdownInline] {
            var result: [MarkdownInline] = []
            for child in children(node) {
                switch cmark_node_get_type(child) {
                case CMARK_NODE_TEXT:
                    // cmark splits text at some punctuation; merge neighbours for simpler rendering.
                    let text = string(cmark_node_get_literal(child))
                    if case let .text(previous)? = result.last {
                        result[result.count - 1] = .text(previous + text)
                    } else {
                        result.append(.text(text))
                    }
                case CMARK_NODE_SOFTBREAK: result.append(.softBreak)
                case CMARK_NODE_LINEBREAK: result.append(.lineBreak)
                case CMARK_NODE_CODE: result.append(.code(string(cmark_node_get_literal(child))))
                case CMARK_NODE_HTML_INLINE: result.append(.html(string(cmark_node_get_literal(child))))
                case CMARK_NODE_EMPH: result.append(.emphasis(inlines(of: child)))
                case CMARK_NODE_STRONG: result.append(.strong(inlines(of: child)))
                case CMARK_NODE_LINK:
                    result.append(.link(url: string(cmark_node_get_url(child)), title: string(cmark_node_get_title(child)),
                                        inlines(of: child), line: line(child)))
                case CMARK_NODE_IMAGE:
                    result.append(.image(url: string(cmark_node_get_url(child)), title: string(cmark_node_get_title(child)),
                                         inlines(of: child), line: line(child)))
                default:
                    break
                }
            }
            return result
        }

        /// An image alone in its paragraph, with a title or followed by `{#label}`, is a figure.
        private func figure(_ content: [MarkdownInline]) -> MarkdownBlock? {
            guard case let .image(url, title, alt, line)? = content.first else { return nil }
            var label: String?
            switch content.count {
            case 1:
                break
            case 2:
                guard case let .text(attributes) = content[1] else { return nil }
                let trimmed = attributes.trimmingCharacters(in: [" ", "\t"])
                let (rest, found) = MarkdownAttributes.trailingLabel(trimmed)
                guard found != nil, rest.isEmpty else { return nil }
                label = found
            default:
                return nil
            }
            guard !title.isEmpty || label != nil else { return nil }
            return .figure(MarkdownFigure(url: url, caption: title, alt: alt, label: label, number: nil, line: line))
        }

        /// A block quote whose first line is `[!KIND]` (and an optional title) is a callout.
        private mutating func callout(_ content: [MarkdownBlock], line: Int) -> MarkdownBlock? {
            guard case let .paragraph(inlines)? = content.first, case let .text(first)? = inlines.first,
                  first.hasPrefix("[!"), let close = first.firstIndex(of: "]") else { return nil }
            let name = first[first.index(first.startIndex, offsetBy: 2)..<close]
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
            guard let kind = CalloutKind(rawValue: name.lowercased()) else {
                let names = CalloutKind.allCases.map { $0.rawValue.uppercased() }
                // A typo, or a shortening such as [!WARN].
                let guess = Spelling.closest(to: name.uppercased(), in: names) ?? names.first { $0.hasPrefix(name.uppercased()) }
                diagnostics.append(.error("callout.kind", "unknown callout '[!\(name)]'; use one of \(names.map { "[!\($0)]" }.joined(separator: ", "))",
                                          at: location(of: "[!", onLine: line), notes: guess.map { ["did you mean '[!\($0)]'?"] } ?? []))
                return nil
            }
            // The title is the rest of the first line; the body starts after its line break.
            var rest = Array(inlines.dropFirst())
            let after = String(first[first.index(after: close)...])
            if !after.isEmpty { rest.insert(.text(after), at: 0) }
            let lineEnd = rest.firstIndex { $0 == .softBreak || $0 == .lineBreak } ?? rest.count
            var title = Array(rest[..<lineEnd])
            if case let .text(t)? = title.first {
                let trimmed = String(t.drop { $0 == " " || $0 == "\t" })
                if trimmed.isEmpty { title.removeFirst() } else { title[0] = .text(trimmed) }
            }
            let body = Array(rest[min(lineEnd + 1, rest.count)...])
            var blocks = Array(content.dropFirst())
            if !body.isEmpty { blocks.insert(.paragraph(body), at: 0) }
            return .callout(kind, title: title, blocks)
        }

        private func table(_ raw: RawTable) -> MarkdownTable {
            MarkdownTable(alignments: raw.alignments,
                          header: raw.header.map { cell($0, line: raw.line) },
                          rows: zip(raw.rows, raw.rowLines).map { row, line in row.map { cell($0, line: line) } },
                          caption: raw.caption.map { cell($0, line: raw.captionLocation?.line ?? raw.line) },
                          label: raw.label, number: nil, line: raw.line, captionLocation: raw.captionLocation)
        }

        /// A table cell's text parsed as inlines only: after a private character and a space, a
        /// leading `#`, `-` or `1.` cannot start a block, and `_` can still open emphasis.
        private func cell(_ text: String, line: Int) -> [MarkdownInline] {
            let guardText = "\u{E006} "
            var context = Context(file: file, lines: [], lineOffset: line - 1, tables: [:])
            let blocks = context.parse(guardText + text.replacingOccurrences(of: "\\|", with: "|"))
            guard case var .paragraph(inlines)? = blocks.first else { return [] }
            if case let .text(first)? = inlines.first, first.hasPrefix("\u{E006}") {
                let rest = String(first.dropFirst().drop { $0 == " " })
                if rest.isEmpty { inlines.removeFirst() } else { inlines[0] = .text(rest) }
            }
            return inlines
        }

        /// The position of `needle` on a line of the parsed text (its first column when absent).
        func location(of needle: String, onLine line: Int) -> SourceLocation {
            let index = line - lineOffset - 1
            var column = 1
            if lines.indices.contains(index), let range = lines[index].range(of: needle) {
                column = lines[index][..<range.lowerBound].unicodeScalars.count + 1
            }
            return SourceLocation(file: file, line: line, column: column)
        }
    }
}
