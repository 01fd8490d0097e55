/// A formula found in an article: its TeX, whether it is display math, and where its TeX starts.
public struct MathSpan: Sendable, Equatable {
    /// The TeX between the delimiters.
    public var tex: String
    /// `$$…$$` and `\[…\]` are display math; `$…$` and `\(…\)` are inline.
    public var display: Bool
    /// The position of the first character of `tex` in the file.
    public var location: SourceLocation
    /// The formula as written, delimiters included (restored verbatim where math is not allowed, e.g. in code).
    public var source: String
    /// The name in the formula's `\label{…}`; the label is then gone from `tex`, which ends with `\tag{n}`.
    public var label: String? = nil
}

/// Protects math from cmark.
///
/// cmark knows no math: in `$x_t = f(x_t)$` the underscores would become emphasis and `\{`
/// would lose its backslash. So, before cmark parses, every formula outside code is replaced
/// by a placeholder that cmark passes through as plain text; the renderer later swaps each
/// placeholder for typeset math. Line numbers are kept (multi-line formulas leave filler lines)
/// so cmark's positions stay the file's positions.
///
/// Rules (close to pandoc's `tex_math_dollars`):
/// - `$$…$$` and `\[…\]` are display math, `$…$` and `\(…\)` inline;
/// - an opening `$` must be followed by a non-space, a closing `$` preceded by a non-space and
///   not followed by a digit, so "it costs $5 and $10" stays text;
/// - `\$` is a literal dollar; code spans and fenced code are left alone;
/// - a formula cannot cross a blank line or a code fence.
///
/// References are protected the same way, since cmark would read `[^note]` as a link label:
/// `[^label]` (a footnote; `[^label]:` at the start of a line defines one and is left alone)
/// and `\ref{label}` / `\eqref{label}` become reference placeholders with their positions.
public enum MathExtractor {
    /// Opens a placeholder; never produced by cmark from ordinary text.
    static let open: Unicode.Scalar = "\u{E000}"
    /// Closes a placeholder.
    static let close: Unicode.Scalar = "\u{E001}"
    /// Fills a line that a multi-line formula used to occupy; renders as nothing.
    static let filler: Unicode.Scalar = "\u{E002}"
    /// Opens an inline-value placeholder (closed like a formula's).
    static let valueOpen: Unicode.Scalar = "\u{E003}"
    /// Opens a reference placeholder (`[^note]`, `\ref{…}`, `\eqref{…}`; closed like a formula's).
    static let referenceOpen: Unicode.Scalar = "\u{E004}"

    /// What extraction found.
    public struct Extraction: Sendable {
        /// The text for cmark.
        public var text: String
        /// The formulas; placeholder `i` is `spans[i]`.
        public var spans: [MathSpan]
        /// The inline values (`` {value}`…` ``); value placeholder `i` is `values[i]`.
        public var values: [InlineValueSpan]
        /// The references (footnotes, `\ref`, `\eqref`); reference placeholder `i` is
        /// `references[i - firstReferenceIndex]`.
        public var references: [ReferenceSpan]
        /// Problems found.
        public var diagnostics: [Diagnostic]
    }

