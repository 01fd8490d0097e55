import Foundation
import Testing
@testable import LitMath
#if canImport(Glibc)
import Glibc
#endif

/// What the processes litmath starts and the files it touches must never do: outlive it, fill
/// its memory, hang it, be readable by others, or delete what is not litmath's.
enum Safety {
    /// A live process of the machine (zombies left out: they hold nothing and run nothing).
    struct Live: CustomStringConvertible {
        var pid: pid_t
        var name: String
        var description: String { "\(pid) \(name)" }
    }

    /// Processes whose environment holds `marker`: litmath passes its environment to its
    /// children, so a marker given to litmath finds every process it started.
    static func processes(withEnvironment marker: String) -> [Live] {
        let needle = Data(marker.utf8)
        return live().filter { process in
            guard let environment = FileManager.default.contents(atPath: "/proc/\(process.pid)/environ") else { return false }
            return environment.split(separator: 0).contains { Data($0) == needle }
        }
    }

    /// Processes whose command line has `argument` among its arguments.
    static func processes(withArgument argument: String) -> [Live] {
        live().filter { process in
            guard let line = FileManager.default.contents(atPath: "/proc/\(process.pid)/cmdline") else { return false }
            return line.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == argument }
        }
    }

    /// Every process that is not a zombie.
    static func live() -> [Live] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> Live? in
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            guard state != "Z" else { return nil }
            return Live(pid: pid, name: String(stat[stat.index(after: open)..<close]))
        }
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` seconds pass.
    static func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }

    /// A field of /proc/<pid>/status in bytes (VmRSS, VmHWM).
    static func memory(_ field: String, of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    /// Starts the `litmath` executable in `directory` with extra environment; output collected.
    static func launch(_ arguments: [String], in directory: URL, environment extra: [String: String]) throws -> (Process, ServeCommandTests.Output) {
        let process = Process()
        process.executableURL = try ServeCommandTests.executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = ServeCommandTests.Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try process.run()
        return (process, output)
    }

    /// The `litmath-tmp-*` folders in `directory`, with their permission bits.
    static func temporaryFolders(in directory: URL) -> [(name: String, mode: Int)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(PrivateTemporaryFolder.prefix) }.sorted().map { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)
            return (name, (attributes?[.posixPermissions] as? NSNumber)?.intValue ?? -1)
        }
    }

    /// An article with many distinct formulas, so node typesets for seconds: long enough to be
    /// caught running.
    static func slowArticle(formulas: Int) -> String {
        "# Many formulas\n\n" + (0..<formulas).map { "Formula $x_{\($0)} + \\frac{\($0)}{y}$.\n" }.joined()
    }
}

@Suite("bless deletes only what it wrote, and a failed bless writes nothing")
struct BlessSafetyTests {
    static let draft = """
    ---
    title: Not yet
    draft: true
    ---

    # Not yet

    ```scheduler table
    t: [0, 999]
    columns:
      - {label: "linear", quantity: alpha_cumprod}
    ```
    """

    @Test("A draft's expectations and a README in _expected/ stay byte for byte; an orphan litmath wrote is removed, and check names only it")
    func leavesOthersAlone() throws {
        let project = try VerifyTests.Project(["index.md": VerifyTests.article, "draft.md": Self.draft])
        defer { try? FileManager.default.removeItem(at: project.root) }
        // What bless wrote for the draft before it became one, an author's README, and the
        // expectations of an article since deleted.
        let draftExpectations = Expectations(entries: [.init(id: "table-1", tolerance: .standard, records: [
            .init(key: "linear", summary: nil, samples: [("t=0", 0.9999), ("t=999", 4.0358e-05)]),
        ])]).text(for: "content/draft.md")
        let readme = "What these files are: see `litmath bless --help`.\n"
        let gone = Expectations(entries: []).text(for: "content/gone.md")
        try TestSite.write(["_expected/draft.txt": draftExpectations, "_expected/README.txt": readme, "_expected/sub/gone.txt": gone], to: project.content)
        #expect(project.build().0 == 0)

        let (status, log) = project.bless()
        #expect(status == 0, "\(log)")
        #expect(try project.read("_expected/draft.txt") == draftExpectations, "a draft's expectations are not an orphan's")
        #expect(try project.read("_expected/README.txt") == readme, "a file litmath did not write is never deleted")
        #expect(!FileManager.default.fileExists(atPath: project.content.appendingPathComponent("_expected/sub/gone.txt").path))
        #expect(log.contains("gone.txt (its article no longer exists)"), "\(log)")
        #expect(!log.contains("README") && !log.contains("draft.txt"), "\(log)")
        #expect(try project.read("_expected/index.txt").hasPrefix(Expectations.headerStart))

        // check reports a real orphan of litmath's, never the README or the draft's file.
        try TestSite.write(["_expected/gone.txt": gone], to: project.content)
        let (checkStatus, checkLog) = project.check()
        #expect(checkStatus == 1)
        #expect(checkLog.contains("gone.txt") && checkLog.contains("expectations for an article that no longer exists"), "\(checkLog)")
        #expect(!checkLog.contains("README") && !checkLog.contains("draft.txt"), "\(checkLog)")
    }

    @Test("A bless that fails on the content changes no file of the content folder")
    func failedBlessWritesNothing() throws {
        // A drifted pin and an orphan bless would fix, and an article with an error.
        let drifted = VerifyTests.article.replacingOccurrences(of: "= 4.036e-05`", with: "= 4.100e-05`")
        let broken = "# Broken\n\n```scheduler table\nt: [0]\ncolumns:\n  - {label: x, quantity: alpha_cumprod, beta_shedule: linear}\n```\n"
        let project = try VerifyTests.Project(["a.md": drifted, "z.md": broken])
        defer { try? FileManager.default.removeItem(at: project.root) }
        try TestSite.write(["_expected/gone.txt": Expectations(entries: []).text(for: "content/gone.md")], to: project.content)
        let before = try TestSite.snapshot(project.content)
        #expect(before.count == 3)

        let (status, log) = project.bless()
        #expect(status == 1, "\(log)")
        #expect(log.contains("z.md:6:"), "the error is reported at its line: \(log)")
        #expect(log.contains("nothing was changed"))
        #expect(try TestSite.snapshot(project.content) == before, "every byte of every file as before")
    }

    @Test("A write that fails part way says what was changed and what was not")
    func failedWriteIsReported() throws {
        // a.md: a drifted pin and no directive (its rewrite comes first); b.md: directives whose
        // expectations cannot be written, because `_expected` is a file, not a folder.
        let pinOnly = "# A\n\nLinear keeps {value}`DDPM(beta_schedule: linear).alpha_cumprod[999] = 4.100e-05`.\n"
        let project = try VerifyTests.Project(["a.md": pinOnly, "b.md": VerifyTests.article, "_expected": "not a folder\n"])
        defer { try? FileManager.default.removeItem(at: project.root) }
        let (status, log) = project.bless()
        #expect(status == 2)
        #expect(log.contains("error: bless could not write") && log.contains("_expected/b.txt"), "\(log)")
        #expect(log.contains("already changed: ") && log.contains("a.md"), "\(log)")
        #expect(log.contains("not changed: ") && log.contains("_expected/b.txt"), "\(log)")
        #expect(try project.read("a.md").contains("= 4.036e-05`"), "the change reported as made was made")
        #expect(try project.read("_expected") == "not a folder\n")
    }

    @Test("Only files that begin with bless's own header count as litmath's")
    func recognisesItsHeader() {
        let ours = Expectations(entries: []).text(for: "content/x.md")
        #expect(Expectations.isWrittenByLitmath(ours))
        #expect(!Expectations.isWrittenByLitmath("notes\n"))
        #expect(!Expectations.isWrittenByLitmath(("# notes\n" + ours)), "the header must be the first line")
        #expect(!Expectations.isWrittenByLitmath(""))
    }
}

