import Foundation
import LitMathFigures

/// Runnable Swift examples: a ```` ```swift example ```` block followed by an ```` ```output ````
/// block. `litmath check` compiles every example of the site together, once, against
/// DiffusionSchedulers (a generated Swift package in the cache folder that depends on this
/// package by path, so the build is incremental across checks), runs each in its own process,
/// and compares what it prints with the output block, so API examples in the articles never rot.
///
/// The generated source carries `#sourceLocation` directives, so compiler errors point at the
/// article's own file and line.
public enum SwiftExamples {
    /// One example as written.
    public struct Example: Sendable, Equatable {
        /// The article (display path).
        public var file: String
        /// The line of the example's first code line (after the fence).
        public var line: Int
        /// The code.
        public var code: String
        /// The expected-output block after the example; nil when none follows.
        public var expected: OutputBlock?
        /// The article's path relative to the content folder (its expectations file is named after it).
        public var sourcePath: String = ""
        /// 1-based position among the page's examples; names the figures it shows (`example-2-1`).
        public var index: Int = 1
        /// The column of the example's opening fence (where a new output block's fence goes).
        public var column: Int = 1
        /// The page's shared setup code, which runs before the example in the same scope.
        public var setup: Setup?

        /// The line of the example's opening fence.
        public var fenceLine: Int { line - 1 }
        /// The line of the example's closing fence (when the block is closed).
        var closingFenceLine: Int { line + code.filter { $0 == "\n" }.count }
        /// The id of the `n`-th (1-based) figure this example shows.
        func figureID(_ n: Int) -> String { "example-\(index)-\(n)" }
    }

    /// A ```` ```output ```` block: its text, and the line and column of its opening fence.
    public struct OutputBlock: Sendable, Equatable {
        /// The block's text.
        public var text: String
        /// The line of the opening fence.
        public var line: Int
        /// The column of the opening fence.
        public var column: Int = 1
        /// The line of the closing fence (when the block is closed).
        var closingFenceLine: Int { line + 1 + text.filter { $0 == "\n" }.count }
    }

    /// A page's ```` ```swift setup ```` block: code every example of the page runs first, so an
    /// 8-line configuration is written once rather than pasted into each example.
    public struct Setup: Sendable, Equatable {
        /// The article (display path).
        public var file: String
        /// The line of the first code line (after the fence).
        public var line: Int
        /// The code.
        public var code: String
    }

    /// The info string that marks a runnable example.
    static func isExample(_ info: String) -> Bool {
        let words = info.split(separator: " ")
        return words.first == "swift" && words.dropFirst().contains("example")
    }

    /// The info string of a page's shared setup.
    static func isSetup(_ info: String) -> Bool {
        let words = info.split(separator: " ")
        return words.first == "swift" && words.dropFirst().contains("setup") && !words.dropFirst().contains("example")
    }

    /// The info string of an expected-output block.
    static func isOutput(_ info: String) -> Bool {
        info.split(separator: " ").first == "output"
    }

    /// The examples and setup blocks of a page, in order.
    static func scan(_ page: Page) -> (examples: [Example], setups: [(setup: Setup, column: Int)]) {
        var found: [Example] = []
        var setups: [(Setup, Int)] = []
        func visit(_ blocks: [MarkdownBlock]) {
            for (index, block) in blocks.enumerated() {
                switch block {
                case let .codeBlock(info, literal, line, column) where isExample(info):
                    var expected: OutputBlock?
                    if index + 1 < blocks.count, case let .codeBlock(nextInfo, nextLiteral, nextLine, nextColumn) = blocks[index + 1], isOutput(nextInfo) {
                        expected = OutputBlock(text: nextLiteral, line: nextLine, column: nextColumn)
                    }
                    found.append(Example(file: page.displayPath, line: line + 1, code: literal, expected: expected,
                                         sourcePath: page.sourcePath, index: found.count + 1, column: column))
                case let .codeBlock(info, literal, line, column) where isSetup(info):
                    setups.append((Setup(file: page.displayPath, line: line + 1, code: literal), column))
                case let .blockQuote(children):
                    visit(children)
                case let .callout(_, _, children):
                    visit(children)
                case let .list(_, _, _, items):
                    items.forEach(visit)
                default:
                    continue
                }
            }
        }
        visit(page.blocks)
        if let setup = setups.first?.0 {
            for i in found.indices { found[i].setup = setup }
        }
        return (found, setups)
    }

    /// The examples of a parsed page, in order, each with the page's setup.
    public static func examples(in page: Page) -> [Example] {
        scan(page).examples
    }