    /// The text for cmark, the formulas in order (placeholder `i` is `spans[i]`), and diagnostics.
    public static func extract(_ text: String, file: String, firstIndex: Int = 0, firstReferenceIndex: Int = 0,
                               origin: SourceLocation? = nil) -> Extraction {
        let scalars = Array(text.unicodeScalars)
        var lines: [Range<Int>] = []
        var start = 0
        for (i, s) in scalars.enumerated() where s == "\n" {
            lines.append(start..<i)
            start = i + 1
        }
        lines.append(start..<scalars.count)

        var out = String.UnicodeScalarView()
        var spans: [MathSpan] = []
        var values: [InlineValueSpan] = []
        var references: [ReferenceSpan] = []
        var diagnostics: [Diagnostic] = []

        func isBlank(_ r: Range<Int>) -> Bool { scalars[r].allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }
        func fence(_ r: Range<Int>) -> (Unicode.Scalar, Int)? {
            var i = r.lowerBound
            while i < r.upperBound, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
            guard i < r.upperBound, scalars[i] == "`" || scalars[i] == "~" else { return nil }
            let c = scalars[i]
            var n = 0
            while i < r.upperBound, scalars[i] == c { i += 1; n += 1 }
            guard n >= 3 else { return nil }
            // A backtick fence's info string may not contain backticks.
            if c == "`", scalars[i..<r.upperBound].contains("`") { return nil }
            return (c, n)
        }
        func isClosingFence(_ r: Range<Int>, _ c: Unicode.Scalar, _ n: Int) -> Bool {
            var i = r.lowerBound
            while i < r.upperBound, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
            var m = 0
            while i < r.upperBound, scalars[i] == c { i += 1; m += 1 }
            guard m >= n else { return false }
            return scalars[i..<r.upperBound].allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
        }
        func appendLine(_ index: Int) {
            out.append(contentsOf: scalars[lines[index]])
            if index < lines.count - 1 { out.append("\n") }
        }

        func findEscaped(_ closer: [Unicode.Scalar], from: Int, end: Int) -> Int? {
            var k = from
            while k + 1 < end {
                if scalars[k] == "\\" {
                    if scalars[k + 1] == closer[1] { return k }
                    k += 2
                    continue
                }
                k += 1
            }
            return nil
        }

        func location(_ index: Int) -> SourceLocation {
            // Binary search for the line holding `index`.
            var lo = 0, hi = lines.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if lines[mid].lowerBound <= index { lo = mid } else { hi = mid - 1 }
            }
            if let origin { return origin }
            return SourceLocation(file: file, line: lo + 1, column: index - lines[lo].lowerBound + 1)
        }