@Suite("Child processes and temporary folders die with litmath", .serialized)
struct ChildProcessSafetyTests {
    /// A content folder whose build keeps node busy for seconds, a private TMPDIR, and a marker.
    struct SlowBuild {
        let root: URL
        let temporary: URL
        let marker = "LITMATH_TEST_MARK=\(UUID().uuidString)"

        init() throws {
            root = try TestSite.temporaryDirectory()
            temporary = root.appendingPathComponent("tmp")
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
            try TestSite.write(["index.md": Safety.slowArticle(formulas: 20_000)], to: root.appendingPathComponent("content"))
        }

        var environment: [String: String] {
            let parts = marker.split(separator: "=", maxSplits: 1).map(String.init)
            return ["TMPDIR": temporary.path, parts[0]: parts[1]]
        }

        /// Starts `litmath build` and waits (bounded) until node runs under it.
        func startAndWaitForNode() throws -> (Process, ServeCommandTests.Output, [Safety.Live]) {
            let (build, output) = try Safety.launch(["build", "--no-cache"], in: root, environment: environment)
            var node: [Safety.Live] = []
            let found = Safety.waitUntil(timeout: 120) {
                node = Safety.processes(withEnvironment: marker).filter { $0.pid != build.processIdentifier }
                return !node.isEmpty || !build.isRunning
            }
            try #require(found && !node.isEmpty, "node started under litmath build: \(output.value)")
            return (build, output, node)
        }
    }

