import Yams

/// The YAML block at the top of an article, between `---` lines.
///
/// Known keys are typed; every other key is kept (as YAML) so real-world front matter, such
/// as a Jekyll post's `layout` or `categories`, never breaks a build.
public struct FrontMatter: Sendable, Equatable {
    /// The page title.
    public var title: String?
    /// A one-sentence summary, used for `<meta name="description">`.
    public var description: String?
    /// Position in the navigation (lower first); pages without one follow, by title.
    public var order: Int?
    /// Drafts are not built.
    public var draft: Bool = false
    /// The publication date, `YYYY-MM-DD` (the day part of what was written: Jekyll's
    /// `2024-01-15 10:00:00 +0800` is 2024-01-15).
    public var date: String?
    /// Tags, in the order written.
    public var tags: [String] = []
    /// Every key as written, including the known ones.
    public var values: [String: Value] = [:]

    /// A front-matter value, kept as written so templates can use keys litmath does not know.
    public indirect enum Value: Sendable, Equatable {
        case scalar(String)
        case list([Value])
        case map([String: Value])

        init(_ node: Yams.Node) {
            switch node {
            case let .sequence(items): self = .list(items.map(Value.init))
            case let .mapping(pairs):
                var map: [String: Value] = [:]
                for (k, v) in pairs { map[k.string ?? ""] = Value(v) }
                self = .map(map)
            default: self = .scalar(node.string ?? "")
            }
        }
    }

    /// Creates empty front matter.
    public init() {}

    /// The `YYYY-MM-DD` day of a date as Jekyll and YAML write them: the day, optionally followed
    /// by a time (`10:00`, `10:00:00`, with fractions) after a space or `T`, optionally followed by
    /// a zone (`Z`, `+0800`, `+08:00`, with or without a space). Nil if it is not such a date or
    /// the day does not exist.
    static func day(of text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: [" "])
        guard trimmed.count >= 10 else { return nil }
        let day = String(trimmed.prefix(10))
        guard isDate(day) else { return nil }
        var rest = Substring(trimmed.dropFirst(10))
        if rest.isEmpty { return day }
        guard rest.first == " " || rest.first == "T" || rest.first == "t" else { return nil }
        rest = rest.dropFirst()
        // Time: HH:MM[:SS[.fraction]]
        let time = rest.prefix { $0.isNumber || $0 == ":" || $0 == "." }
        let fields = time.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count), let hour = Int(fields[0]), let minute = Int(fields[1]),
              (0...23).contains(hour), (0...59).contains(minute),
              fields.count == 2 || (Double(fields[2]).map { $0 >= 0 && $0 < 61 } ?? false) else { return nil }
        rest = rest.dropFirst(time.count).drop(while: { $0 == " " })
        if rest.isEmpty || rest == "Z" || rest == "z" { return day }
        // Zone: +HHMM, +HH:MM, +HH
        guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
        let digits = rest.dropFirst().filter { $0 != ":" }
        guard [2, 4].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return day
    }

    /// Whether `text` is a real calendar date written `YYYY-MM-DD`.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }
}

/// Splits a Markdown file into front matter and body.
///
/// The body keeps the file's line numbering: the front-matter lines are replaced by empty
/// lines, so cmark's positions are the file's positions.
public enum FrontMatterParser {
    /// The parsed front matter, the body to hand to cmark, and any diagnostics.
    public static func split(_ text: String, file: String) -> (FrontMatter, String, [Diagnostic]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, first.trimmingTrailingWhitespace() == "---" else {
            return (FrontMatter(), text, [])
        }
        guard let end = lines.indices.dropFirst().first(where: {
            let line = lines[$0].trimmingTrailingWhitespace()
            return line == "---" || line == "..."
        }) else {
            return (FrontMatter(), text, [.error("front-matter.unterminated", "front matter has no closing '---' line",
                                                  at: SourceLocation(file: file, line: 1, column: 1))])
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        for index in 0...end { lines[index] = "" }
        let body = lines.joined(separator: "\n")
        var diagnostics: [Diagnostic] = []
        var matter = FrontMatter()
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            let (message, line, column) = YAMLErrors.describe(error)
            diagnostics.append(.error("front-matter.yaml", "invalid front matter: \(message)",
                                      at: SourceLocation(file: file, line: line + 1, column: column)))
            return (matter, body, diagnostics)
        }
        guard let root else { return (matter, body, diagnostics) }
        guard let mapping = root.mapping else {
            diagnostics.append(.error("front-matter.not-mapping", "front matter must be a mapping of keys to values",
                                      at: SourceLocation(file: file, line: 2, column: 1)))
            return (matter, body, diagnostics)
        }
        func location(_ node: Yams.Node) -> SourceLocation {
            SourceLocation(file: file, line: (node.mark?.line ?? 1) + 1, column: node.mark?.column ?? 1)
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { continue }
            matter.values[key] = FrontMatter.Value(value)
            switch key {
            case "title":
                if let s = value.scalar?.string { matter.title = s } else {
                    diagnostics.append(.error("front-matter.type", "'title' must be text", at: location(value)))
                }
            case "description":
                matter.description = value.scalar?.string
            case "order":
                if let n = value.int { matter.order = n } else {
                    diagnostics.append(.error("front-matter.type", "'order' must be an integer, not '\(value.scalar?.string ?? "…")'", at: location(value)))
                }
            case "draft":
                if let b = value.bool { matter.draft = b } else {
                    diagnostics.append(.error("front-matter.type", "'draft' must be true or false", at: location(value)))
                }
            case "date":
                if let text = value.scalar?.string, let day = FrontMatter.day(of: text) { matter.date = day } else {
                    diagnostics.append(.error("front-matter.type", "'date' must be a date such as 2024-01-15 or 2024-01-15 10:00:00 +0800, not '\(value.string ?? "a collection")'", at: location(value)))
                }
            case "tags":
                if let items = value.sequence, items.allSatisfy({ $0.scalar != nil }) {
                    matter.tags = items.compactMap { $0.scalar?.string }
                } else if let text = value.scalar?.string {
                    // Jekyll also accepts tags as one space-separated string.
                    matter.tags = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                } else {
                    diagnostics.append(.error("front-matter.type", "'tags' must be a list of words, such as [sampling, ddim]", at: location(value)))
                }
            default:
                break
            }
        }
        return (matter, body, diagnostics)
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// Turns Yams' errors into a message and a 1-based position within the YAML text.
enum YAMLErrors {
    static func describe(_ error: Error) -> (message: String, line: Int, column: Int) {
        if let error = error as? YamlError {
            switch error {
            case let .scanner(context, problem, mark, _),
                 let .parser(context, problem, mark, _),
                 let .composer(context, problem, mark, _):
                let text = context.map { "\(problem) \($0.text)" } ?? problem
                return (text, mark.line, mark.column)
            case let .duplicatedKeysInMapping(duplicates, context):
                return ("duplicate key '\(duplicates.sorted().joined(separator: "', '"))'", context.mark.line, context.mark.column)
            default:
                return (String(describing: error), 1, 1)
            }
        }
        return (String(describing: error), 1, 1)
    }
}
