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
        let fm = FileManager.default
        var changes: [String] = []
        do {
            for page in report.pages {
                // Expectations.
                let url = content.appendingPathComponent(Verifier.expectationPath(for: page.sourcePath))
                let old = try Self.read(url, content: content)
                let source = content.appendingPathComponent(page.sourcePath)
                let original = try Self.read(source, content: content)
                let current = Expectations(directives: page.directives)
                if current.entries.isEmpty {
                    if old != nil {
                        try fm.removeItem(at: url)
                        changes.append("removed \(SiteBuilder.displayPath(url)) (the article has no directives)")
                    }
                } else {
                    let text = current.text(for: page.displayPath)
                    if old?.text != text {
                        let differences = Verifier.checkExpectations(page, recorded: old?.text, file: SiteBuilder.displayPath(url))
                        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                        // Written back with the line endings the file had (a new one: its article's).
                        let endings = old ?? SourceText(text: "", lineEnding: original?.lineEnding ?? .lf)
                        try Data(endings.restoring(text).utf8).write(to: url, options: .atomic)
                        changes.append("\(old == nil ? "wrote" : "updated") \(SiteBuilder.displayPath(url))" + (old == nil || differences.isEmpty ? "" : ":"))
                        if old != nil { changes += differences.map { "  \($0.directive.map { "\($0): " } ?? "")\($0.message)" } }
                    }
                }
                // Pins.
                let edits = page.inlineValues.compactMap { value -> (InlineValue.Pin, String)? in
                    guard let pin = value.pin, !value.holds else { return nil }
                    return (pin, pin.rewritten(value.computed))
                }
                if !edits.isEmpty {
                    guard let original else { continue }
                    let text = original.text
                    let spliced = Self.splice(text, edits.map { (line: $0.0.location.line, column: $0.0.location.column, length: $0.0.text.unicodeScalars.count, replacement: $0.1) })
                    try Data(original.restoring(spliced).utf8).write(to: source, options: .atomic)
                    for (pin, replacement) in edits {
                        changes.append("\(pin.location): pin \(pin.text) → \(replacement)")
                    }
                }
            }
            for orphan in Self.orphanExpectations(content: content, pages: report.pages) {
                try fm.removeItem(at: orphan)
                changes.append("removed \(SiteBuilder.displayPath(orphan)) (its article no longer exists)")
            }
        } catch {
            log("error: bless could not write: \(error)\n")
            return 2
        }
        if changes.isEmpty {
            log("nothing to bless: every expectation and pin is current\n")
        } else {
            log(changes.map { $0 + "\n" }.joined())
            log("blessed: review the changes with 'git diff' before committing\n")
        }
        return 0
    }

    /// A file of the content folder through the project's reader; a refusal stops the bless.
    private static func read(_ url: URL, content: URL) throws -> SourceText? {
        switch Verifier.readContentText(url, content: content) {
        case let .success(text): return text
        case let .failure(refusal): throw Refused(description: "cannot read \(SiteBuilder.displayPath(url)): \(refusal)")
        }
    }

    struct Refused: Error, CustomStringConvertible {
        var description: String
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

    /// Expectation files whose article is gone.
    static func orphanExpectations(content: URL, pages: [Page]) -> [URL] {
        let folder = content.appendingPathComponent("_expected")
        let wanted = Set(pages.map { Verifier.expectationPath(for: $0.sourcePath) })
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var orphans: [URL] = []
        let root = content.standardizedFileURL.resolvingSymlinksInPath().path
        for case let url as URL in enumerator where url.pathExtension == "txt" {
            let relative = String(url.standardizedFileURL.resolvingSymlinksInPath().path.dropFirst(root.count + 1))
            if !wanted.contains(relative) { orphans.append(url) }
        }
        return orphans.sorted { $0.path < $1.path }
    }
}