    @Test("SIGKILL of litmath build takes its node with it within 2 s; its 0700 temp folder is removed by the next run")
    func killedBuildLeavesNothingRunning() throws {
        let slow = try SlowBuild()
        defer { try? FileManager.default.removeItem(at: slow.root) }
        let (build, output, node) = try slow.startAndWaitForNode()
        defer { if build.isRunning { kill(build.processIdentifier, SIGKILL) } }
        #expect(node.allSatisfy { $0.name == "node" || $0.name == "nodejs" }, "\(node)")

        // The folder holding the formulas is private from the start.
        let folders = Safety.temporaryFolders(in: slow.temporary)
        #expect(!folders.isEmpty, "node reads its input from a litmath-tmp folder")
        #expect(folders.allSatisfy { $0.mode == 0o700 }, "\(folders.map { "\($0.name) \(String($0.mode, radix: 8))" })")
        #expect(folders.allSatisfy { $0.name.hasPrefix("\(PrivateTemporaryFolder.prefix)\(build.processIdentifier)-") })

        kill(build.processIdentifier, SIGKILL)
        build.waitUntilExit()
        let gone = Safety.waitUntil(timeout: 2) { Safety.processes(withEnvironment: slow.marker).isEmpty }
        #expect(gone, "still running 2 s after litmath was killed: \(Safety.processes(withEnvironment: slow.marker)); \(output.value)")

        // SIGKILL cannot be caught: the folder stays until the next litmath run clears it.
        #expect(!Safety.temporaryFolders(in: slow.temporary).isEmpty)
        try TestSite.write(["index.md": "# Small\n\n$x$\n"], to: slow.root.appendingPathComponent("content"))
        let (next, nextOutput) = try Safety.launch(["build", "--no-cache"], in: slow.root, environment: slow.environment)
        next.waitUntilExit()
        #expect(next.terminationStatus == 0, "\(nextOutput.value)")
        #expect(Safety.temporaryFolders(in: slow.temporary).isEmpty, "the dead run's folder is removed, and the new run's too")
    }