        func scanChunk(_ chunk: Range<Int>) {
            var i = chunk.lowerBound
            let end = chunk.upperBound
            func at(_ k: Int) -> Unicode.Scalar? { k < end ? scalars[k] : nil }
            func isSpace(_ s: Unicode.Scalar?) -> Bool { s == nil || s == " " || s == "\t" || s == "\n" || s == "\r" }
            func emit(from open: Int, contentStart: Int, contentEnd: Int, closeEnd: Int, display: Bool) {
                let tex = String(String.UnicodeScalarView(scalars[contentStart..<contentEnd]))
                let source = String(String.UnicodeScalarView(scalars[open..<closeEnd]))
                spans.append(MathSpan(tex: tex, display: display, location: location(contentStart), source: source))
                out.append(MathExtractor.open)
                out.append(contentsOf: String(spans.count - 1 + firstIndex).unicodeScalars)
                out.append(MathExtractor.close)
                for s in scalars[open..<closeEnd] where s == "\n" {
                    out.append("\n")
                    out.append(filler)
                }
                i = closeEnd
            }
            /// Index of the first `needle` (a sequence) at or after `from`, not preceded by a backslash escape.
            func find(_ needle: [Unicode.Scalar], from: Int) -> Int? {
                var k = from
                while k + needle.count <= end {
                    if scalars[k] == "\\" && !(needle.first == "\\") { k += 2; continue }
                    if Array(scalars[k..<k + needle.count]) == needle { return k }
                    k += 1
                }
                return nil
            }
            func emitReference(_ kind: ReferenceSpan.Kind, label: String, from start: Int, to stop: Int) {
                let source = String(String.UnicodeScalarView(scalars[start..<stop]))
                references.append(ReferenceSpan(kind: kind, label: label, location: location(start), source: source))
                out.append(MathExtractor.referenceOpen)
                out.append(contentsOf: String(references.count - 1 + firstReferenceIndex).unicodeScalars)
                out.append(MathExtractor.close)
                i = stop
            }
            /// `\ref{label}` or `\eqref{label}` starting at the backslash at `k`: kind, label, end.
            func latexReference(at k: Int) -> (ReferenceSpan.Kind, String, Int)? {
                for (kind, word) in [(ReferenceSpan.Kind.ref, "ref{"), (.eqref, "eqref{")] {
                    let w = Array(word.unicodeScalars)
                    guard k + 1 + w.count <= end, Array(scalars[(k + 1)..<(k + 1 + w.count)]) == w else { continue }
                    var e = k + 1 + w.count
                    while e < end, scalars[e] != "}", scalars[e] != "\n", scalars[e] != "{" { e += 1 }
                    guard e < end, scalars[e] == "}" else { return nil }
                    let label = String(String.UnicodeScalarView(scalars[(k + 1 + w.count)..<e])).trimmingCharacters(in: [" ", "\t"])
                    guard !label.isEmpty else { return nil }
                    return (kind, label, e + 1)
                }
                return nil
            }
            /// `[^label]` starting at `k`: the label and the index after `]`.
            func footnoteReference(at k: Int) -> (String, Int)? {
                guard at(k + 1) == "^" else { return nil }
                var e = k + 2
                while e < end, ReferenceSpan.isFootnoteLabelScalar(scalars[e]) { e += 1 }
                guard e > k + 2, e < end, scalars[e] == "]" else { return nil }
                return (String(String.UnicodeScalarView(scalars[(k + 2)..<e])), e + 1)
            }
            /// Whether only up to three spaces precede `k` on its line (where a footnote definition may start).
            func startsLine(_ k: Int) -> Bool {
                var b = k, spaces = 0
                while b > chunk.lowerBound, scalars[b - 1] != "\n" {
                    guard scalars[b - 1] == " " else { return false }
                    spaces += 1
                    b -= 1
                }
                return spaces <= 3
            }
            while i < end {
                let c = scalars[i]
                if c == "[", let (label, stop) = footnoteReference(at: i) {
                    // `[^label]:` at the start of a line defines the footnote: left for the footnote pass.
                    if at(stop) == ":", startsLine(i) {
                        out.append(contentsOf: scalars[i..<stop])
                        i = stop
                        continue
                    }
                    emitReference(.footnote, label: label, from: i, to: stop)
                    continue
                }
                if c == "\\", let (kind, label, stop) = latexReference(at: i) {
                    emitReference(kind, label: label, from: i, to: stop)
                    continue
                }
                if c == "\\" {
                    let next = at(i + 1)
                    if next == "(" || next == "[" {
                        let display = next == "["
                        let closer: [Unicode.Scalar] = display ? ["\\", "]"] : ["\\", ")"]
                        if let k = findEscaped(closer, from: i + 2, end: end) {
                            emit(from: i, contentStart: i + 2, contentEnd: k, closeEnd: k + 2, display: display)
                            continue
                        }
                        diagnostics.append(.error("math.unterminated", "'\\\(next!)' math is not closed with '\(display ? "\\]" : "\\)")' before the paragraph ends",
                                                  at: location(i)))
                    }
                    out.append(c)
                    if let next { out.append(next) }
                    i += next == nil ? 1 : 2
                    continue
                }
                if c == "`" {
                    var n = 0
                    while at(i + n) == "`" { n += 1 }
                    // Find a closing run of exactly n backticks.
                    var k = i + n
                    var closeAt: Int?
                    while k < end {
                        if scalars[k] == "`" {
                            var m = 0
                            while at(k + m) == "`" { m += 1 }
                            if m == n { closeAt = k; break }
                            k += m
                        } else {
                            k += 1
                        }
                    }
                    let stop = closeAt.map { $0 + n } ?? (i + n)
                    // `{value}` right before a code span makes it an inline value.
                    let marker: [Unicode.Scalar] = Array("{value}".unicodeScalars)
                    if let closeAt, i >= chunk.lowerBound + marker.count, Array(scalars[(i - marker.count)..<i]) == marker {
                        out.removeLast(marker.count)
                        var contentStart = i + n, contentEnd = closeAt
                        // One leading and trailing space are padding, as in CommonMark code spans.
                        if contentEnd - contentStart >= 2, scalars[contentStart] == " ", scalars[contentEnd - 1] == " " {
                            contentStart += 1
                            contentEnd -= 1
                        }
                        let source = String(String.UnicodeScalarView(scalars[contentStart..<contentEnd]))
                        let start = location(contentStart)
                        if source.contains("\n") {
                            diagnostics.append(.error("value.syntax", "an inline value must fit on one line", at: start))
                        }
                        values.append(InlineValueSpan(source: source, location: start, sourceText: String(String.UnicodeScalarView(scalars[(i - marker.count)..<stop]))))
                        out.append(MathExtractor.valueOpen)
                        out.append(contentsOf: String(values.count - 1).unicodeScalars)
                        out.append(MathExtractor.close)
                        i = stop
                        continue
                    }
                    out.append(contentsOf: scalars[i..<stop])
                    i = stop
                    continue
                }
                if c == "$" {
                    if at(i + 1) == "$" {
                        if let k = find(["$", "$"], from: i + 2) {
                            emit(from: i, contentStart: i + 2, contentEnd: k, closeEnd: k + 2, display: true)
                        } else {
                            diagnostics.append(.error("math.unterminated", "display math '$$' is not closed before a blank line or the end of the paragraph",
                                                      at: location(i)))
                            out.append(contentsOf: scalars[i..<i + 2])
                            i += 2
                        }
                        continue
                    }
                    if !isSpace(at(i + 1)) {
                        var k = i + 1
                        var closeAt: Int?
                        while k < end {
                            let s = scalars[k]
                            if s == "\\" { k += 2; continue }
                            if s == "$" {
                                let before = scalars[k - 1]
                                let after = at(k + 1)
                                if !isSpace(before), !(after.map { ("0"..."9").contains($0) } ?? false) {
                                    closeAt = k
                                }
                                break
                            }
                            k += 1
                        }
                        if let k = closeAt {
                            emit(from: i, contentStart: i + 1, contentEnd: k, closeEnd: k + 1, display: false)
                            continue
                        }
                    }
                    out.append(c)
                    i += 1
                    continue
                }
                out.append(c)
                i += 1
            }
        }

        var lineIndex = 0
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            if let (c, n) = fence(line) {
                appendLine(lineIndex)
                lineIndex += 1
                while lineIndex < lines.count {
                    let closing = isClosingFence(lines[lineIndex], c, n)
                    appendLine(lineIndex)
                    lineIndex += 1
                    if closing { break }
                }
                continue
            }
            if isBlank(line) {
                appendLine(lineIndex)
                lineIndex += 1
                continue
            }
            // A paragraph-like chunk: consecutive lines up to a blank line or a fence.
            var last = lineIndex
            while last + 1 < lines.count, !isBlank(lines[last + 1]), fence(lines[last + 1]) == nil { last += 1 }
            let chunk = lines[lineIndex].lowerBound..<lines[last].upperBound
            scanChunk(chunk)
            if last < lines.count - 1 { out.append("\n") }
            lineIndex = last + 1
        }

        return Extraction(text: String(out), spans: spans, values: values, references: references, diagnostics: diagnostics)
    }

    /// Replaces each formula placeholder with `math(i)`, each value placeholder with
    /// `value(i)` and each reference placeholder with `reference(i)`, and drops filler characters.
    static func substitute(_ text: String, math: (Int) -> String, value: (Int) -> String,
                           reference: (Int) -> String = { _ in "" }) -> String {
        segments(text).map { segment in
            switch segment {
            case let .text(t): t
            case let .math(i): math(i)
            case let .value(i): value(i)
            case let .reference(i): reference(i)
            }
        }.joined()
    }

    /// Splits text into plain runs and placeholder indices, in order.
    static func segments(_ text: String) -> [Segment] {
        guard text.unicodeScalars.contains(where: { $0 == open || $0 == filler || $0 == valueOpen || $0 == referenceOpen }) else {
            return [.text(text)]
        }
        var result: [Segment] = []
        var plain = String.UnicodeScalarView()
        var number: Int?
        var opener = open
        for s in text.unicodeScalars {
            if s == filler { continue }
            if s == open || s == valueOpen || s == referenceOpen {
                if !plain.isEmpty { result.append(.text(String(plain))); plain = .init() }
                number = 0
                opener = s
                continue
            }
            if let n = number {
                if s == close {
                    result.append(opener == valueOpen ? .value(n) : opener == referenceOpen ? .reference(n) : .math(n))
                    number = nil
                } else if let d = Int(String(s)) {
                    number = n * 10 + d
                }
                continue
            }
            plain.append(s)
        }
        if !plain.isEmpty { result.append(.text(String(plain))) }
        return result
    }

    /// A run of text or a formula reference.
    enum Segment: Equatable {
        case text(String)
        case math(Int)
        case value(Int)
        case reference(Int)
    }
}
