/// Something numbered that `\ref{…}` and `\eqref{…}` can point at.
public struct NumberedTarget: Sendable, Equatable {
    /// What is numbered.
    public enum Kind: String, Sendable, Equatable {
        case equation, figure, table

        /// The word for it in prose.
        var word: String { rawValue }
    }

    public var kind: Kind
    /// The label authors refer to it by (`eq:forward`, `fig:log-snr`, `tab:sigmas`).
    public var label: String
    /// The number as shown: `3`, or an equation's own `\tag`.
    public var text: String
    /// The id of the element on the page.
    public var anchor: String
    /// Where the label is written.
    public var location: SourceLocation
}

/// What a `\ref` or `\eqref` resolved to: the text to show and where it links.
public struct ResolvedReference: Sendable, Equatable {
    public var text: String
    public var href: String
}

/// Resolves `\ref{…}` and `\eqref{…}` across the site.
///
/// A reference is `\ref{label}` for a label on the same page, or `\ref{ddpm.md#label}` for one
/// on another article (the path relative to the referring article, as in a Markdown link).
/// `\ref` shows the bare number, `\eqref` an equation's number in parentheses, as in LaTeX.
public enum CrossReferences {
    /// Per page (by source path), the resolved reference for each reference index; and what
    /// could not be resolved.
    public static func resolve(_ pages: [Page]) -> (references: [String: [Int: ResolvedReference]], diagnostics: [Diagnostic]) {
        let bySource = Dictionary(pages.map { ($0.sourcePath, $0) }, uniquingKeysWith: { a, _ in a })
        var resolved: [String: [Int: ResolvedReference]] = [:]
        var diagnostics: [Diagnostic] = []
        for page in pages {
            var forPage: [Int: ResolvedReference] = [:]
            for (index, reference) in page.references.enumerated() where reference.kind != .footnote {
                let command = reference.kind == .eqref ? "\\eqref" : "\\ref"
                var target = page
                var prefix = "#"
                if let path = reference.page {
                    let resolvedPath = ContentPath.resolve(path, from: page.sourcePath)
                    guard let resolvedPath, let other = bySource[resolvedPath] else {
                        let guess = Spelling.closest(to: path, in: bySource.keys.sorted())
                        diagnostics.append(.error("ref.no-article", "'\(command){\(reference.label)}' refers to '\(path)', which is not an article of this site",
                                                  at: reference.location, notes: guess.map { ["did you mean '\($0)'?"] } ?? []))
                        continue
                    }
                    target = other
                    prefix = other.sourcePath == page.sourcePath ? "#" : HTMLRenderer.rewriteLink(path) + "#"
                }
                guard let found = target.targets[reference.name] else {
                    let place = target.sourcePath == page.sourcePath ? "on this page" : "in \(target.sourcePath)"
                    let guess = Spelling.closest(to: reference.name, in: target.targets.keys.sorted())
                    var notes = guess.map { ["did you mean '\($0)'?"] } ?? []
                    if guess == nil {
                        notes.append("label an equation with '\\label{\(reference.name)}' inside '$$…$$', an image with '{#\(reference.name)}' after it, a table with 'Table: caption {#\(reference.name)}'")
                    }
                    diagnostics.append(.error("ref.undefined", "no label '\(reference.name)' \(place)", at: reference.location, notes: notes))
                    continue
                }
                if reference.kind == .eqref, found.kind != .equation {
                    diagnostics.append(.error("ref.eqref-kind", "'\\eqref' is for equations, but '\(reference.name)' is a \(found.kind.word)",
                                              at: reference.location, notes: ["write '\\ref{\(reference.label)}'"]))
                    continue
                }
                let text = reference.kind == .eqref ? "(\(found.text))" : found.text
                forPage[index] = ResolvedReference(text: text, href: prefix + found.anchor)
            }
            resolved[page.sourcePath] = forPage
        }
        return (resolved, diagnostics)
    }
}

