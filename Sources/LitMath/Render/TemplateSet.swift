import Mustache

/// The page templates of a build: the default theme's, with the author's
/// `content/_templates/NAME.mustache` files replacing those of the same name or adding partials.
///
/// Templates are checked before any page is rendered, so that a template mistake is a build error
/// at its line and column rather than a silently empty page: Mustache syntax, partials that do not
/// exist, partials that include themselves (which would recurse forever), and — as warnings —
/// variable names no page ever has, with a "did you mean".
struct TemplateSet: @unchecked Sendable {
    /// The template rendered for every page.
    static let rootName = "page"

    private let library: MustacheLibrary

    /// Only the default theme.
    static let builtIn: TemplateSet = {
        var library = MustacheLibrary()
        for (name, source) in DefaultTemplates.all {
            // The default templates are tested; a failure here is a bug in litmath.
            try! library.register(source, named: name)
        }
        return TemplateSet(library: library)
    }()

    private init(library: MustacheLibrary) {
        self.library = library
    }

    /// Renders the root template with `context`.
    func render(_ context: [String: Any]) -> String {
        library.render(context, withTemplate: Self.rootName) ?? ""
    }

    /// Every name a value in the template context has, at any depth (see `PageTemplate.context`).
    static let knownNames: Set<String> = [
        "site", "title", "language", "base_url", "search", "page", "description", "path", "source", "date", "tags", "meta",
        "is_index", "is_not_found", "url", "root", "home", "document_title", "content", "show_title", "toc", "toc_html", "has_toc",
        "level", "id", "navigation", "href", "current", "previous", "next", "has_pager", "assets", "stylesheet",
        "katex_stylesheet", "search_index", "search_script", "generator",
    ]

    /// The names inside the values that have a fixed set of them.
    static let members: [String: Set<String>] = [
        "site": ["title", "language", "base_url", "search"],
        "page": ["title", "description", "path", "source", "date", "tags", "meta", "is_index", "is_not_found", "url"],
        "assets": ["stylesheet", "katex_stylesheet", "search_index", "search_script"],
        "previous": ["title", "href"], "next": ["title", "href"],
    ]

    /// Loads the author's templates over the default ones. Returns nil with errors when any is wrong.
    static func load(_ authored: [SiteContent.TextFile]) -> (TemplateSet?, [Diagnostic]) {
        guard !authored.isEmpty else { return (builtIn, []) }
        var diagnostics: [Diagnostic] = []
        var sources = DefaultTemplates.all.mapValues { (text: $0, file: nil as SiteContent.TextFile?) }
        for file in authored {
            let relative = file.path.dropFirst(SiteContent.templatesFolder.count + 1)
            let name = relative.hasSuffix(".mustache") ? String(relative.dropLast(".mustache".count)) : ""
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                diagnostics.append(.error("template.name", "'\(file.path)' is not a template: \(SiteContent.templatesFolder)/ holds only NAME.mustache files",
                                          at: .file(file.display), notes: ["templates: \(DefaultTemplates.all.keys.sorted().joined(separator: ", ")), or partials of your own"]))
                continue
            }
            sources[name] = (file.text, file)
        }

