/// How a pipe-table column is aligned (from the colons of its delimiter row).
public enum TableAlignment: String, Sendable, Equatable {
    case none, left, center, right
}

/// A GitHub pipe table as written: cells as Markdown text, before inline parsing.
struct RawTable: Sendable, Equatable {
    var alignments: [TableAlignment]
    var header: [String]
    var rows: [[String]]
    /// The text after `Table:` on a caption line, without its `{#label}`.
    var caption: String?
    /// The label from `{#tab:name}` at the end of the caption line.
    var label: String?
    /// File line of the header row, and of each body row.
    var line: Int
    var rowLines: [Int]
    /// Where the caption line is, when there is one.
    var captionLocation: SourceLocation?
}

/// Finds GitHub-flavoured pipe tables in (math-protected) Markdown, which cmark does not know,
/// and puts a placeholder fenced block in their place for cmark to carry to the renderer.
///
/// ```markdown
/// | schedule | $\beta_1$ | $\beta_T$ |
/// |:---------|----------:|----------:|
/// | linear   | 0.0001    | 0.02      |
///
/// Table: The endpoints of the linear schedule. {#tab:endpoints}
/// ```
///
/// As in GFM: the header row and the delimiter row (`---`, with `:` for alignment) must have the
/// same number of cells; body rows follow until a blank line or the start of another block;
/// missing cells are empty and extra ones dropped; `\|` is a pipe inside a cell. Because math is
/// already protected, `$|x|$` in a cell is one formula, not three cells. A `Table:` line right
/// after the table (or after one blank line) is its caption, with an optional `{#label}`.
/// Tables may sit in block quotes (every line with the same `>` markers) and list items
/// (indented like the item's text); the placeholder keeps the header row's prefix.
enum PipeTableExtractor {
    /// The placeholder fence's info string starts with this (never typed by authors).
    static let marker: Character = "\u{E005}"

    static func extract(_ text: String, file: String, firstIndex: Int = 0, lineOffset: Int = 0) -> (text: String, tables: [RawTable]) {
        var lines = BlockLines.split(text)
        var tables: [RawTable] = []
        var index = 0
        while index < lines.count {
            if let (c, run) = BlockLines.fence(lines[index]) {
                index += 1
                while index < lines.count {
                    defer { index += 1 }
                    if BlockLines.closes(lines[index], c, run) { break }
                }
                continue
            }
            guard index + 1 < lines.count else { break }
            let (quote, indentation, header) = split(lines[index])
            let (delimiterQuote, _, delimiter) = split(lines[index + 1])
            guard quote == delimiterQuote, !BlockLines.isBlank(header), header.contains("|") || delimiter.contains("|"),
                  !BlockLines.startsBlock(header), let alignments = alignments(delimiter) else {
                index += 1
                continue
            }
            let headerCells = cells(header)
            guard headerCells.count == alignments.count else {
                index += 1
                continue
            }
            var table = RawTable(alignments: alignments, header: headerCells, rows: [], caption: nil, label: nil,
                                 line: index + 1 + lineOffset, rowLines: [])
            var last = index + 1
            var next = index + 2
            while next < lines.count {
                let (q, _, row) = split(lines[next])
                guard q == quote, !BlockLines.isBlank(row), !BlockLines.startsBlock(row), caption(row) == nil else { break }
                var rowCells = cells(row)
                if rowCells.count > alignments.count { rowCells.removeLast(rowCells.count - alignments.count) }
                while rowCells.count < alignments.count { rowCells.append("") }
                table.rows.append(rowCells)
                table.rowLines.append(next + 1 + lineOffset)
                last = next
                next += 1
            }
            // The caption: the next line, or the one after a blank line.
            for candidate in [next, next + 1] where candidate < lines.count {
                let (q, _, row) = split(lines[candidate])
                if candidate == next + 1, !BlockLines.isBlank(split(lines[next]).rest) { break }
                guard q == quote, let (text, label) = caption(row) else { continue }
                table.caption = text
                table.label = label
                let column = lines[candidate].unicodeScalars.count - row.unicodeScalars.count + 1
                table.captionLocation = SourceLocation(file: file, line: candidate + 1 + lineOffset, column: column)
                last = candidate
                break
            }
            let prefix = quote + indentation
            lines[index] = prefix + "```" + String(marker) + String(firstIndex + tables.count)
            for k in (index + 1)..<last { lines[k] = quote.trimmingTrailingWhitespace() }
            lines[last] = prefix + "```"
            tables.append(table)
            index = last + 1
        }
        return (lines.joined(separator: "\n"), tables)
    }

