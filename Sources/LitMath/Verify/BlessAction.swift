import Foundation
import LitMathFigures

/// `litmath bless`: records what the code computes now as the expectation of every directive,
/// and rewrites drifted pins in prose — splicing only the pin's characters, so the rest of each
/// file stays byte-identical. With nothing to change it writes nothing.
public struct BlessAction: Sendable {
    public var content: URL
    public var force: Bool
    public var environment: [String: String]
    public var log: @Sendable (String) -> Void
    /// Where runnable Swift examples are compiled; as for `CheckAction.examplesDirectory`.
    public var examplesDirectory: URL?
    /// The package whose DiffusionSchedulers the examples use; found above the content folder when nil.
    public var packageRoot: URL?
    /// Whether to run the Swift examples (to fill their output blocks and record their figures).
    public var runsExamples = true
    /// How long each Swift example may run and how much it may print.
    public var exampleLimits = SwiftExamples.Limits()

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
        var builder = SiteBuilder(contentDirectory: content, outputDirectory: content.appendingPathComponent("_unused"))
        builder.drawsRecordedFigures = false
        let (_, report) = builder.render()
        let diagnostics = report.diagnostics.filter { $0.id != "value.pin" }
        if !diagnostics.isEmpty { log(DiagnosticFormatter(sources: report.sources).format(diagnostics)) }
        if report.diagnostics.containsErrors {
            log("bless failed: the content does not build; nothing was changed\n")
            return report.isSetupFailure ? 2 : 1
        }
        // The examples run first: what they print fills their output blocks and the figures they
        // show are recorded; one that does not compile or fails stops the bless before anything is written.
        var runs: [SwiftExamples.ExampleRun] = []
        let examples = runsExamples ? report.pages.flatMap(SwiftExamples.examples(in:)) : []
        if !examples.isEmpty {
            switch CheckAction.runExamples(examples, content: content, output: nil, examplesDirectory: examplesDirectory,
                                           packageRoot: packageRoot, limits: exampleLimits, log: log) {
            case let .failure(status):
                log("nothing was changed\n")
                return status.code
            case let .success(.compileFailed(findings)):
                log(CheckAction.format(findings))
                log("bless failed: the Swift examples do not compile; nothing was changed\n")
                return 1
            case let .success(.ran(done)):
                let failures = done.flatMap { run in
                    (run.failure.map { [$0] } ?? []) + run.figureProblems.map { "Swift example \($0)" }
                }
                if !failures.isEmpty {
                    let findings = done.flatMap { run in
                        ((run.failure.map { [$0] } ?? []) + run.figureProblems.map { "Swift example \($0)" }).map {
                            Verifier.Finding(article: run.example.file, directive: nil, location: run.location, message: $0)
                        }
                    }
                    log(CheckAction.format(findings))
                    log("bless failed: \(findings.count) Swift example problem\(findings.count == 1 ? "" : "s"); nothing was changed\n")
                    return 1
                }
                runs = done
            }
        }
        let plan: [Change]
        do {
            plan = try changes(report, runs: runs)
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
    func changes(_ report: SiteBuilder.Report, runs: [SwiftExamples.ExampleRun] = []) throws -> [Change] {
        var plan: [Change] = []
        for page in report.pages {
            let pageRuns = runs.filter { $0.example.sourcePath == page.sourcePath }
            let figures = pageRuns.flatMap { run in
                run.figures.enumerated().map { RecordedFigure(id: run.example.figureID($0.offset + 1), figure: $0.element) }
            }
            // Expectations.
            let url = content.appendingPathComponent(Verifier.expectationPath(for: page.sourcePath))
            let old = try Self.read(url, content: content)
            let source = content.appendingPathComponent(page.sourcePath)
            let original = try Self.read(source, content: content)
            var current = Expectations(directives: page.directives)
            current.figures = figures
            // Without the examples run, the recorded figures stand.
            if !runsExamples, let old { current.figures = Expectations.parse(old.text, file: SiteBuilder.displayPath(url)).0.figures }
            if current.entries.isEmpty && current.figures.isEmpty {
                // A file there that bless did not write (notes, say) is the author's: left alone.
                if let old, Expectations.isWrittenByLitmath(old.text) {
                    plan.append(Change(url: url, contents: nil, description: ["removed \(SiteBuilder.displayPath(url)) (the article has no directives)"]))
                }
            } else {
                let text = current.text(for: page.displayPath)
                if old?.text != text {
                    let differences = Verifier.checkExpectations(page, recorded: old?.text, file: SiteBuilder.displayPath(url))
                    var lines = ["\(old == nil ? "wrote" : "updated") \(SiteBuilder.displayPath(url))" + (old == nil || differences.isEmpty ? "" : ":")]
                    if old != nil {
                        lines += differences.map { "  \($0.directive.map { "\($0): " } ?? "")\($0.message)" }
                        let recorded = old.map { Expectations.parse($0.text, file: SiteBuilder.displayPath(url)).0.figures } ?? []
                        lines += pageRuns.flatMap { ExampleFigures.compare($0, recorded: recorded) }.map { "  \($0.directive.map { "\($0): " } ?? "")\($0.message)" }
                    }
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
            // Output blocks: what each example printed, where it differs from its block or it has none.
            let outputs = pageRuns.compactMap { run -> OutputEdit? in
                let printed = SwiftExamples.normalized(run.text)
                if let expected = run.example.expected {
                    return SwiftExamples.normalized(expected.text) == printed ? nil : OutputEdit(example: run.example, text: printed)
                }
                // An example that only shows figures needs no output block.
                return printed.isEmpty && !run.figures.isEmpty ? nil : OutputEdit(example: run.example, text: printed)
            }
            if !edits.isEmpty || !outputs.isEmpty {
                guard let original else {
                    throw PlanError(description: "cannot read \(SiteBuilder.displayPath(source)) to rewrite its \(edits.isEmpty ? "output blocks" : "pins")")
                }
                // Pins change characters within a line, so the output blocks' lines stay where they were.
                let spliced = Self.splice(original.text, edits.map { (line: $0.0.location.line, column: $0.0.location.column, length: $0.0.text.unicodeScalars.count, replacement: $0.1) })
                let rewritten = try Self.writeOutputs(outputs, into: spliced, file: SiteBuilder.displayPath(source))
                plan.append(Change(url: source, contents: Data(original.restoring(rewritten).utf8),
                                   description: edits.map { "\($0.0.location): pin \($0.0.text) → \($0.1)" }
                                       + outputs.map { "\($0.example.file):\($0.example.expected?.line ?? $0.example.closingFenceLine + 2):\($0.example.column): \($0.example.expected == nil ? "wrote" : "rewrote") the output block of the Swift example" }))
            }
        }
        for orphan in Self.orphanExpectations(content: content, articles: report.articlePaths) {
            plan.append(Change(url: orphan, contents: nil, description: ["removed \(SiteBuilder.displayPath(orphan)) (its article no longer exists)"]))
        }
        return plan
    }

    /// What an example printed, for its output block.
    struct OutputEdit {
        var example: SwiftExamples.Example
        /// The printed text, normalised (no trailing spaces or blank lines).
        var text: String
    }

    /// The lines of a fenced block holding `text`, at the fence's indentation or quote prefix:
    /// a fence longer than any run of backticks in the text, so no line of it can close the block.
    static func outputBlock(_ text: String, prefix: String) -> [String] {
        var longest = 0, run = 0
        for c in text { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        let body = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }
        return [prefix + fence + "output"] + body + [prefix + fence]
    }

    /// `text` with each example's output block replaced, or a new one inserted after the
    /// example; every other line is kept as it was.
    static func writeOutputs(_ edits: [OutputEdit], into text: String, file: String) throws -> String {
        guard !edits.isEmpty else { return text }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func isFence(_ number: Int, prefix: String) -> Bool {
            guard lines.indices.contains(number - 1) else { return false }
            // A closing fence may be indented up to three spaces past the container's prefix.
            let rest = lines[number - 1].dropFirst(prefix.count).drop { $0 == " " }
            return rest.hasPrefix("```") || rest.hasPrefix("~~~")
        }
        // From the bottom up, so the line numbers of the edits above stay valid.
        for edit in edits.sorted(by: { $0.example.line > $1.example.line }) {
            let example = edit.example
            let fenceLine = lines.indices.contains(example.fenceLine - 1) ? lines[example.fenceLine - 1] : ""
            // What stands before the fence (indentation, `> `) stands before every line of the new block.
            let prefix = String(fenceLine.unicodeScalars.prefix(example.column - 1).map(Character.init))
            if let expected = example.expected {
                let start = expected.line, end = expected.closingFenceLine
                guard isFence(start, prefix: prefix), isFence(end, prefix: prefix) else {
                    throw PlanError(description: "\(file):\(start):\(expected.column): cannot find where the output block ends; close it with a fence")
                }
                let prefixOfBlock = String(lines[start - 1].unicodeScalars.prefix(expected.column - 1).map(Character.init))
                lines.replaceSubrange((start - 1)..<end, with: outputBlock(edit.text, prefix: prefixOfBlock))
            } else {
                let end = example.closingFenceLine
                guard isFence(end, prefix: prefix) else {
                    throw PlanError(description: "\(file):\(example.fenceLine):\(example.column): cannot find where the Swift example ends; close it with a fence")
                }
                let blank = prefix.trimmingCharacters(in: .whitespaces)
                lines.insert(contentsOf: [blank] + outputBlock(edit.text, prefix: prefix), at: end)
            }
        }
        return lines.joined(separator: "\n")
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
