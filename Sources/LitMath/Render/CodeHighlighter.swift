/// Build-time syntax highlighting of Swift, Python and shell code blocks with Prism.
///
/// Prism runs in the node process that typesets math (see `KaTeX`) and returns its token stream;
/// the spans are built here as `HTMLNode`s, whose text is always escaped, so a `<` or `&` in code
/// can never break a page whatever the highlighter does. Other languages, and code without a
/// language, are shown as plain (escaped) text. Pages need no JavaScript for any of it.
public enum CodeHighlighter {
    /// A language litmath highlights.
    public enum Language: String, Sendable, Hashable, CaseIterable {
        case swift, python, shell

        /// The language of a fence's info string (`swift`, `python`/`py`, `sh`/`bash`/`shell`/`zsh`/`console`), if highlighted.
        public init?(info: String) {
            let word = info.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "{" }).first.map { $0.lowercased() } ?? ""
            switch word {
            case "swift": self = .swift
            case "python", "py", "python3": self = .python
            case "sh", "bash", "shell", "zsh", "console", "shell-session": self = .shell
            default: return nil
            }
        }

        /// Prism's grammar name.
        var prismName: String {
            switch self {
            case .swift: "swift"
            case .python: "python"
            case .shell: "bash"
            }
        }
    }

    /// One block of code to highlight.
    public struct Request: Sendable, Hashable {
        public var language: Language
        public var code: String

        public init(language: Language, code: String) {
            self.language = language
            self.code = code
        }
    }

    /// Builds spans from Prism's token stream as the node side serializes it: a string, an array,
    /// or `{t: type, a: [aliases], c: [children]}`. Anything else becomes nothing.
    static func nodes(fromTokens stream: Any) -> HTMLNode {
        if let text = stream as? String { return .text(text) }
        if let list = stream as? [Any] { return .fragment(list.map(nodes(fromTokens:))) }
        guard let token = stream as? [String: Any], let type = token["t"] as? String else { return .fragment([]) }
        let aliases = (token["a"] as? [String]) ?? []
        let classes = (["token", type] + aliases).filter(isClassName).joined(separator: " ")
        return .el("span", [("class", classes)], [nodes(fromTokens: token["c"] ?? [])])
    }

    /// Prism's token names are words with hyphens; anything else is dropped rather than escaped
    /// into a class attribute.
    static func isClassName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    /// The highlightable code blocks of some Markdown blocks, in document order (directive blocks
    /// excluded: they become figures).
    static func requests(in blocks: [MarkdownBlock], restore: (String) -> String) -> [Request] {
        blocks.codeBlocks.compactMap { block in
            guard !block.info.hasPrefix("scheduler"), let language = Language(info: block.info) else { return nil }
            return Request(language: language, code: restore(block.literal))
        }
    }
}
