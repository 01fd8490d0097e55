import ArgumentParser
import Dispatch
import Foundation
import LitMath

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Preview the site on 127.0.0.1, rebuilding and reloading the browser on every change.",
        discussion: """
        Builds the content folder in memory and serves it at http://127.0.0.1:<port>/ (loopback \
        only). When a file in the content folder changes, the site is rebuilt and open pages \
        reload by themselves. A build with errors prints them here and shows them over the page; \
        the last good build stays served until the errors are fixed. Ctrl-C stops the server.

        Nothing is written to disk unless --output is given: then every good build is also written \
        there, atomically, as 'litmath build' does. The live-reload script is added to served \
        pages only, never to files on disk.

        Exit status: 0 stopped with Ctrl-C; 2 the port is in use, or the content folder, KaTeX or \
        node is missing.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The port on 127.0.0.1 (0 picks a free one).", valueName: "port"))
    var port: UInt16 = 8000

    @Option(name: .long, help: ArgumentHelp("The folder of Markdown articles, watched for changes.", valueName: "dir"))
    var content: String = "content"

    @Option(name: .long, help: ArgumentHelp("Also write every good build into this folder (default: serve from memory, write nothing).", valueName: "dir"))
    var output: String?

    func run() throws {
        Cleanup.removeLeftovers()
        let action = ServeAction(
            content: URL(fileURLWithPath: content),
            output: output.map { URL(fileURLWithPath: $0) },
            port: port,
            log: { FileHandle.standardError.write(Data($0.utf8)) })
        let server: PreviewServer
        do {
            server = try action.start()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // Ctrl-C and SIGTERM stop the server cleanly: streams end, connections close.
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { server.stop() }
            source.resume()
            sources.append(source)
        }
        server.waitUntilStopped()
        // A rebuild may still be typesetting: its node and temporary folder go now, not with it.
        Cleanup.cleanUp()
        server.stop()
        sources.forEach { $0.cancel() }
        FileHandle.standardError.write(Data("stopped\n".utf8))
    }
}
