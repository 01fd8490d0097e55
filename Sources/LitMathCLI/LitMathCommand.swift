import ArgumentParser
import Foundation
import LitMath

@main
struct LitMathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "litmath",
        abstract: "Build a documentation site whose math is executed: scheduler directives in Markdown become plots, tables and numbers.",
        subcommands: [Build.self, Serve.self],
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

    func run() throws {
        let action = BuildAction(
            content: URL(fileURLWithPath: content),
            output: URL(fileURLWithPath: output),
            showsProgress: isatty(STDERR_FILENO) != 0,
            log: { FileHandle.standardError.write(Data($0.utf8)) })
        let status = action.run()
        if status != 0 { throw ExitCode(status) }
    }
}
