/// A footnote definition, `[^label]: text`, taken out of an article before cmark parses it.
struct FootnoteDefinition: Sendable {
    /// The label between `[^` and `]`.
    var label: String
    /// Where the definition starts (its `[`).
    var location: SourceLocation
    /// The definition's Markdown, its continuation lines dedented: line `k` (from 0) of the
    /// body is line `firstLine + k` of the file.
    var body: String
    /// The file line of the body's first line.
    var firstLine: Int
}

/// Takes footnote definitions out of (math-protected) Markdown, GitHub's way:
///
/// ```markdown
/// [^ho]: Ho, Jain and Abbeel, *Denoising Diffusion Probabilistic Models*, 2020.
///     An indented line continues the note, and so do later paragraphs indented
///     by four spaces.
/// ```
///
/// A definition starts at the beginning of a line (up to three spaces of indentation) outside
/// fenced code. It continues over lines indented by four or more columns (blank lines between
/// them included) and over unindented lines directly after it that do not start a block (lazy
/// continuation). Its lines are replaced by empty lines, so cmark never sees them (it would read
/// `[^x]: url` as a link reference definition) and the file's line numbers are kept.
enum FootnoteExtractor {
    static func extract(_ text: String, file: String) -> (text: String, definitions: [FootnoteDefinition]) {
        var lines = BlockLines.split(text)
        var definitions: [FootnoteDefinition] = []
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
            guard let (label, column, rest) = start(lines[index]) else {
                index += 1
                continue
            }
            var body = [rest]
            var last = index
            var next = index + 1
            var fenceInBody: (Character, Int)?
            while next < lines.count {
                let line = lines[next]
                if let (c, run) = fenceInBody {
                    // Inside a fenced block of the note: everything up to its closing fence belongs to it.
                    guard BlockLines.isBlank(line) || BlockLines.indentation(line) >= 4 else { break }
                    if BlockLines.closes(BlockLines.dedent(line, by: 4), c, run) { fenceInBody = nil }
                } else if BlockLines.isBlank(line) {
                    next += 1
                    continue
                } else if BlockLines.indentation(line) >= 4 {
                    fenceInBody = BlockLines.fence(BlockLines.dedent(line, by: 4))
                } else if next == last + 1, fenceInBody == nil, !BlockLines.startsBlock(line), start(line) == nil {
                    // Lazy continuation of the note's paragraph.
                } else {
                    break
                }
                // Take the blank lines before this one too.
                for k in (last + 1)...next { body.append(BlockLines.isBlank(lines[k]) ? "" : BlockLines.dedent(lines[k], by: 4)) }
                last = next
                next += 1
            }
            definitions.append(FootnoteDefinition(label: label, location: SourceLocation(file: file, line: index + 1, column: column),
                                                  body: body.joined(separator: "\n"), firstLine: index + 1))
            for k in index...last { lines[k] = "" }
            index = last + 1
        }
        return (lines.joined(separator: "\n"), definitions)
    }

    /// `[^label]:` at the start of a line: the label, the column of `[`, and the text after the colon.
    static func start(_ line: String) -> (label: String, column: Int, rest: String)? {
        let scalars = Array(line.unicodeScalars)
        var i = 0
        while i < scalars.count, i < 4, scalars[i] == " " { i += 1 }
        guard i <= 3, i + 1 < scalars.count, scalars[i] == "[", scalars[i + 1] == "^" else { return nil }
        var e = i + 2
        while e < scalars.count, ReferenceSpan.isFootnoteLabelScalar(scalars[e]) { e += 1 }
        guard e > i + 2, e + 1 < scalars.count, scalars[e] == "]", scalars[e + 1] == ":" else { return nil }
        var r = e + 2
        while r < scalars.count, scalars[r] == " " || scalars[r] == "\t" { r += 1 }
        let label = String(String.UnicodeScalarView(scalars[(i + 2)..<e]))
        return (label, i + 1, String(String.UnicodeScalarView(scalars[r...])))
    }
}
