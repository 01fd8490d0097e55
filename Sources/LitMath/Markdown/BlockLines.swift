/// Line-level facts about Markdown source that the pre-passes (footnotes, pipe tables) need
/// before cmark parses: where fenced code starts and ends, what is blank, what starts a block.
enum BlockLines {
    /// Splits text into lines (without their `\n`); n newlines give n + 1 lines.
    static func split(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Whether the line holds nothing but spaces, tabs (or a carriage return).
    static func isBlank(_ line: String) -> Bool {
        line.unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }

    /// Columns of leading indentation (a tab counts as 4).
    static func indentation(_ line: String) -> Int {
        var width = 0
        for s in line.unicodeScalars {
            if s == " " { width += 1 } else if s == "\t" { width += 4 - width % 4 } else { break }
        }
        return width
    }

    /// Removes up to `columns` columns of leading indentation.
    static func dedent(_ line: String, by columns: Int) -> String {
        var width = 0
        var scalars = Substring(line).unicodeScalars[...]
        while let s = scalars.first, width < columns {
            if s == " " { width += 1 } else if s == "\t" { width += 4 - width % 4 } else { break }
            scalars = scalars.dropFirst()
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// The fence character and length when the line opens a fenced code block.
    static func fence(_ line: String) -> (Character, Int)? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard let c = trimmed.first, c == "`" || c == "~" else { return nil }
        let run = trimmed.prefix { $0 == c }.count
        guard run >= 3 else { return nil }
        // A backtick fence's info string may not contain backticks.
        if c == "`", trimmed.dropFirst(run).contains("`") { return nil }
        return (c, run)
    }

    /// Whether the line closes a fence opened with `run` times `c`.
    static func closes(_ line: String, _ c: Character, _ run: Int) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        let n = trimmed.prefix { $0 == c }.count
        return n >= run && trimmed.dropFirst(n).allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }

    /// Whether a line (after its container prefix) begins a block that ends a paragraph:
    /// an ATX heading, a block quote, a fence, a list item or a thematic break.
    static func startsBlock(_ line: String) -> Bool {
        let trimmed = Substring(line).drop { $0 == " " }
        guard let first = trimmed.first else { return false }
        if first == ">" || fence(line) != nil { return true }
        if first == "#" {
            let hashes = trimmed.prefix { $0 == "#" }.count
            let after = trimmed.dropFirst(hashes).first
            return hashes <= 6 && (after == nil || after == " " || after == "\t")
        }
        if "-*+".contains(first) {
            let after = trimmed.dropFirst().first
            if after == nil || after == " " || after == "\t" { return true }
            let marks = trimmed.filter { $0 != " " && $0 != "\t" }
            if marks.count >= 3, marks.allSatisfy({ $0 == first }) { return true }
        }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 9 {
            let rest = trimmed.dropFirst(digits.count)
            if let d = rest.first, d == "." || d == ")" {
                let after = rest.dropFirst().first
                return after == nil || after == " " || after == "\t"
            }
        }
        return false
    }
}
