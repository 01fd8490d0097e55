import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The output swap under hostile conditions, with the real `litmath build` as a process: killed
/// at random instants, run many times at once, pointed through symbolic links. Each test keeps a
/// sentinel folder beside the project and proves it unchanged, so nothing outside the output (and
/// its hidden siblings) is touched. Serialized: the kill test times builds, and the others would
/// slow it unevenly.
@Suite("Output swap", .serialized)
struct OutputSwapTests {
    /// One version of a small site: four articles with several formulas (typeset by KaTeX in node,
    /// since the builds run with `--no-cache`) and a scheduler table each, and `dataFiles` static
    /// files, so that writing the staging folder and removing the old site take a fair share of
    /// a build and random kills land there too. Version B changes every article and data file
    /// and adds an article, so the two sites differ in bytes and in file set.
    static func content(_ version: String, dataFiles: Int = 0) -> [String: String] {
        var files: [String: String] = [:]
        let padding = String(repeating: "0123456789abcdef", count: 64)
        for i in 0..<dataFiles { files["data/\(i / 50)/file\(i).txt"] = "version \(version), file \(i)\n\(padding)\n" }
        for i in 1...4 {
            files["a\(i).md"] = """
            # Article \(i), version \(version)

            The forward process $x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon$ \
            with $\\bar\\alpha_t = \\prod_{s=1}^{t} (1 - \\beta_s)$ and $\\epsilon \\sim \\mathcal{N}(0, I)$.

            $$\\sum_{k=1}^{\(i)} k^2 = \\frac{n(n+1)(2n+1)}{6}, \\qquad \\int_0^1 t^{\(i)}\\,dt = \\frac{1}{\(i + 1)}$$

            ```scheduler table
            t: [0, 250, 500, 999]
            columns: [beta, alpha_cumprod]
            ```

            """
        }
        if version == "B" { files["extra.md"] = "# Extra\n\nOnly in version B: $e^{i\\pi} + 1 = 0$.\n" }
        return files
    }

