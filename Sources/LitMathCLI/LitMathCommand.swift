import ArgumentParser
import Foundation
import LitMath

@main
struct LitMathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "litmath",
        abstract: "Build a documentation site whose math is executed: scheduler directives in Markdown become plots, tables and numbers.",
        version: "0.1.0",
        subcommands: [Build.self, Serve.self, Check.self, Bless.self],
        defaultSubcommand: nil
    )
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the site from Markdown articles.",
        discussion: """
        Reads every *.md file in the content folder, runs its scheduler directives against \
        DiffusionSchedulers, typesets its math with KaTeX and writes static HTML to the output \
        folder. Nothing is written unless the whole build succeeds.

        Exit status: 0 built; 1 the content has errors; 2 setup or usage errors.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The folder of Markdown articles.", valueName: "dir"))
    var content: String = "content"

    @Option(name: .long, help: ArgumentHelp("The folder to write the site into (replaced as a whole).", valueName: "dir"))
    var output: String = "site"

    @Option(name: .long, help: ArgumentHelp("The cache of typeset formulas and directive results.", valueName: "dir"))
    var cache: String = ".litmath-cache"

    @Flag(name: .long, help: "Do not read or write the cache.")
    var noCache = false

    @Flag(name: .long, help: "Empty the cache first: a full build.")
    var clean = false

    func run() throws {
        Cleanup.removeLeftovers()
        Cleanup.onInterruptCleanUpAndExit()
        let action = BuildAction(
            content: URL(fileURLWithPath: content),
            output: URL(fileURLWithPath: output),
            cache: noCache ? nil : URL(fileURLWithPath: cache),
            clean: clean,
            showsProgress: isatty(STDERR_FILENO) != 0,
            log: { FileHandle.standardError.write(Data($0.utf8)) })
        let status = action.run()
        if status != 0 { throw ExitCode(status) }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify that every number the site shows is still what the library computes.",
        discussion: """
        Rebuilds in memory and writes nothing. Fails when a pinned inline value no longer rounds \
        to what is written, when a directive's values drift from those recorded in \
        content/_expected/ beyond their tolerance, when a formula does not typeset, a link or \
        anchor is broken, or the output folder is not what 'build' would write now. Differences \
        are grouped by article and directive, as old → new (relative change).

        Runnable Swift examples are compiled against the DiffusionSchedulers of a package: \
        --package DIR, else the folder named by the environment variable LITMATH_PACKAGE, else the \
        nearest folder at or above the content folder whose Package.swift declares \
        DiffusionSchedulers (outside the repository, pass one of the first two).

        Exit status: 0 everything current; 1 differences or content errors; 2 setup errors.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The folder of Markdown articles.", valueName: "dir"))
    var content: String = "content"

    @Option(name: .long, help: ArgumentHelp("The built site to compare with.", valueName: "dir"))
    var output: String = "site"

    @Flag(name: .long, help: "Do not compile and run the runnable Swift examples.")
    var noExamples = false

    @Option(name: .long, help: ArgumentHelp(
        "The folder of the package (its Package.swift declares DiffusionSchedulers) that the Swift examples are compiled against. Default: $LITMATH_PACKAGE when set, else the nearest such folder at or above the content folder.",
        valueName: "dir"))
    var package: String?

    func run() throws {
        Cleanup.removeLeftovers()
        Cleanup.onInterruptCleanUpAndExit()
        var action = CheckAction(content: URL(fileURLWithPath: content), output: URL(fileURLWithPath: output),
                                 packageRoot: package.map { URL(fileURLWithPath: $0) },
                                 log: { FileHandle.standardError.write(Data($0.utf8)) })
        action.command = Invocation.command(argv0: CommandLine.arguments[0])
        action.runsExamples = !noExamples
        let status = action.run()
        if status != 0 { throw ExitCode(status) }
    }
}

struct Bless: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the values the library computes now as the expected ones, and update drifted pins.",
        discussion: """
        Rewrites content/_expected/<article>.txt for every article with directives, and replaces \
        each pinned inline value that no longer holds with the computed number at the same \
        precision, changing nothing else in the file. Runs the runnable Swift examples: writes \
        what each printed into its ```output block (inserting one when it has none) and records \
        the tables and plots it showed. Prints what changed; with nothing to \
        change it writes nothing. Refuses to run when the CI environment variable is set, \
        unless --force is given.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The folder of Markdown articles.", valueName: "dir"))
    var content: String = "content"

    @Flag(name: .long, help: "Bless even when the CI environment variable is set.")
    var force = false

    func run() throws {
        Cleanup.removeLeftovers()
        Cleanup.onInterruptCleanUpAndExit()
        let status = BlessAction(content: URL(fileURLWithPath: content), force: force,
                                 log: { FileHandle.standardError.write(Data($0.utf8)) }).run()
        if status != 0 { throw ExitCode(status) }
    }
}