        // Syntax and references, with positions.
        var references: [String: [(name: String, location: SourceLocation?)]] = [:]
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            guard let file = source.file else {
                references[name] = scan(source.text, file: nil).partials.map { ($0.name, nil) }
                continue
            }
            let scanned = scan(source.text, file: file.display)
            diagnostics += scanned.diagnostics
            references[name] = scanned.partials.map { ($0.name, $0.location) }
            for partial in scanned.partials where sources[partial.name] == nil {
                var notes: [String] = []
                if let guess = Spelling.closest(to: partial.name, in: Array(sources.keys)) { notes.append("did you mean '\(guess)'?") }
                notes.append("templates: \(sources.keys.sorted().joined(separator: ", "))")
                diagnostics.append(.error("template.partial", "template '\(partial.name)' does not exist", at: partial.location, notes: notes))
            }
            if scanned.diagnostics.containsErrors { continue }
            do {
                _ = try MustacheTemplate(string: source.text)
            } catch let error as MustacheTemplate.ParserError {
                diagnostics.append(.error("template.syntax", "invalid template: \(describe(error.error))",
                                          at: SourceLocation(file: file.display, line: error.context.lineNumber, column: error.context.columnNumber)))
            } catch {
                diagnostics.append(.error("template.syntax", "invalid template: \(error)", at: .file(file.display)))
            }
        }

        // Partials that include themselves, directly or through others, would recurse forever.
        var state: [String: Int] = [:] // 1 visiting, 2 done
        func visit(_ name: String) {
            state[name] = 1
            for reference in references[name] ?? [] where sources[reference.name] != nil {
                if state[reference.name] == 1 {
                    diagnostics.append(.error("template.cycle", "template '\(name)' includes '\(reference.name)', which includes '\(name)' again: the page would never end",
                                              at: reference.location ?? sources[name]?.file.map { .file($0.display) }))
                } else if state[reference.name] == nil {
                    visit(reference.name)
                }
            }
            state[name] = 2
        }
        for name in sources.keys.sorted() where state[name] == nil { visit(name) }

        guard !diagnostics.containsErrors else { return (nil, diagnostics) }
        var library = MustacheLibrary()
        for (name, source) in sources {
            guard (try? library.register(source.text, named: name)) != nil else {
                return (nil, diagnostics + [.error("template.syntax", "invalid template '\(name)'", at: source.file.map { .file($0.display) })])
            }
        }
        return (TemplateSet(library: library), diagnostics)
    }

    struct Scan {
        var partials: [(name: String, location: SourceLocation?)] = []
        var diagnostics: [Diagnostic] = []
    }

    /// Finds every `{{…}}` tag: partial references, unsupported tags, and unknown variable names.
    static func scan(_ text: String, file: String?) -> Scan {
        var result = Scan()
        let scalars = Array(text.unicodeScalars)
        var i = 0, line = 1, column = 1
        var sections: [String] = []
        func location(_ l: Int, _ c: Int) -> SourceLocation? { file.map { SourceLocation(file: $0, line: l, column: c) } }
        func advance() {
            if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        while i < scalars.count {
            guard scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{" else { advance(); continue }
            let (startLine, startColumn) = (line, column)
            let triple = i + 2 < scalars.count && scalars[i + 2] == "{"
            let closing = triple ? "}}}" : "}}"
            advance(); advance(); if triple { advance() }
            var body = ""
            var closed = false
            while i < scalars.count {
                if scalars[i] == "}", String(String.UnicodeScalarView(scalars[i..<min(i + closing.count, scalars.count)])) == closing {
                    for _ in 0..<closing.count { advance() }
                    closed = true
                    break
                }
                body.unicodeScalars.append(scalars[i])
                advance()
            }
            guard closed else {
                result.diagnostics.append(.error("template.syntax", "'\(triple ? "{{{" : "{{")' is never closed with '\(closing)'", at: location(startLine, startColumn)))
                break
            }
            let tag = body.trimmingCharacters(in: [" ", "\t", "\n"])
            let sigil = triple ? nil : tag.first
            let name = (sigil.map { "#^/><$&!=%".contains($0) } ?? false) ? String(tag.dropFirst()).trimmingCharacters(in: [" ", "\t", "\n"]) : tag
            switch sigil {
            case "!", "%":
                continue
            case "=":
                result.diagnostics.append(.error("template.delimiters", "litmath templates keep the '{{ }}' delimiters; '{{=' is not supported",
                                                 at: location(startLine, startColumn)))
            case ">", "<":
                if name.hasPrefix("*") {
                    result.diagnostics.append(.error("template.dynamic-partial", "dynamic partials ('{{>*name}}') are not supported: name the template",
                                                     at: location(startLine, startColumn)))
                } else {
                    result.partials.append((name, location(startLine, startColumn)))
                }
            case "/":
                if !sections.isEmpty { sections.removeLast() }
            default:
                if sigil == "#" || sigil == "^" || sigil == "$" { sections.append(name) }
                guard sigil != "$", file != nil, name != ".", !sections.dropLast(sigil == "#" || sigil == "^" ? 1 : 0).contains(where: { $0.hasSuffix("meta") }) else { continue }
                // Transforms such as `{{ uppercased(page.title) }}` name the value in parentheses.
                var path = name
                if let open = path.firstIndex(of: "("), let close = path.lastIndex(of: ")"), open < close {
                    path = String(path[path.index(after: open)..<close])
                }
                // Every name up to `meta` (whose keys are the author's own front matter).
                let components = path.split(separator: ".").map(String.init)
                for (index, component) in components.enumerated() {
                    if component == "meta" { break }
                    let candidates = index > 0 ? members[components[index - 1]] ?? knownNames : knownNames
                    guard !component.isEmpty, !candidates.contains(component) else { continue }
                    var notes: [String] = []
                    if let guess = Spelling.closest(to: component, in: candidates.sorted()) { notes.append("did you mean '\(guess)'?") }
                    notes.append("template variables are listed in the README, under Templates")
                    result.diagnostics.append(.warning("template.unknown-variable", "no page has a value '\(component)': '{{\(tag)}}' will be empty",
                                                       at: location(startLine, startColumn), notes: notes))
                    break
                }
            }
        }
        return result
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with a different name than it was opened with"
        case .unfinishedName: return "a tag is not finished"
        case .expectedSectionEnd: return "a section is never closed"
        case .invalidSetDelimiter: return "invalid delimiter change"
        case .transformAppliedToInheritanceSection: return "a transform cannot apply to an inherited section"
        case .illegalTokenInsideInheritSection: return "only blocks may appear inside an inherited partial"
        case .textInsideInheritSection: return "only blocks may appear inside an inherited partial"
        case .invalidConfigVariableSyntax: return "invalid pragma"
        case .unrecognisedConfigVariable: return "unknown pragma"
        @unknown default: return "\(error)"
        }
    }
}