    /// What is wrong with a page's examples before any is compiled: a second setup block (a page
    /// has one, which every example sees), or a setup that no example uses.
    public static func problems(in page: Page) -> [Diagnostic] {
        let (examples, setups) = scan(page)
        var diagnostics: [Diagnostic] = []
        if let first = setups.first {
            for extra in setups.dropFirst() {
                diagnostics.append(.error("example.setup", "a page has one ```swift setup block; the first is at line \(first.setup.line - 1)",
                                          at: SourceLocation(file: extra.setup.file, line: extra.setup.line - 1, column: extra.column),
                                          notes: ["merge the two into one; its code runs before every example of the page"]))
            }
            if examples.isEmpty {
                diagnostics.append(.warning("example.setup", "```swift setup block, but no ```swift example on the page runs it",
                                            at: SourceLocation(file: first.setup.file, line: first.setup.line - 1, column: first.column)))
            }
        }
        return diagnostics
    }

    /// The Swift package that compiles the examples.
    static func packageManifest(dependencyPath: String) -> String {
        let identity = URL(fileURLWithPath: dependencyPath).lastPathComponent
        return """
        // swift-tools-version:6.0
        // Generated by litmath check: the runnable examples of the site, compiled against DiffusionSchedulers.
        import PackageDescription

        let package = Package(
            name: "LitMathExamples",
            dependencies: [.package(path: \(literal(dependencyPath)))],
            targets: [
                .executableTarget(
                    name: "LitMathExamples",
                    dependencies: [
                        .product(name: "DiffusionSchedulers", package: \(literal(identity))),
                        .product(name: "LitMathFigures", package: \(literal(identity))),
                    ],
                    path: "Sources"
                ),
            ]
        )

        """
    }

