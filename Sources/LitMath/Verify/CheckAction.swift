import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `litmath check`: rebuilds in memory, writes nothing, and fails when anything the repository
/// records no longer matches what the code computes — pinned numbers in prose, recorded
/// directive values, formulas, links, or the committed output folder.
public struct CheckAction: Sendable {
    public var content: URL
    public var output: URL
    public var log: @Sendable (String) -> Void
    /// Where runnable Swift examples are compiled (a package and its build folder, reused
    /// across checks so the compile is incremental). `nil`: `examples/` in the cache folder
    /// `.litmath-cache`, under the cache's rules (`CacheFolder`) — a compiled package that this
    /// user did not build here is never run; then a private temporary folder is used instead.
    public var examplesDirectory: URL?
    /// The package whose DiffusionSchedulers the examples use; found above the content folder when nil.
    public var packageRoot: URL?
    /// Whether to compile and run the runnable Swift examples.
    public var runsExamples: Bool = true
    /// How long each Swift example may run and how much it may print.
    public var exampleLimits = SwiftExamples.Limits()
    /// The command the user runs litmath by, for the "fix:" hints (see `Invocation`).
    public var command = "litmath"

    public init(content: URL, output: URL, examplesDirectory: URL? = nil,
                packageRoot: URL? = nil, log: @escaping @Sendable (String) -> Void) {
        self.packageRoot = packageRoot
        self.content = content
        self.output = output
        self.examplesDirectory = examplesDirectory
        self.log = log
    }

    /// Runs the check; returns the exit code (0 all current, 1 differences or content errors, 2 setup errors).
    public func run() -> Int32 {
        let builder = SiteBuilder(contentDirectory: content, outputDirectory: output)
        let (files, report) = builder.render()
        // Pins that drifted are reported below as check failures; drop the build's warning for them.
        let diagnostics = report.diagnostics.filter { $0.id != "value.pin" }
        if !diagnostics.isEmpty { log(DiagnosticFormatter(sources: report.sources).format(diagnostics)) }
        if report.diagnostics.containsErrors {
            log("check failed: the content does not build\n")
            return report.isSetupFailure ? 2 : 1
        }

        var findings: [Verifier.Finding] = []
        var recordedFigures: [String: [RecordedFigure]] = [:]
        for page in report.pages {
            findings += Verifier.checkPins(page)
            let path = Verifier.expectationPath(for: page.sourcePath)
            let url = content.appendingPathComponent(path)
            switch Verifier.readContentText(url, content: content) {
            case let .success(text):
                findings += Verifier.checkExpectations(page, recorded: text?.text, file: SiteBuilder.displayPath(url))
                if let text { recordedFigures[page.sourcePath] = Expectations.parse(text.text, file: SiteBuilder.displayPath(url)).0.figures }
            case let .failure(refusal):
                findings.append(Verifier.Finding(article: page.displayPath, directive: nil, location: nil,
                                                 message: "cannot read \(SiteBuilder.displayPath(url)): \(refusal)"))
            }
        }
        for orphan in BlessAction.orphanExpectations(content: content, articles: report.articlePaths) {
            findings.append(Verifier.Finding(article: SiteBuilder.displayPath(orphan), directive: nil, location: nil,
                                             message: "expectations for an article that no longer exists"))
        }
        let examples = runsExamples ? report.pages.flatMap(SwiftExamples.examples(in:)) : []
        if !examples.isEmpty {
            switch Self.runExamples(examples, content: content, output: output, examplesDirectory: examplesDirectory,
                                    packageRoot: packageRoot, limits: exampleLimits, command: command, log: log) {
            case let .failure(status):
                return status.code
            case let .success(.compileFailed(compileFindings)):
                findings += compileFindings
            case let .success(.ran(runs)):
                findings += SwiftExamples.findings(runs, recorded: recordedFigures)
            }
        }
        var expected = files
        expected[OutputWriter.marker] = OutputWriter.markerContents
        let outputName = SiteBuilder.displayPath(output)
        if FileManager.default.fileExists(atPath: output.path) {
            let (actual, strays) = (try? Self.walk(output)) ?? ([:], [])
            findings += Verifier.checkOutput(expected: expected, actual: actual, outputName: outputName)
            for stray in strays {
                findings.append(Verifier.Finding(article: outputName, directive: nil, location: nil,
                                                 message: "\(outputName)\(stray.isEmpty ? "" : "/" + stray) is a symbolic link or special file, which a build never writes"))
            }
        } else {
            findings.append(Verifier.Finding(article: outputName, directive: nil, location: nil, message: "\(outputName)/ does not exist"))
        }

        guard !findings.isEmpty else {
            let values = report.pages.reduce(0) { $0 + $1.directives.reduce(0) { $0 + $1.records.reduce(0) { $0 + $1.values.count } } }
            let pins = report.pages.reduce(0) { $0 + $1.inlineValues.filter { $0.pin != nil }.count }
            let directives = report.pages.reduce(0) { $0 + $1.directives.count }
            log("check passed: \(report.pages.count) articles, \(directives) directives (\(values) values), \(pins) pinned inline values, \(examples.count) Swift example\(examples.count == 1 ? "" : "s"), and \(outputName)/ are current\n")
            return 0
        }
        log(Self.format(findings))
        var fixes: [String] = []
        let isExample: (Verifier.Finding) -> Bool = { $0.message.hasPrefix("Swift example") || $0.message.hasPrefix("the Swift examples") }
        if findings.contains(where: { $0.article != outputName && !isExample($0) }) {
            fixes.append("if the new values are right, run '\(command) bless', review the diff and commit it")
        }
        if findings.contains(where: isExample) {
            fixes.append("correct the Swift example; if its new output is right, run 'swift run litmath bless' to write it into the ```output block")
        }
        if findings.contains(where: { $0.article == outputName }) {
            fixes.append("run '\(command) build' and commit \(outputName)/")
        }
        log("check failed: \(findings.count) difference\(findings.count == 1 ? "" : "s")\n" + fixes.map { "fix: \($0)\n" }.joined())
        return 1
    }

