import CCmark

/// Refuses Markdown nested deeper than any real article is, before the rest of the pipeline walks
/// it recursively.
///
/// cmark itself parses arbitrarily deep input iteratively, but the Markdown tree, the renderer
/// and Swift's release of an `indirect enum` all recurse once per level: 10,000 `>` on a line
/// would overflow the stack and crash the build. cmark's own iterator measures the depth without
/// recursing.
enum NestingLimit {
    /// Block quotes, list items and emphasis inside one another, counted together.
    static let maximumDepth = 64

    /// An error at the first node nested deeper than `maximumDepth`, or nil.
    static func check(_ text: String, file: String) -> Diagnostic? {
        var source = text
        guard let document = source.withUTF8({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { cmark_parse_document($0.baseAddress, $0.count, CMARK_OPT_DEFAULT) }
        }) else { return nil }
        defer { cmark_node_free(document) }
        guard let iterator = cmark_iter_new(document) else { return nil }
        defer { cmark_iter_free(iterator) }
        var depth = 0
        var located: (line: Int, column: Int) = (1, 1)
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            let line = Int(cmark_node_get_start_line(node))
            if line > 0 { located = (line, max(Int(cmark_node_get_start_column(node)), 1)) }
            if event == CMARK_EVENT_ENTER {
                // Leaves (text, code) have no exit event; only containers deepen the tree.
                let type = cmark_node_get_type(node)
                let isLeaf = type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK
                    || type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_THEMATIC_BREAK
                    || type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK
                if isLeaf { continue }
                depth += 1
                if depth > maximumDepth {
                    return .error("markdown.nesting", "Markdown is nested more than \(maximumDepth) levels deep (block quotes, lists or emphasis inside one another)",
                                  at: SourceLocation(file: file, line: located.line, column: located.column),
                                  notes: ["flatten the structure; no article needs this depth"])
                }
            } else if event == CMARK_EVENT_EXIT {
                depth -= 1
            }
        }
        return nil
    }
}