    @Test("SIGTERM of litmath build ends its node and removes its temp folder before it exits")
    func terminatedBuildCleansUp() throws {
        let slow = try SlowBuild()
        defer { try? FileManager.default.removeItem(at: slow.root) }
        let (build, output, _) = try slow.startAndWaitForNode()
        defer { if build.isRunning { kill(build.processIdentifier, SIGKILL) } }
        kill(build.processIdentifier, SIGTERM)
        #expect(Safety.waitUntil(timeout: 5) { !build.isRunning }, "exits on SIGTERM")
        build.waitUntilExit()
        #expect(build.terminationReason == .exit && build.terminationStatus == 128 + SIGTERM, "\(output.value)")
        #expect(Safety.waitUntil(timeout: 2) { Safety.processes(withEnvironment: slow.marker).isEmpty },
                "\(Safety.processes(withEnvironment: slow.marker))")
        #expect(Safety.temporaryFolders(in: slow.temporary).isEmpty)
    }

    @Test("ChildProcess: an output flood is cut at the limit, and a background child holding the pipe neither hangs the wait nor survives it")
    func childProcessBounds() throws {
        let started = Date()
        let flood = try ChildProcess(["yes", "spam"], timeout: 30, outputLimit: 1 << 20).run()
        #expect(flood.exceededLimit && !flood.timedOut)
        #expect(flood.output.count == 1 << 20)
        #expect(Date().timeIntervalSince(started) < 10)

        // The shell exits at once; the sleep it left behind holds stdout open.
        let tag = "1000.\(Int.random(in: 100_000...999_999))"
        let heldStart = Date()
        let held = try ChildProcess(["sh", "-c", "sleep \(tag) & echo started"], timeout: 30).run()
        #expect(held.status == 0 && !held.timedOut)
        #expect(String(decoding: held.output, as: UTF8.self) == "started\n")
        #expect(Date().timeIntervalSince(heldStart) < 5, "does not wait for the pipe's end")
        #expect(Safety.waitUntil(timeout: 2) { Safety.processes(withArgument: tag).isEmpty }, "the background sleep is killed with its group")

        let slow = try ChildProcess(["sh", "-c", "sleep \(tag) & sleep \(tag)"], timeout: 1).run()
        #expect(slow.timedOut && slow.signal == SIGKILL)
        #expect(Safety.waitUntil(timeout: 2) { Safety.processes(withArgument: tag).isEmpty })
    }
}

@Suite("litmath check: Swift examples that flood, hang or leave children behind")
struct SwiftExampleSafetyTests {
    @Test("A flood fails with 'printed more than 1 MiB'; a hang stops at the timeout; a child left holding the pipe neither blocks check nor survives it")
    func boundedExamples() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        // Its own package folder: the other examples test rewrites the shared one concurrently.
        let work = TestSite.packageRoot.appendingPathComponent(".build/litmath-test-examples-safety")
        let tag = "1000.\(Int.random(in: 100_000...999_999))"
        let article = """
        # Misbehaving examples

        ```swift example
        while true { print("spam spam spam spam") }
        ```

        ```output
        ```

        ```swift example
        import Foundation
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["\(tag)"]
        try sleeper.run()
        print("started")
        ```

        ```output
        started
        ```

        ```swift example
        import Foundation
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sleep")
        holder.arguments = ["\(tag)"]
        try holder.run()
        while true { Thread.sleep(forTimeInterval: 0.001) }
        ```

        ```output
        ```

        """
        try TestSite.write(["e.md": article], to: content)
        #expect(BuildAction(content: content, output: site, log: { _ in }).run() == 0)