    /// A line's block-quote markers (`> > `), its indentation after them, and the rest.
    static func split(_ line: String) -> (quote: String, indentation: String, rest: String) {
        let scalars = Array(line.unicodeScalars)
        var i = 0
        // Block-quote markers, each after up to three spaces and with an optional space after it.
        while true {
            var j = i
            while j < scalars.count, j - i < 3, scalars[j] == " " { j += 1 }
            guard j < scalars.count, scalars[j] == ">" else { break }
            i = j + 1
            if i < scalars.count, scalars[i] == " " { i += 1 }
        }
        var k = i
        while k < scalars.count, scalars[k] == " " || scalars[k] == "\t" { k += 1 }
        func string(_ r: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[r])) }
        return (string(0..<i), string(i..<k), string(k..<scalars.count))
    }

    /// The alignments of a delimiter row (`| :--- | :-: | --: |`), or nil when it is not one.
    static func alignments(_ row: String) -> [TableAlignment]? {
        let parts = cells(row)
        guard !parts.isEmpty else { return nil }
        var result: [TableAlignment] = []
        for part in parts {
            let cell = part.trimmingCharacters(in: [" ", "\t"])
            let left = cell.hasPrefix(":"), right = cell.hasSuffix(":") && cell.count > 1
            let dashes = cell.dropFirst(left ? 1 : 0).dropLast(right ? 1 : 0)
            guard !dashes.isEmpty, dashes.allSatisfy({ $0 == "-" }) else { return nil }
            result.append(left && right ? .center : left ? .left : right ? .right : .none)
        }
        return result
    }

    /// A row's cells, trimmed: split at pipes that are not escaped, outer pipes dropped, `\|` kept
    /// (it becomes a pipe when the cell is parsed).
    static func cells(_ row: String) -> [String] {
        var text = Substring(row.trimmingCharacters(in: [" ", "\t", "\r"]))
        if text.hasPrefix("|") { text = text.dropFirst() }
        if text.hasSuffix("|"), !text.hasSuffix("\\|") { text = text.dropLast() }
        var result: [String] = []
        var current = ""
        var escaped = false
        for c in text {
            if c == "|", !escaped {
                result.append(current)
                current = ""
                continue
            }
            escaped = c == "\\" && !escaped
            current.append(c)
        }
        result.append(current)
        return result.map { $0.trimmingCharacters(in: [" ", "\t"]) }
    }

    /// `Table: caption {#label}`: the caption text and the label.
    static func caption(_ line: String) -> (text: String, label: String?)? {
        let trimmed = line.trimmingCharacters(in: [" ", "\t", "\r"])
        guard trimmed.hasPrefix("Table:") else { return nil }
        var text = String(trimmed.dropFirst("Table:".count)).trimmingCharacters(in: [" ", "\t"])
        let (rest, label) = MarkdownAttributes.trailingLabel(text)
        text = rest
        return (text, label)
    }
}

/// `{#label}` written after an image or a table caption, pandoc-style.
enum MarkdownAttributes {
    /// Splits `text {#label}` into the text and the label (nil when there is none).
    static func trailingLabel(_ text: String) -> (text: String, label: String?) {
        guard text.hasSuffix("}"), let open = text.range(of: "{#", options: .backwards) else { return (text, nil) }
        let label = String(text[open.upperBound..<text.index(before: text.endIndex)])
        guard !label.isEmpty, !label.contains(where: { $0 == " " || $0 == "\t" || $0 == "{" || $0 == "}" || $0 == "#" }) else { return (text, nil) }
        return (String(text[..<open.lowerBound]).trimmingCharacters(in: [" ", "\t"]), label)
    }
}
