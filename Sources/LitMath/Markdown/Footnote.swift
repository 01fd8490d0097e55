/// A footnote of a page: its body, and its number in order of first reference.
public struct Footnote: Sendable {
    /// The label between `[^` and `]`.
    public var label: String
    /// 1, 2, … in the order the notes are first referenced.
    public var number: Int
    /// Where the definition is.
    public var location: SourceLocation
    /// The note's content.
    public var blocks: [MarkdownBlock]
    /// The references to this note, as indices into `Page.references`, in page order.
    public var references: [Int]

    /// The id of the note in the footnotes section.
    public var id: String { "fn-" + label }

    /// The id of the `occurrence`-th reference (from 0) to the note, the target of its back-link.
    public func referenceID(_ occurrence: Int) -> String {
        occurrence == 0 ? "fnref-" + label : "fnref-\(label)-\(occurrence + 1)"
    }
}

/// Numbers footnotes in order of first reference and checks that every reference has a
/// definition and every definition a reference.
enum FootnoteNumbering {
    static func number(_ notes: [MarkdownDocument.Note], references: [ReferenceSpan]) -> (footnotes: [Footnote], diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var definitions: [String: MarkdownDocument.Note] = [:]
        for note in notes {
            if let first = definitions[note.label] {
                diagnostics.append(.error("footnote.duplicate", "footnote '[^\(note.label)]' is defined twice", at: note.location,
                                          notes: ["first defined at \(first.location)"]))
            } else {
                definitions[note.label] = note
            }
        }
        var footnotes: [Footnote] = []
        var numbers: [String: Int] = [:]
        for (index, reference) in references.enumerated() where reference.kind == .footnote {
            if let n = numbers[reference.label] {
                footnotes[n - 1].references.append(index)
                continue
            }
            guard let note = definitions[reference.label] else {
                let guess = Spelling.closest(to: reference.label, in: Array(definitions.keys))
                diagnostics.append(.error("footnote.undefined", "footnote '[^\(reference.label)]' is not defined", at: reference.location,
                                          notes: [guess.map { "did you mean '[^\($0)]'?" } ?? "define it on a line of its own: '[^\(reference.label)]: …'"]))
                continue
            }
            footnotes.append(Footnote(label: note.label, number: footnotes.count + 1, location: note.location, blocks: note.blocks, references: [index]))
            numbers[note.label] = footnotes.count
        }
        for note in notes where numbers[note.label] == nil && definitions[note.label]?.location == note.location {
            diagnostics.append(.warning("footnote.unused", "footnote '[^\(note.label)]' is defined but never referenced", at: note.location,
                                        notes: ["refer to it with '[^\(note.label)]' in the text, or delete it"]))
        }
        return (footnotes, diagnostics)
    }
}