    /// An exit status as an error, for a setup failure that stops `check` or `bless`.
    struct ExitStatus: Error {
        var code: Int32
    }

    /// Compiles and runs `examples` where `check` and `bless` keep them (`examplesDirectory`, else
    /// `examples/` in the cache folder, else a private temporary folder), against the package
    /// at `packageRoot` or above the content folder; a setup failure is logged and is the exit status.
    static func runExamples(_ examples: [SwiftExamples.Example], content: URL, output: URL?, examplesDirectory: URL?, packageRoot: URL?,
                            limits: SwiftExamples.Limits, command: String = "litmath", log: (String) -> Void) -> Result<SwiftExamples.Outcome, ExitStatus> {
        guard let root = packageRoot ?? SwiftExamples.findPackageRoot(from: content) else {
            log("error: the site has \(examples.count) Swift examples, but no Package.swift declaring DiffusionSchedulers was found above '\(SiteBuilder.displayPath(content))' to compile them against\n"
                + "fix: pass the package's folder, '\(command) check --package DIR', or set LITMATH_PACKAGE=DIR; or skip the examples with '--no-examples'\n")
            return .failure(ExitStatus(code: 2))
        }
        var temporary: URL?
        defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
        do {
            var work: URL
            if let examplesDirectory {
                work = examplesDirectory
            } else {
                switch try CacheFolder.open(URL(fileURLWithPath: ".litmath-cache"), content: content, output: output) {
                case let .ready(directory, _):
                    work = directory.appendingPathComponent("examples")
                case let .foreign(why):
                    log("warning: \(why); the Swift examples are compiled from scratch in a private temporary folder\n")
                    let folder = try PrivateTemporaryFolder(purpose: "examples")
                    work = folder.url
                    temporary = work
                }
            }
            return .success(try SwiftExamples.compileAndRun(examples, packageRoot: root, workDirectory: work, limits: limits, log: log))
        } catch let refused as CacheFolder.Refused {
            log("error: \(refused)\n")
            return .failure(ExitStatus(code: 2))
        } catch {
            log("error: cannot run the Swift toolchain to check examples: \(error)\n")
            return .failure(ExitStatus(code: 2))
        }
    }

    /// Findings grouped by article, then by directive.
    static func format(_ findings: [Verifier.Finding]) -> String {
        var out = ""
        var articles: [String] = []
        for f in findings where !articles.contains(f.article) { articles.append(f.article) }
        for article in articles {
            out += "\(article)\n"
            let group = findings.filter { $0.article == article }
            var directives: [String?] = []
            for f in group where !directives.contains(f.directive) { directives.append(f.directive) }
            for directive in directives {
                let items = group.filter { $0.directive == directive }
                if let directive {
                    let where_ = items.first?.location.map { " at \($0)" } ?? ""
                    out += "  directive '\(directive)'\(where_)\n"
                    for item in items { out += "    \(item.message)\n" }
                } else {
                    for item in items { out += "  \(item.location.map { "\($0): " } ?? "")\(item.message)\n" }
                }
            }
        }
        return out
    }

    /// The files of a built site, read without following a link; every link or special file
    /// in it is named in `strays` (a build writes neither, so `check` must fail on one: a
    /// committed `site/root -> /` would otherwise pass as an unreadable folder).
    static func snapshot(_ directory: URL) throws -> [String: Data] {
        try walk(directory).files
    }

    static func walk(_ directory: URL) throws -> (files: [String: Data], strays: [String]) {
        var files: [String: Data] = [:]
        var strays: [String] = []
        let fm = FileManager.default
        var status = stat()
        if lstat(directory.path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK { return ([:], [""]) }
        guard let root = ProjectFile.canonicalPath(directory) else { return ([:], []) }
        var pending = [""]
        while let folder = pending.popLast() {
            let names = try fm.contentsOfDirectory(atPath: folder.isEmpty ? root : root + "/" + folder)
            for name in names.sorted() {
                let relative = folder.isEmpty ? name : folder + "/" + name
                guard lstat(root + "/" + relative, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: pending.append(relative)
                case S_IFREG: files[relative] = try ProjectFile.read(URL(fileURLWithPath: root + "/" + relative), within: root, limit: Int.max / 2).get()
                default: strays.append(relative)
                }
            }
        }
        return (files, strays)
    }
}
