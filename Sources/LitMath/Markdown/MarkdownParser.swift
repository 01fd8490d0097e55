import CCmark

/// Parses CommonMark with cmark (libcmark) into `MarkdownBlock` values.
public enum MarkdownParser {
    /// Parses `text`; positions are 1-based lines and columns of `text`.
    public static func parse(_ text: String) -> [MarkdownBlock] {
        let options = CMARK_OPT_SMART
        var source = text
        guard let document = source.withUTF8({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { cmark_parse_document($0.baseAddress, $0.count, options) }
        }) else { return [] }
        defer { cmark_node_free(document) }
        return blocks(of: document)
    }

    private static func children(_ node: OpaquePointer) -> [OpaquePointer] {
        var result: [OpaquePointer] = []
        var child = cmark_node_first_child(node)
        while let current = child {
            result.append(current)
            child = cmark_node_next(current)
        }
        return result
    }

    private static func blocks(of node: OpaquePointer) -> [MarkdownBlock] {
        children(node).compactMap(block)
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    private static func block(_ node: OpaquePointer) -> MarkdownBlock? {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_PARAGRAPH:
            return .paragraph(inlines(of: node))
        case CMARK_NODE_HEADING:
            return .heading(level: Int(cmark_node_get_heading_level(node)), inlines(of: node), line: Int(cmark_node_get_start_line(node)))
        case CMARK_NODE_BLOCK_QUOTE:
            return .blockQuote(blocks(of: node))
        case CMARK_NODE_LIST:
            let items = children(node).map { blocks(of: $0) }
            return .list(ordered: cmark_node_get_list_type(node) == CMARK_ORDERED_LIST,
                         start: Int(cmark_node_get_list_start(node)),
                         tight: cmark_node_get_list_tight(node) != 0, items: items)
        case CMARK_NODE_CODE_BLOCK:
            return .codeBlock(info: string(cmark_node_get_fence_info(node)), literal: string(cmark_node_get_literal(node)),
                              line: Int(cmark_node_get_start_line(node)), column: Int(cmark_node_get_start_column(node)))
        case CMARK_NODE_HTML_BLOCK:
            return .htmlBlock(string(cmark_node_get_literal(node)), line: Int(cmark_node_get_start_line(node)))
        case CMARK_NODE_THEMATIC_BREAK:
            return .thematicBreak
        default:
            return nil
        }
    }

    private static func inlines(of node: OpaquePointer) -> [MarkdownInline] {
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
                result.append(.link(url: string(cmark_node_get_url(child)), title: string(cmark_node_get_title(child)), inlines(of: child)))
            case CMARK_NODE_IMAGE:
                result.append(.image(url: string(cmark_node_get_url(child)), title: string(cmark_node_get_title(child)), inlines(of: child)))
            default:
                break
            }
        }
        return result
    }
}
