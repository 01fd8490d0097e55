/// `\label{…}` in display math: taken out of the TeX (KaTeX does not know it) and replaced by
/// `\tag{n}`, numbering labelled display formulas 1, 2, … in page order.
///
/// Only labelled formulas get a number (one that nothing can refer to needs none). A formula
/// with its own `\tag{…}` keeps it, and a reference to it shows that tag.
enum EquationLabels {
    /// Labels and numbers `spans` in place; returns one target per labelled formula.
    static func number(_ spans: inout [MathSpan]) -> (targets: [NumberedTarget], diagnostics: [Diagnostic]) {
        var targets: [NumberedTarget] = []
        var diagnostics: [Diagnostic] = []
        var counter = 0
        for index in spans.indices {
            let span = spans[index]
            let found = commands(in: span.tex)
            let labels = found.filter { $0.name == "label" }
            guard let label = labels.first else { continue }
            for extra in labels.dropFirst() {
                diagnostics.append(.error("label.multiple", "a formula can have only one '\\label'",
                                          at: advance(span.location, over: span.tex.unicodeScalars.prefix(extra.start))))
            }
            let location = advance(span.location, over: span.tex.unicodeScalars.prefix(label.start))
            // KaTeX does not know \label: it goes, whether or not the formula can be numbered.
            var scalars = Array(span.tex.unicodeScalars)
            for command in labels.reversed() { scalars.removeSubrange(command.start..<command.end) }
            var tex = String(String.UnicodeScalarView(scalars)).trimmingTrailingWhitespace()
            spans[index].tex = tex
            guard span.display else {
                diagnostics.append(.error("label.inline", "'\\label' needs display math: write the formula as '$$…$$'", at: location))
                continue
            }
            guard !label.argument.isEmpty else {
                diagnostics.append(.error("label.empty", "'\\label{}' needs a name, such as '\\label{eq:forward}'", at: location))
                continue
            }
            let text: String
            if let tag = found.first(where: { $0.name == "tag" || $0.name == "tag*" }) {
                text = tag.argument
            } else {
                counter += 1
                text = String(counter)
                tex += (tex.contains("%") ? "\n" : " ") + "\\tag{\(counter)}"
            }
            spans[index].tex = tex
            spans[index].label = label.argument
            targets.append(NumberedTarget(kind: .equation, label: label.argument, text: text, anchor: label.argument, location: location))
        }
        return (targets, diagnostics)
    }

    /// A `\name{argument}` command in TeX: its name, argument, and scalar range.
    struct Command {
        var name: String
        var argument: String
        var start: Int
        var end: Int
    }

    /// The `\label{…}` and `\tag{…}` / `\tag*{…}` commands in `tex` (a `\\` is skipped, so
    /// `\\label` is a line break and the letters "label").
    static func commands(in tex: String) -> [Command] {
        let s = Array(tex.unicodeScalars)
        var result: [Command] = []
        var i = 0
        while i < s.count {
            guard s[i] == "\\" else { i += 1; continue }
            var j = i + 1
            while j < s.count, s[j].properties.isAlphabetic, s[j].isASCII { j += 1 }
            var name = String(String.UnicodeScalarView(s[(i + 1)..<j]))
            if name == "tag", j < s.count, s[j] == "*" { name = "tag*"; j += 1 }
            guard ["label", "tag", "tag*"].contains(name) else { i = max(j, i + 2); continue }
            var k = j
            while k < s.count, s[k] == " " { k += 1 }
            guard k < s.count, s[k] == "{" else { i = j; continue }
            var depth = 0, e = k
            while e < s.count {
                if s[e] == "{" { depth += 1 } else if s[e] == "}" { depth -= 1; if depth == 0 { break } }
                e += 1
            }
            guard e < s.count else { break }
            let argument = String(String.UnicodeScalarView(s[(k + 1)..<e])).trimmingCharacters(in: [" ", "\n", "\t"])
            result.append(Command(name: name, argument: argument, start: i, end: e + 1))
            i = e + 1
        }
        return result
    }

    /// `location` moved past `text` (columns count Unicode scalars).
    static func advance<S: Sequence>(_ location: SourceLocation, over text: S) -> SourceLocation where S.Element == Unicode.Scalar {
        var location = location
        for scalar in text {
            if scalar == "\n" {
                location.line += 1
                location.column = 1
            } else {
                location.column += 1
            }
        }
        return location
    }
}