        func check() -> (Int32, String, TimeInterval) {
            let log = TestLog()
            var action = CheckAction(content: content, output: site, examplesDirectory: work, packageRoot: TestSite.packageRoot, log: { log.append($0) })
            action.exampleLimits = SwiftExamples.Limits(timeout: 3, output: 1 << 20)
            let started = Date()
            let status = action.run()
            return (status, log.value, Date().timeIntervalSince(started))
        }
        // The first check compiles the package (minutes, once); the second only runs the examples.
        _ = check()
        let (status, log, seconds) = check()
        #expect(status == 1)
        #expect(log.contains("content/e.md:3:1: Swift example printed more than 1 MiB and was stopped; it began:"), "\(log)")
        #expect(log.contains("spam spam spam spam"))
        #expect(log.contains("content/e.md:23:1: Swift example did not finish within 3 s and was stopped"), "\(log)")
        #expect(!log.contains("content/e.md:10:1"), "the example that printed 'started' and left a sleep behind passes: \(log)")
        #expect(log.contains("check failed: 2 differences"), "\(log)")
        // One timeout of 3 s, two runs cut short, and an up-to-date compile: far from 60 s per example.
        #expect(seconds < 45, "check took \(seconds) s")
        #expect(Safety.waitUntil(timeout: 2) { Safety.processes(withArgument: tag).isEmpty },
                "no sleep an example started survives check: \(Safety.processes(withArgument: tag))")
    }
}

@Suite("litmath serve shares a page's bytes between parallel requests")
struct ServeMemoryTests {
    @Test("12 parallel requests for a 20 MB page grow the server's memory by less than two pages")
    func parallelRequestsShareThePage() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content")
        try TestSite.write(["index.md": "# Home\n\nHello.\n"], to: content)
        let line = String(repeating: "x", count: 99) + "\n"
        let pageSize = 20 << 20
        let big = "<!DOCTYPE html><html><body>\n" + String(repeating: line, count: pageSize / line.utf8.count) + "</body></html>\n"
        try Data(big.utf8).write(to: content.appendingPathComponent("big.html"))

        let (server, output) = try Safety.launch(["serve", "--port", "0"], in: root, environment: [:])
        defer { if server.isRunning { server.terminate(); server.waitUntilExit() } }
        let address = try #require(output.wait(for: #"http://127\.0\.0\.1:[0-9]+/"#, timeout: 60), "\(output.value)")
        let port = try #require(UInt16(address.dropFirst("http://127.0.0.1:".count).dropLast()))
        let pid = server.processIdentifier
        // One request first, so what any request needs once (code pages, buffers) is counted before.
        let warmUp = try LoopbackHTTP.request("GET", "/big.html", port: port, timeout: 30)
        #expect(warmUp.status == 200 && warmUp.body.utf8.count > big.utf8.count)
        let before = try #require(Safety.memory("VmRSS", of: pid))
        // Resets VmHWM to the current RSS, so the peak read afterwards is that of these requests
        // alone, not of the first build.
        try Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/\(pid)/clear_refs"))

        // All requests sent before any answer is read: the server prepares every response at once
        // and waits in send() with it, which is when per-request copies would all be alive.
        let count = 12
        let sockets = try (0..<count).map { _ in try LoopbackHTTP.connect(port: port) }
        defer { sockets.forEach { close($0) } }
        for fd in sockets { try LoopbackHTTP.send(fd, "GET /big.html HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n") }
        Thread.sleep(forTimeInterval: 1.5)
        let during = try #require(Safety.memory("VmRSS", of: pid))
        var received: [Int] = []
        for fd in sockets {
            var bytes = 0
            let deadline = Date(timeIntervalSinceNow: 30)
            while let chunk = try LoopbackHTTP.read(fd, until: deadline), Date() < deadline { bytes += chunk.count }
            received.append(bytes)
        }
        let peak = try #require(Safety.memory("VmHWM", of: pid))
        #expect(received.allSatisfy { $0 > big.utf8.count }, "every response complete: \(received)")
        let growth = max(during, peak) - before
        #expect(growth < 2 * pageSize, "grew by \(growth >> 20) MiB for \(count) requests of a \(pageSize >> 20) MiB page (before \(before >> 20) MiB, during \(during >> 20) MiB, peak \(peak >> 20) MiB)")
    }
}
