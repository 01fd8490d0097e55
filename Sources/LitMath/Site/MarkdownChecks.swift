import CCmark

/// Checks on an article's Markdown that cmark itself accepts but that are mistakes, made with
/// cmark's own parse before the rest of the pipeline sees the article:
///
/// - **Nesting** deeper than any real article has. cmark parses arbitrarily deep input
///   iteratively, but the Markdown tree, the renderer and Swift's release of an `indirect enum`
///   recurse once per level: 10,000 `>` on a line would overflow the stack and crash the build.
///   cmark's iterator measures the depth without recursing.
/// - **Code fences that are never closed.** CommonMark lets a fence run to the end of the
///   document (or of its block quote or list item), which silently turns the rest of an article
///   into code; an author always meant to close it.
enum MarkdownChecks {
    /// Block quotes, lists, list items and emphasis inside one another, counted together.
    static let maximumDepth = 64

    /// The problems found, in document order: at most one nesting error (the first place too deep).
    static func check(_ text: String, file: String) -> [Diagnostic] {
        var source = text
        guard let document = source.withUTF8({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { cmark_parse_document($0.baseAddress, $0.count, CMARK_OPT_DEFAULT) }
        }) else { return [] }
        defer { cmark_node_free(document) }
        guard let iterator = cmark_iter_new(document) else { return [] }
        defer { cmark_iter_free(iterator) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var diagnostics: [Diagnostic] = []
        var depth = 0
        var located: (line: Int, column: Int) = (1, 1)
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            let line = Int(cmark_node_get_start_line(node))
            if line > 0 { located = (line, max(Int(cmark_node_get_start_column(node)), 1)) }
            guard event == CMARK_EVENT_ENTER else {
                if event == CMARK_EVENT_EXIT { depth -= 1 }
                continue
            }
            let type = cmark_node_get_type(node)
            if type == CMARK_NODE_CODE_BLOCK, let unclosed = unclosedFence(node, lines: lines) {
                diagnostics.append(.error("markdown.unclosed-fence", "code fence '\(unclosed)' is never closed, so everything after it became code",
                                          at: SourceLocation(file: file, line: located.line, column: located.column),
                                          notes: ["close it with a line of \(unclosed)"]))
            }
            // Leaves (text, code) have no exit event; only containers deepen the tree.
            let isLeaf = type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK
                || type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_THEMATIC_BREAK
                || type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK
            if isLeaf { continue }
            depth += 1
            if depth > maximumDepth {
                diagnostics.append(.error("markdown.nesting", "Markdown is nested more than \(maximumDepth) levels deep (block quotes, lists or emphasis inside one another)",
                                          at: SourceLocation(file: file, line: located.line, column: located.column),
                                          notes: ["flatten the structure; no article needs this depth"]))
                return diagnostics
            }
        }
        return diagnostics
    }

    /// The opening fence (e.g. "```") of a fenced code block that has no closing fence, or nil.
    private static func unclosedFence(_ node: OpaquePointer, lines: [Substring]) -> String? {
        let start = Int(cmark_node_get_start_line(node)), end = Int(cmark_node_get_end_line(node))
        guard start >= 1, start <= lines.count, end >= 1, end <= lines.count else { return nil }
        guard let opener = fence(in: lines[start - 1], from: Int(cmark_node_get_start_column(node))) else { return nil }
        // A closed block ends on its closing fence; an unclosed one on its last line of code.
        if end > start, let closer = fence(in: lines[end - 1], from: 1), closer.character == opener.character,
           closer.length >= opener.length, closer.rest.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            return nil
        }
        return String(repeating: opener.character, count: opener.length)
    }

    /// A run of three or more backticks or tildes starting the line at or after `column` (1-based,
    /// in bytes, as cmark counts), after container markers (`>`, list bullets) and spaces.
    private static func fence(in line: Substring, from column: Int) -> (character: Character, length: Int, rest: Substring)? {
        var text = Substring(String(decoding: line.utf8.dropFirst(max(column - 1, 0)), as: UTF8.self))
        while let first = text.first, first == " " || first == "\t" || first == ">" { text = text.dropFirst() }
        guard let character = text.first, character == "`" || character == "~" else { return nil }
        let run = text.prefix { $0 == character }
        guard run.count >= 3 else { return nil }
        return (character, run.count, text.dropFirst(run.count))
    }
}
