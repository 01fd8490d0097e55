import Foundation

/// `litmath bless`: records what the code computes now as the expectation of every directive,
/// and rewrites drifted pins in prose — splicing only the pin's characters, so the rest of each
/// file stays byte-identical. With nothing to change it writes nothing.
public struct BlessAction: Sendable {
    public var content: URL
    public var force: Bool
    public var environment: [String: String]
    public var log: @Sendable (String) -> Void

    public init(content: URL, force: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment,
                log: @escaping @Sendable (String) -> Void) {
        self.content = content
        self.force = force
        self.environment = environment
        self.log = log
    }

    public func run() -> Int32 {
        if let ci = environment["CI"], !ci.isEmpty, ci != "0", ci.lowercased() != "false", !force {
            log("error: refusing to bless in CI (CI=\(ci)): blessing there would hide the very drift CI exists to catch; pass --force to do it anyway\n")
            return 2
        }
        let builder = SiteBuilder(contentDirectory: content, outputDirectory: content.appendingPathComponent("_unused"))
        let (_, report) = builder.render()
        let diagnostics = report.diagnostics.filter { $0.id != "value.pin" }
        if !diagnostics.isEmpty { log(DiagnosticFormatter(sources: report.sources).format(diagnostics)) }
        if report.diagnostics.containsErrors {
            log("bless failed: the content does not build; nothing was changed\n")
            return report.isSetupFailure ? 2 : 1
        }
        let plan: [Change]
        do {
            plan = try changes(report)
        } catch {
            log("error: \(error); nothing was changed\n")
            return 2
        }
        if plan.isEmpty {
            log("nothing to bless: every expectation and pin is current\n")
            return 0
        }
        // Every change is known before the first is made, so a bless that cannot work out one of
        // them writes nothing; each write is atomic, so a failure part way leaves whole files.
        var done: [String] = []
        for change in plan {
            do {
                if let contents = change.contents {
                    try FileManager.default.createDirectory(at: change.url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try contents.write(to: change.url, options: .atomic)
                } else {
                    try FileManager.default.removeItem(at: change.url)
                }
            } catch {
                let pending = plan.drop { $0.url != change.url }.map { SiteBuilder.displayPath($0.url) }
                log("error: bless could not \(change.contents == nil ? "remove" : "write") \(SiteBuilder.displayPath(change.url)): \(error)\n"
                    + (done.isEmpty ? "nothing was changed\n" : "already changed: " + done.joined(separator: ", ") + "\n")
                    + "not changed: " + pending.joined(separator: ", ") + "\n")
                return 2
            }
            done.append(SiteBuilder.displayPath(change.url))
        }
        log(plan.flatMap(\.description).map { $0 + "\n" }.joined())
        log("blessed: review the changes with 'git diff' before committing\n")
        return 0
    }

    /// One file bless will write (or remove, when `contents` is nil), and the lines that say so.
    struct Change {
        var url: URL
        var contents: Data?
        var description: [String]
    }

    /// A file of the content folder through the project's reader; a refusal stops the bless.
    private static func read(_ url: URL, content: URL) throws -> SourceText? {
        switch Verifier.readContentText(url, content: content) {
        case let .success(text): return text
        case let .failure(refusal): throw PlanError(description: "cannot read \(SiteBuilder.displayPath(url)): \(refusal)")
        }
    }

    /// Why bless cannot work out its changes.
    struct PlanError: Error, CustomStringConvertible {
        var description: String
    }

    /// Everything bless would change, worked out without writing anything.
    func changes(_ report: SiteBuilder.Report) throws -> [Change] {
        var plan: [Change] = []
        for page in report.pages {
            // Expectations.
            let url = content.appendingPathComponent(Verifier.expectationPath(for: page.sourcePath))
            let old = try Self.read(url, content: content)
            let source = content.appendingPathComponent(page.sourcePath)
            let original = try Self.read(source, content: content)
            let current = Expectations(directives: page.directives)
            if current.entries.isEmpty {
                // A file there that bless did not write (notes, say) is the author's: left alone.
                if let old, Expectations.isWrittenByLitmath(old.text) {
                    plan.append(Change(url: url, contents: nil, description: ["removed \(SiteBuilder.displayPath(url)) (the article has no directives)"]))
                }
            } else {
                let text = current.text(for: page.displayPath)
                if old?.text != text {
                    let differences = Verifier.checkExpectations(page, recorded: old?.text, file: SiteBuilder.displayPath(url))
                    var lines = ["\(old == nil ? "wrote" : "updated") \(SiteBuilder.displayPath(url))" + (old == nil || differences.isEmpty ? "" : ":")]
                    if old != nil { lines += differences.map { "  \($0.directive.map { "\($0): " } ?? "")\($0.message)" } }
                    // Written back with the line endings the file had (a new one: its article's).
                    let endings = old ?? SourceText(text: "", lineEnding: original?.lineEnding ?? .lf)
                    plan.append(Change(url: url, contents: Data(endings.restoring(text).utf8), description: lines))
                }
            }
            // Pins.
            let edits = page.inlineValues.compactMap { value -> (InlineValue.Pin, String)? in
                guard let pin = value.pin, !value.holds else { return nil }
                return (pin, pin.rewritten(value.computed))
            }
            if !edits.isEmpty {
                guard let original else {
                    throw PlanError(description: "cannot read \(SiteBuilder.displayPath(source)) to rewrite its pins")
                }
                let spliced = Self.splice(original.text, edits.map { (line: $0.0.location.line, column: $0.0.location.column, length: $0.0.text.unicodeScalars.count, replacement: $0.1) })
                plan.append(Change(url: source, contents: Data(original.restoring(spliced).utf8),
                                   description: edits.map { "\($0.0.location): pin \($0.0.text) → \($0.1)" }))
            }
        }
        for orphan in Self.orphanExpectations(content: content, articles: report.articlePaths) {
            plan.append(Change(url: orphan, contents: nil, description: ["removed \(SiteBuilder.displayPath(orphan)) (its article no longer exists)"]))
        }
        return plan
    }

    /// Replaces scalar ranges given by 1-based line and column; everything else is kept byte for byte.
    static func splice(_ text: String, _ edits: [(line: Int, column: Int, length: Int, replacement: String)]) -> String {
        var scalars = Array(text.unicodeScalars)
        var lineStarts = [0]
        for (i, s) in scalars.enumerated() where s == "\n" { lineStarts.append(i + 1) }
        // Apply from the end so earlier offsets stay valid.
        for edit in edits.sorted(by: { ($0.line, $0.column) > ($1.line, $1.column) }) {
            guard lineStarts.indices.contains(edit.line - 1) else { continue }
            let start = lineStarts[edit.line - 1] + edit.column - 1
            guard start >= 0, start + edit.length <= scalars.count else { continue }
            scalars.replaceSubrange(start..<(start + edit.length), with: Array(edit.replacement.unicodeScalars))
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Expectation files whose article is gone: files under `_expected/` that carry the header
    /// bless writes and match no article of `articles` (drafts included). Anything else there —
    /// a README, an author's notes, a file of another tool — is not litmath's, and is never
    /// reported or deleted.
    static func orphanExpectations(content: URL, articles: [String]) -> [URL] {
        let folder = content.appendingPathComponent("_expected")
        let wanted = Set(articles.map { Verifier.expectationPath(for: $0) })
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var orphans: [URL] = []
        let root = content.standardizedFileURL.resolvingSymlinksInPath().path
        for case let url as URL in enumerator where url.pathExtension == "txt" {
            let relative = String(url.standardizedFileURL.resolvingSymlinksInPath().path.dropFirst(root.count + 1))
            guard !wanted.contains(relative), case let .success(text?) = Verifier.readContentText(url, content: content),
                  Expectations.isWrittenByLitmath(text.text) else { continue }
            orphans.append(url)
        }
        return orphans.sorted { $0.path < $1.path }
    }
}