    /// Replaces the content folder `root/name` with `version`.
    static func writeContent(_ version: String, to root: URL, name: String = "content", dataFiles: Int = 0) throws {
        let folder = root.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: folder)
        try TestSite.write(content(version, dataFiles: dataFiles), to: folder)
    }

    /// A folder of someone else's files beside the project, which no build may touch.
    struct Sentinel {
        let folder: URL
        let listing: [String: String]
        let bytes: [String: Data]

        init(in root: URL) throws {
            folder = root.appendingPathComponent("sentinel")
            try TestSite.write(["notes.txt": "mine\n", "deep/er/data.csv": "1,2,3\n", ".site.new-1-0A1B2C3D/x": "a name like ours\n"], to: folder)
            listing = try BadContentTests.listing(folder)
            bytes = try TestSite.snapshot(folder)
        }

        /// Whether the sentinel still has exactly its files, bytes and modification times.
        var isUntouched: Bool {
            (try? BadContentTests.listing(folder)) == listing && (try? TestSite.snapshot(folder)) == bytes
        }
    }

    /// A running `litmath build` whose output (stdout and stderr) goes to a file.
    struct Run {
        let process: Process
        let log: URL

        /// Starts `litmath build` with `arguments` in `root`.
        init(_ arguments: [String], in root: URL) throws {
            log = FileManager.default.temporaryDirectory.appendingPathComponent("litmath-swap-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            defer { try? handle.close() }
            process = Process()
            process.executableURL = try ServeCommandTests.executable()
            process.arguments = ["build"] + arguments
            process.currentDirectoryURL = root
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        /// What the build has printed so far.
        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Waits for the end (killing the build after `limit` seconds); returns the exit status
        /// (`nil` when it ended by a signal or had to be killed) and everything it printed.
        @discardableResult
        func finish(limit: TimeInterval = 120) -> (status: Int32?, output: String) {
            let deadline = Date(timeIntervalSinceNow: limit)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let text = output
            try? FileManager.default.removeItem(at: log)
            return (process.terminationReason == .exit ? process.terminationStatus : nil, text)
        }
    }

    /// Runs one `litmath build` to its end.
    static func build(_ arguments: [String], in root: URL) throws -> (status: Int32?, output: String, seconds: Double) {
        let start = Date()
        let (status, output) = try Run(arguments, in: root).finish()
        return (status, output, Date().timeIntervalSince(start))
    }

    /// The arguments of a build of `content` into `output`.
    static func arguments(_ content: String = "content", into output: String = "site") -> [String] {
        ["--content", content, "--output", output, "--no-cache"]
    }

    /// The hidden entries beside an output called `name` in `root` (staging and retired folders,
    /// the lock file).
    static func hidden(_ root: URL, of name: String = "site") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".\(name).") }.sorted()
    }

    /// Whether `entry` is a staging or retired folder name the writer gives (`.site.new-<pid>-<hex>`).
    static func isSwapFolder(_ entry: String, of name: String = "site") -> Bool {
        entry.range(of: "^\\.\(name)\\.(new|old)-[0-9]+-[0-9A-F]{8}$", options: .regularExpression) != nil
    }

    /// A small seeded generator (SplitMix64), so a failing run's delays can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("SIGKILL at random instants: the output always holds the complete old or new site, and the next build tidies up")
    func randomKills() throws {
        let root = try TestSite.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: root) }
        let sentinel = try Sentinel(in: root)
        let dataFiles = 150

        // Both versions are written once (contentA, contentB) and builds switch between them:
        // rewriting 150 files per round costs more than the build on a busy disk. Reference
        // sites, built without interference; their durations set the kill window.
        var reference: [String: [String: Data]] = [:]
        var durations: [Double] = []
        for version in ["A", "B"] {
            try Self.writeContent(version, to: root, name: "content\(version)", dataFiles: dataFiles)
            let built = try Self.build(Self.arguments("content\(version)", into: "ref\(version)"), in: root)
            try #require(built.status == 0, "\(built.output)")
            reference[version] = try TestSite.snapshot(root.appendingPathComponent("ref\(version)"))
            durations.append(built.seconds)
        }
        try #require(reference["A"] != reference["B"] && Set(reference["A"]!.keys) != Set(reference["B"]!.keys))
        let first = try Self.build(Self.arguments("contentA"), in: root)
        try #require(first.status == 0, "\(first.output)")
        durations.append(first.seconds)
        var duration: Double { durations.suffix(3).reduce(0, +) / Double(durations.suffix(3).count) }

        let seed = ProcessInfo.processInfo.environment["LITMATH_KILL_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var generator = SeededGenerator(state: seed)
        print("random kills: seed \(seed) (set LITMATH_KILL_SEED to replay), build takes \(String(format: "%.3f", duration)) s")

        let kills = 50
        var outcomes: [String: Int] = [:]
        var state = "A"
        let site = root.appendingPathComponent("site")
        for index in 1...kills {
            if index % 10 == 1 && index > 1 {
                // Every tenth round, one build runs to its end: it must remove what the killed
                // ones left (lock file included), and its time keeps the kill window right while
                // the machine's load changes.
                let target = state == "A" ? "B" : "A"
                let built = try Self.build(Self.arguments("content\(target)"), in: root)
                #expect(built.status == 0, "\(built.output)")
                #expect(try TestSite.snapshot(site) == reference[target])
                #expect(try Self.hidden(root) == [], "a complete build left leftovers of killed ones")
                durations.append(built.seconds)
                state = target
            }
            let target = state == "A" ? "B" : "A"
            let earlier = Set(try Self.hidden(root))
            let delay = Double.random(in: 0...(1.2 * duration), using: &generator)
            let run = try Run(Self.arguments("content\(target)"), in: root)
            Thread.sleep(forTimeInterval: delay)
            kill(run.process.processIdentifier, SIGKILL)
            let status = run.finish().status

            let now = try TestSite.snapshot(site)
            let isOld = now == reference[state], isNew = now == reference[target]
            #expect(isOld || isNew, "kill \(index) after \(delay) s: 'site' holds neither the complete old (\(state)) nor the new (\(target)) site: \(now.count) files")
            let hidden = try Self.hidden(root)
            for entry in hidden {
                #expect(entry == ".site.lock" || Self.isSwapFolder(entry), "kill \(index): unexpected '\(entry)' beside the output")
            }
            let swapFolders = hidden.filter { Self.isSwapFolder($0) }
            #expect(swapFolders.count <= 1, "kill \(index): leftovers of earlier kills were not removed: \(swapFolders)")
            // This build's own staging folder (before the swap) or retired old site (after it).
            let own = swapFolders.filter { !earlier.contains($0) }
            let outcome: String
            if status != nil {
                #expect(status == 0 && isNew, "kill \(index): the build ended by itself with status \(String(describing: status))")
                outcome = "finished before the kill"
            } else if isOld {
                outcome = own.isEmpty ? "killed before writing" : "killed while writing the staging folder"
            } else {
                outcome = own.isEmpty ? "killed after the swap and clean-up" : "killed after the swap, while removing the old site"
            }
            outcomes[outcome, default: 0] += 1
            if isNew { state = target }
        }
        print("random kills: \(kills) builds, last window \(String(format: "%.3f", 1.2 * duration)) s: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        #expect(outcomes.values.reduce(0, +) == kills)
        #expect((outcomes["finished before the kill"] ?? 0) < kills, "no build was killed before its end: the window is wrong")

        // The next complete build removes what the last kill left, lock file included.
        let target = state == "A" ? "B" : "A"
        let last = try Self.build(Self.arguments("content\(target)"), in: root)
        #expect(last.status == 0, "\(last.output)")
        #expect(try TestSite.snapshot(site) == reference[target])
        #expect(try Self.hidden(root) == [])
        #expect(sentinel.isUntouched)
    }

    @Test("Leftovers of killed builds are removed by the next build, but only ours, and not while another build holds the lock")
    func leftovers() throws {
        let root = try TestSite.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: root) }
        let sentinel = try Sentinel(in: root)
        try Self.writeContent("A", to: root)
        let first = try Self.build(Self.arguments(), in: root)
        try #require(first.status == 0, "\(first.output)")
        let site = root.appendingPathComponent("site")
        let siteA = try TestSite.snapshot(site)
        let marker = [".litmath-output": "This folder is written by litmath and replaced as a whole on every build.\n"]

        // What killed builds leave: a staging folder (marker first), a retired old site of the
        // two-rename fallback, a staging folder killed before its marker, and the lock file.
        let ours = [".site.new-4242-0A1B2C3D", ".site.old-4243-DEADBEEF", ".site.new-4244-00000000"]
        try TestSite.write(marker.merging(["index.html": "<p>half</p>", "assets/katex/fonts/x.woff2": "x"]) { $1 }, to: root.appendingPathComponent(ours[0]))
        try TestSite.write(marker.merging(["a1.html": "<p>old</p>", "deep/er/still.txt": "old"]) { $1 }, to: root.appendingPathComponent(ours[1]))
        try FileManager.default.createDirectory(at: root.appendingPathComponent(ours[2]), withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent(".site.lock").path, contents: nil)
        // What is not ours, even with a name like ours: no marker; a name we never give; a link
        // (to a marked folder); another output's folder; a plain file.
        try TestSite.write(["notes.txt": "keep"], to: root.appendingPathComponent(".site.new-4245-11111111"))
        try TestSite.write(marker, to: root.appendingPathComponent(".site.old-notes"))
        try TestSite.write(marker.merging(["keep.txt": "keep"]) { $1 }, to: root.appendingPathComponent("linked"))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent(".site.new-4246-22222222").path, withDestinationPath: "linked")
        try TestSite.write(marker, to: root.appendingPathComponent(".blog.new-4247-33333333"))
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent(".site.new-4249-55555555").path, contents: Data("a file".utf8))
        let theirs = [".site.new-4245-11111111", ".site.old-notes", "linked", ".site.new-4246-22222222", ".blog.new-4247-33333333", ".site.new-4249-55555555"]
        func theirListing() throws -> [String: String] {
            try BadContentTests.listing(root).filter { path, _ in theirs.contains { path == $0 || path.hasPrefix($0 + "/") } }
        }
        let theirsBefore = try theirListing()

        // A live build holds the lock (played by this test): the next build waits, says so, and
        // leaves the folders alone while it waits.
        let lock = open(root.appendingPathComponent(".site.lock").path, O_RDWR | O_CLOEXEC)
        try #require(lock >= 0 && flock(lock, LOCK_EX) == 0)
        try Self.writeContent("B", to: root)
        let run = try Run(Self.arguments(), in: root)
        var waited = false
        let deadline = Date(timeIntervalSinceNow: 60)
        while run.process.isRunning && Date() < deadline && !waited {
            waited = run.output.contains("waiting for another litmath build writing 'site'…")
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(waited, "no waiting message: \(run.output)")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(run.process.isRunning, "the build did not wait for the lock: \(run.output)")
        for entry in ours { #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(entry).path), "'\(entry)' removed under a live build") }
        #expect(try TestSite.snapshot(site) == siteA)
        close(lock)
        let (status, output) = run.finish()
        #expect(status == 0, "\(output)")

        for entry in ours { #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(entry).path), "'\(entry)' was not removed") }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".site.lock").path), "the lock file stays behind")
        #expect(try theirListing() == theirsBefore, "a folder or file that is not a leftover of ours was changed")
        #expect(try TestSite.snapshot(site).keys.contains("extra.html"), "version B was not written")

        // A build that writes nothing (the site is current) still removes leftovers.
        try TestSite.write(marker.merging(["index.html": "<p>half</p>"]) { $1 }, to: root.appendingPathComponent(".site.new-4250-66666666"))
        let siteB = try BadContentTests.listing(site)
        let noop = try Self.build(Self.arguments(), in: root)
        #expect(noop.status == 0 && noop.output.contains("'site' is up to date"), "\(noop.output)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".site.new-4250-66666666").path))
        #expect(try BadContentTests.listing(site) == siteB)
        #expect(try Self.hidden(root) == [".site.new-4245-11111111", ".site.new-4246-22222222", ".site.new-4249-55555555", ".site.old-notes"])
        #expect(sentinel.isUntouched)
    }

    @Test("Eight parallel builds of two versions into one output all succeed, leave nothing behind, and one complete site wins")
    func parallelBuilds() throws {
        let root = try TestSite.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: root) }
        let sentinel = try Sentinel(in: root)
        var reference: [String: [String: Data]] = [:]
        for version in ["A", "B"] {
            try Self.writeContent(version, to: root, name: "content\(version)")
            let built = try Self.build(Self.arguments("content\(version)", into: "ref\(version)"), in: root)
            try #require(built.status == 0, "\(built.output)")
            reference[version] = try TestSite.snapshot(root.appendingPathComponent("ref\(version)"))
        }

        let runs = try (0..<8).map { i in try Run(Self.arguments(i % 2 == 0 ? "contentA" : "contentB"), in: root) }
        var waiting = 0
        for run in runs {
            let (status, output) = run.finish()
            #expect(status == 0, "\(output)")
            #expect(output.contains("built 4 page") || output.contains("built 5 page") || output.contains("is up to date"), "\(output)")
            #expect(!output.contains("error"), "\(output)")
            if output.contains("waiting for another litmath build writing 'site'…") { waiting += 1 }
        }
        print("parallel builds: \(waiting) of \(runs.count) waited for another")
        let site = try TestSite.snapshot(root.appendingPathComponent("site"))
        #expect(site == reference["A"] || site == reference["B"], "the site is neither complete version: \(site.count) files")
        #expect(try Self.hidden(root) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["contentA", "contentB", "refA", "refB", "sentinel", "site"])
        #expect(sentinel.isUntouched)
    }

    @Test("An output that is a symbolic link, or reached through a link into the content folder, is refused and nothing changes")
    func symbolicLinks() throws {
        let root = try TestSite.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: root) }
        let sentinel = try Sentinel(in: root)
        let fm = FileManager.default
        try Self.writeContent("A", to: root)
        let first = try Self.build(Self.arguments(into: "real"), in: root)
        try #require(first.status == 0, "\(first.output)")
        let real = root.appendingPathComponent("real")
        let realBytes = try TestSite.snapshot(real), realListing = try BadContentTests.listing(real)

        // site → real: would be "up to date" through the link, or replaced by a folder once the content changes.
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("site").path, withDestinationPath: "real")
        for version in ["A", "B"] {
            try Self.writeContent(version, to: root)
            let linked = try Self.build(Self.arguments(), in: root)
            #expect(linked.status == 2, "\(linked.output)")
            #expect(linked.output.contains("error: the output '\(root.path)/site' is a symbolic link to 'real'; litmath replaces its output folder as a whole and will not replace or write through a link"), "\(linked.output)")
            #expect(try fm.destinationOfSymbolicLink(atPath: root.appendingPathComponent("site").path) == "real")
            #expect(try TestSite.snapshot(real) == realBytes && BadContentTests.listing(real) == realListing)
        }

        // A dangling link is refused too, and its target is not created.
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("dangling").path, withDestinationPath: "nowhere")
        let dangling = try Self.build(Self.arguments(into: "dangling"), in: root)
        #expect(dangling.status == 2 && dangling.output.contains("is a symbolic link to 'nowhere'"), "\(dangling.output)")
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("nowhere").path))

        // link → content: link/site is content/site, inside the content folder.
        try Self.writeContent("A", to: root)
        let contentListing = try BadContentTests.listing(root.appendingPathComponent("content"))
        let contentBytes = try TestSite.snapshot(root.appendingPathComponent("content"))
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("link").path, withDestinationPath: "content")
        let through = try Self.build(Self.arguments(into: "link/site"), in: root)
        #expect(through.status == 2, "\(through.output)")
        #expect(through.output.contains("error: the output folder 'link/site' is inside the content folder"), "\(through.output)")
        #expect(try BadContentTests.listing(root.appendingPathComponent("content")) == contentListing)
        #expect(try TestSite.snapshot(root.appendingPathComponent("content")) == contentBytes)

        #expect(try fm.contentsOfDirectory(atPath: root.path).sorted() == ["content", "dangling", "link", "real", "sentinel", "site"])
        #expect(sentinel.isUntouched)
    }

    @Test("A build that changes nothing writes nothing; a rebuild hard-links the files it did not change")
    func noOpAndHardLinks() throws {
        let root = try TestSite.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: root) }
        let sentinel = try Sentinel(in: root)
        try Self.writeContent("A", to: root)
        let first = try Self.build(Self.arguments(), in: root)
        try #require(first.status == 0, "\(first.output)")
        let site = root.appendingPathComponent("site")
        func inode(_ path: String) throws -> UInt64 {
            try #require(try FileManager.default.attributesOfItem(atPath: site.appendingPathComponent(path).path)[.systemFileNumber] as? UInt64)
        }
        let before = try BadContentTests.listing(root)
        let (fonts, page, folder) = (try inode("assets/katex/katex.min.css"), try inode("a1.html"), try inode("."))

        let again = try Self.build(Self.arguments(), in: root)
        #expect(again.status == 0 && again.output.contains("'site' is up to date"), "\(again.output)")
        #expect(try BadContentTests.listing(root) == before, "a no-op build changed a file, a time or a folder")
        #expect(try inode(".") == folder)

        try TestSite.write(["a1.md": "# Article 1, changed\n\nNew text $y$.\n"], to: root.appendingPathComponent("content"))
        let changed = try Self.build(Self.arguments(), in: root)
        #expect(changed.status == 0 && changed.output.contains("built 4 pages"), "\(changed.output)")
        #expect(try inode("assets/katex/katex.min.css") == fonts, "an unchanged file was written again instead of hard-linked")
        #expect(try inode("a1.html") != page)
        #expect(try Self.hidden(root) == [])
        #expect(sentinel.isUntouched)
    }
}
