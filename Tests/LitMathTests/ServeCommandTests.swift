import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `litmath serve` command itself, as a process: what it prints, Ctrl-C, and exit codes.
@Suite("litmath serve, the command")
struct ServeCommandTests {
    /// The `litmath` executable that `swift test` built beside the test bundle.
    static func executable() throws -> URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for directory in [runner.deletingLastPathComponent(), runner.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("litmath")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw LoopbackHTTP.Failure(description: "no litmath executable beside \(runner.path)")
    }

    final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.lock(); text += String(decoding: data, as: UTF8.self); lock.unlock() }
        var value: String { lock.lock(); defer { lock.unlock() }; return text }

        /// Waits (bounded) until the output matches `pattern`; returns the match.
        func wait(for pattern: String, timeout: TimeInterval = 20) -> String? {
            let deadline = Date(timeIntervalSinceNow: timeout)
            while Date() < deadline {
                let text = value
                if let range = text.range(of: pattern, options: .regularExpression) { return String(text[range]) }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return nil
        }
    }

    func launch(_ arguments: [String], in directory: URL) throws -> (Process, Output) {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try process.run()
        return (process, output)
    }

    func waitForExit(_ process: Process, timeout: TimeInterval = 15) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); process.waitUntilExit(); return false }
        return true
    }

    @Test("Ctrl-C stops a running server cleanly with status 0; a second server on its port exits 2 with a clear message")
    func interruptAndPortInUse() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try TestSite.write(["index.md": "# Home\n\nHello $x_t$.\n"], to: root.appendingPathComponent("content"))

        let (server, output) = try launch(["serve", "--port", "0"], in: root)
        defer { if server.isRunning { server.terminate(); server.waitUntilExit() } }
        let address = try #require(output.wait(for: #"http://127\.0\.0\.1:[0-9]+/"#), "announces its address: \(output.value)")
        let port = try #require(UInt16(address.dropFirst("http://127.0.0.1:".count).dropLast()))
        #expect(output.value.contains("built 1 page"))
        #expect(try LoopbackHTTP.request("GET", "/", port: port).body.contains("Hello"))

        let (second, secondOutput) = try launch(["serve", "--port", "\(port)"], in: root)
        #expect(waitForExit(second))
        #expect(second.terminationStatus == 2)
        #expect(secondOutput.wait(for: "error: port \(port) on 127.0.0.1 is already in use") != nil, "\(secondOutput.value)")

        kill(server.processIdentifier, SIGINT)
        #expect(waitForExit(server), "stops within 15 s")
        #expect(server.terminationReason == .exit && server.terminationStatus == 0)
        #expect(output.wait(for: "stopped\n", timeout: 2) != nil)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("site").path), "serve writes nothing without --output")
    }
}