    /// Code as it goes into the generated function: `import` is only allowed at file scope, so
    /// an import line is kept as a blank line and the lines still match the article's.
    static func functionBody(_ code: String) -> String {
        let body = code.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.trimmingCharacters(in: [" ", "\t"]).hasPrefix("import ") ? "" : String(line)
        }.joined(separator: "\n")
        return body + (body.hasSuffix("\n") ? "" : "\n")
    }

    /// One `main.swift` holding every example as a function, dispatched by its index. A page's
    /// setup code opens each of its examples' functions, so the example sees its declarations
    /// (and a compile error in it is reported at the setup's own lines).
    static func mainSource(_ examples: [Example]) -> String {
        var out = "// Generated by litmath check.\nimport DiffusionSchedulers\nimport Foundation\nimport LitMathFigures\n\n"
        for (i, example) in examples.enumerated() {
            out += "func litmathExample\(i)() throws {\n"
            if let setup = example.setup {
                out += "#sourceLocation(file: \(literal(setup.file)), line: \(setup.line))\n"
                out += functionBody(setup.code)
            }
            out += "#sourceLocation(file: \(literal(example.file)), line: \(example.line))\n"
            out += functionBody(example.code)
            out += "#sourceLocation()\n}\n\n"
        }
        out += "let litmathIndex = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? -1 : -1\n"
        out += "do {\n    switch litmathIndex {\n"
        for i in examples.indices { out += "    case \(i): try litmathExample\(i)()\n" }
        out += "    default: FileHandle.standardError.write(Data(\"no example \\(litmathIndex)\\n\".utf8)); exit(2)\n    }\n"
        out += "} catch {\n    print(\"uncaught error: \\(error)\")\n    exit(1)\n}\n"
        return out
    }

    static func literal(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Output compared without trailing spaces on lines and trailing blank lines.
    static func normalized(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingTrailingWhitespace() }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// What one example did when it ran.
    struct ExampleRun: Sendable {
        /// The example.
        var example: Example
        /// Why it failed (timed out, printed too much, exited non-zero), as a finding's message; nil when it succeeded.
        var failure: String?
        /// What it printed, without its figure lines.
        var text: String
        /// The figures it showed, in order; those that cannot be shown are in `figureProblems` instead.
        var figures: [ShownFigure]
        /// Why a figure it showed cannot be recorded or drawn (a NaN, rows of different lengths).
        var figureProblems: [String]

        /// Where findings about the example are reported: its opening fence.
        var location: SourceLocation { SourceLocation(file: example.file, line: example.fenceLine, column: example.column) }
    }

    /// The outcome of compiling and running the examples.
    enum Outcome {
        /// The package did not compile: findings at the articles' lines.
        case compileFailed([Verifier.Finding])
        /// Each example ran, in order.
        case ran([ExampleRun])
    }

    /// Splits an example's output into its text and its figures (lines starting with the marker).
    static func split(_ output: String) -> (text: String, figures: [ShownFigure], problems: [String]) {
        var text: [Substring] = [], figures: [ShownFigure] = [], problems: [String] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix(ShownFigure.marker) else { text.append(line); continue }
            let number = figures.count + problems.count + 1
            do {
                let figure = try ShownFigure.decode(String(line.dropFirst(ShownFigure.marker.count)))
                let invalid = ExampleFigures.problems(figure)
                if invalid.isEmpty { figures.append(figure) } else { problems += invalid.map { "figure \(number): \($0)" } }
            } catch {
                problems.append("figure \(number): the line after '\(ShownFigure.marker.trimmingCharacters(in: .whitespaces))' is not a figure")
            }
        }
        return (text.joined(separator: "\n"), figures, problems)
    }

    /// Compiles every example into one package and runs each in its own process, or throws when
    /// the toolchain cannot be run.
    static func compileAndRun(_ examples: [Example], packageRoot: URL, workDirectory: URL, limits: Limits = Limits(),
                              log: (String) -> Void) throws -> Outcome {
        guard !examples.isEmpty else { return .ran([]) }
        let fm = FileManager.default
        let package = workDirectory.appendingPathComponent("package")
        let sources = package.appendingPathComponent("Sources")
        try fm.createDirectory(at: sources, withIntermediateDirectories: true)
        // Write only what changed, so the package build stays incremental.
        func update(_ url: URL, _ text: String) throws {
            if fm.contents(atPath: url.path) != Data(text.utf8) { try Data(text.utf8).write(to: url) }
        }
        try update(package.appendingPathComponent("Package.swift"), packageManifest(dependencyPath: packageRoot.standardizedFileURL.path))
        try update(sources.appendingPathComponent("main.swift"), mainSource(examples))

        log("compiling \(examples.count) Swift example\(examples.count == 1 ? "" : "s")…\n")
        let scratch = workDirectory.appendingPathComponent("build")
        let command = ["swift", "build", "--package-path", package.path, "--scratch-path", scratch.path, "--product", "LitMathExamples"]
        var build = try run(command, timeout: 1800, outputLimit: buildOutputLimit)
        // SwiftPM can keep a stale build plan for a path dependency whose files were added or
        // removed ("missing inputs"); a failure that names no example line gets one clean retry.
        let files = Set(examples.map(\.file))
        if build.status != 0, !build.output.split(separator: "\n").contains(where: { line in files.contains { line.contains($0 + ":") } }) {
            try? fm.removeItem(at: scratch)
            build = try run(command, timeout: 1800, outputLimit: buildOutputLimit)
        }
        if build.status != 0 {
            var findings: [Verifier.Finding] = []
            for line in build.output.split(separator: "\n") where line.contains(": error: ") {
                let text = String(line)
                guard let file = files.first(where: { text.hasPrefix($0 + ":") || text.contains("/" + $0 + ":") }) else { continue }
                let rest = text[text.range(of: file + ":")!.upperBound...]
                let parts = rest.split(separator: ":", maxSplits: 2)
                let lineNumber = parts.count > 0 ? Int(parts[0]) : nil
                let column = parts.count > 1 ? Int(parts[1]) : nil
                let message = text.components(separatedBy: ": error: ").dropFirst().joined(separator: ": error: ")
                let finding = Verifier.Finding(article: file, directive: nil,
                                               location: lineNumber.map { SourceLocation(file: file, line: $0, column: column ?? 1) },
                                               message: "Swift example does not compile: \(message)")
                // An error in a page's setup is compiled once per example: reported once.
                if !findings.contains(finding) { findings.append(finding) }
            }
            if findings.isEmpty {
                findings.append(Verifier.Finding(article: examples[0].file, directive: nil, location: nil,
                                                 message: "the Swift examples do not build:\n" + build.output.suffix(3000)))
            }
            return .compileFailed(findings)
        }
        let binary = scratch.appendingPathComponent("debug/LitMathExamples")
        var runs: [ExampleRun] = []
        for (i, example) in examples.enumerated() {
            let result = try run([binary.path, String(i)], timeout: limits.timeout, outputLimit: limits.output)
            var failure: String?
            if result.timedOut {
                failure = "Swift example did not finish within \(Self.seconds(limits.timeout)) and was stopped"
            } else if result.exceededLimit {
                failure = "Swift example printed more than \(Self.byteCount(limits.output)) and was stopped; it began:\n" + result.output.prefix(500)
            } else if result.status != 0 {
                failure = "Swift example exited with status \(result.status):\n" + result.output.suffix(2000)
            }
            let (text, figures, problems) = split(result.output)
            runs.append(ExampleRun(example: example, failure: failure, text: text, figures: figures, figureProblems: problems))
        }
        return .ran(runs)
    }

    /// Compiles and runs `examples`; returns findings (compile errors at the article's lines,
    /// output mismatches at the output block, figures that differ from those recorded in
    /// `recorded`, by article path), or throws when the toolchain cannot be run.
    static func verify(_ examples: [Example], packageRoot: URL, workDirectory: URL, limits: Limits = Limits(),
                       recorded: [String: [RecordedFigure]] = [:], log: (String) -> Void) throws -> [Verifier.Finding] {
        switch try compileAndRun(examples, packageRoot: packageRoot, workDirectory: workDirectory, limits: limits, log: log) {
        case let .compileFailed(findings):
            return findings
        case let .ran(runs):
            return findings(runs, recorded: recorded)
        }
    }

    /// What differs between the examples' runs and the article (output blocks) and its recorded figures.
    static func findings(_ runs: [ExampleRun], recorded: [String: [RecordedFigure]]) -> [Verifier.Finding] {
        var findings: [Verifier.Finding] = []
        for run in runs {
            let example = run.example
            if let failure = run.failure {
                findings.append(Verifier.Finding(article: example.file, directive: nil, location: run.location, message: failure))
                continue
            }
            for problem in run.figureProblems {
                findings.append(Verifier.Finding(article: example.file, directive: nil, location: run.location, message: "Swift example \(problem)"))
            }
            findings += ExampleFigures.compare(run, recorded: recorded[example.sourcePath] ?? [])
            guard let expected = example.expected else {
                // An example that only shows figures needs no output block.
                if normalized(run.text).isEmpty && !run.figures.isEmpty { continue }
                findings.append(Verifier.Finding(article: example.file, directive: nil, location: run.location,
                                                 message: "Swift example has no ```output block after it; it printed:\n" + run.text))
                continue
            }
            if normalized(run.text) != normalized(expected.text) {
                findings.append(Verifier.Finding(article: example.file, directive: nil,
                                                 location: SourceLocation(file: example.file, line: expected.line, column: 1),
                                                 message: "Swift example output differs:\n" + diff(expected: normalized(expected.text), actual: normalized(run.text))))
            }
        }
        return findings
    }

    /// How long one example may run and how much it may print, before it is stopped and the
    /// check fails: an example that loops or prints forever must not hang or exhaust `check`.
    public struct Limits: Sendable {
        /// Seconds one example may run.
        public var timeout: TimeInterval
        /// Bytes one example may print (standard output and error together).
        public var output: Int

        /// The limits of `litmath check`: 60 s and 1 MiB per example.
        public init(timeout: TimeInterval = 60, output: Int = 1 << 20) {
            self.timeout = timeout
            self.output = output
        }
    }

    /// `60 s`, `1.5 s`.
    static func seconds(_ t: TimeInterval) -> String {
        t == t.rounded() ? "\(Int(t)) s" : "\(t) s"
    }

    /// A line diff: `- expected` / `+ actual` for lines that differ.
    static func diff(expected: String, actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false), a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(e.count, a.count) {
            let x = i < e.count ? String(e[i]) : nil, y = i < a.count ? String(a[i]) : nil
            if x == y { out.append("      \(x ?? "")"); continue }
            if let x { out.append("    - \(x)") }
            if let y { out.append("    + \(y)") }
        }
        return out.joined(separator: "\n")
    }

    struct RunResult {
        var status: Int32
        var output: String
        var timedOut: Bool
        var exceededLimit: Bool
    }

    /// Most output kept of the compiler: far more than any real error list, and a bound all the same.
    static let buildOutputLimit = 16 << 20

    /// Runs a command (looked up on PATH) with stdout and stderr captured together, at most
    /// `outputLimit` bytes of it, in a session of its own that is killed when the time is
    /// up, when it prints too much, or once the command has exited (what it left running behind).
    static func run(_ arguments: [String], timeout: TimeInterval, outputLimit: Int) throws -> RunResult {
        let result = try ChildProcess(arguments, timeout: timeout, outputLimit: outputLimit).run()
        return RunResult(status: result.status ?? 128 + (result.signal ?? 0), output: String(decoding: result.output, as: UTF8.self),
                         timedOut: result.timedOut, exceededLimit: result.exceededLimit)
    }

    /// `1 MiB`, `512 KiB`, `100 bytes`: a limit as the findings state it.
    static func byteCount(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    /// The package whose `DiffusionSchedulers` the examples use: the nearest folder at or above
    /// `start` whose Package.swift declares it (`LITMATH_PACKAGE` overrides).
    static func findPackageRoot(from start: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let explicit = environment["LITMATH_PACKAGE"] { return URL(fileURLWithPath: explicit) }
        var folder = start.standardizedFileURL
        while true {
            let manifest = folder.appendingPathComponent("Package.swift")
            if let data = FileManager.default.contents(atPath: manifest.path),
               String(decoding: data, as: UTF8.self).contains("\"DiffusionSchedulers\"") {
                return folder
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }
}