/// Numbers a page's figures and tables in page order, and collects every label on the page.
///
/// Numbered: images shown as figures with a caption, scheduler plots and tables with a
/// `caption`, and pipe tables with a `Table:` caption. Figures (images and plots) share one
/// counter, tables another. Labels: an image's `{#label}`, a pipe table's caption `{#label}`,
/// and for directives `fig:<id>` (plots) and `tab:<id>` (tables).
enum PageNumbering {
    struct Result {
        var blocks: [MarkdownBlock]
        var footnotes: [Footnote]
        /// Directive id → its number.
        var directiveNumbers: [String: Int]
        var targets: [NumberedTarget]
        var diagnostics: [Diagnostic]
    }

    static func number(blocks: [MarkdownBlock], footnotes: [Footnote], directives: [Int: DirectiveResult], file: String,
                       sourceLines: [String]) -> Result {
        var figures = 0, tables = 0
        var result = Result(blocks: [], footnotes: footnotes, directiveNumbers: [:], targets: [], diagnostics: [])
        func labelLocation(_ label: String, line: Int) -> SourceLocation {
            var column = 1
            if sourceLines.indices.contains(line - 1), let range = sourceLines[line - 1].range(of: "{#" + label) {
                column = sourceLines[line - 1][..<range.lowerBound].unicodeScalars.count + 1
            }
            return SourceLocation(file: file, line: line, column: column)
        }
        func visit(_ blocks: [MarkdownBlock]) -> [MarkdownBlock] {
            blocks.map { block in
                switch block {
                case var .figure(figure):
                    if !figure.caption.isEmpty {
                        figures += 1
                        figure.number = figures
                        if let label = figure.label {
                            result.targets.append(NumberedTarget(kind: .figure, label: label, text: String(figures), anchor: label,
                                                                 location: labelLocation(label, line: figure.line)))
                        }
                    } else if let label = figure.label {
                        result.diagnostics.append(.error("label.no-caption", "figure '\(label)' has no caption to number",
                                                         at: labelLocation(label, line: figure.line),
                                                         notes: ["give the image a title: ![alt text](path \"Caption\") {#\(label)}"]))
                    }
                    return .figure(figure)
                case var .table(table):
                    if let caption = table.caption, !caption.isEmpty {
                        tables += 1
                        table.number = tables
                        if let label = table.label {
                            result.targets.append(NumberedTarget(kind: .table, label: label, text: String(tables), anchor: label,
                                                                 location: table.captionLocation ?? SourceLocation(file: file, line: table.line, column: 1)))
                        }
                    }
                    return .table(table)
                case let .codeBlock(_, _, line, _):
                    guard let directive = directives[line] else { return block }
                    switch directive.output {
                    case let .plot(plot) where plot.caption != nil:
                        figures += 1
                        result.directiveNumbers[directive.id] = figures
                        result.targets.append(NumberedTarget(kind: .figure, label: "fig:" + directive.id, text: String(figures),
                                                             anchor: plot.id, location: directive.block.location))
                    case let .table(table) where table.caption != nil:
                        tables += 1
                        result.directiveNumbers[directive.id] = tables
                        result.targets.append(NumberedTarget(kind: .table, label: "tab:" + directive.id, text: String(tables),
                                                             anchor: table.id, location: directive.block.location))
                    default:
                        break
                    }
                    return block
                case let .blockQuote(children):
                    return .blockQuote(visit(children))
                case let .callout(kind, title, children):
                    return .callout(kind, title: title, visit(children))
                case let .list(ordered, start, tight, items):
                    return .list(ordered: ordered, start: start, tight: tight, items: items.map(visit))
                default:
                    return block
                }
            }
        }
        result.blocks = visit(blocks)
        for index in result.footnotes.indices {
            result.footnotes[index].blocks = visit(result.footnotes[index].blocks)
        }
        return result
    }
}
