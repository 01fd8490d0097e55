import Foundation
import Testing
@testable import LitMath
#if canImport(Glibc)
import Glibc
#endif

/// What litmath must never do, tried as a careless or hostile contributor would: every case runs
/// the real `litmath` as a process in a temporary project, with a sentinel folder beside the
/// project whose every byte is compared before and after.
@Suite("Safety")
struct SafetyTests {
    /// A temporary folder holding `project/` (with `content/`) and `sentinel/`.
    struct Project {
        var root: URL
        var project: URL { root.appendingPathComponent("project") }
        var content: URL { project.appendingPathComponent("content") }
        var sentinel: URL { root.appendingPathComponent("sentinel") }

        init(_ files: [String: String]) throws {
            root = try TestSite.temporaryDirectory().resolvingSymlinksInPath()
            try FileManager.default.createDirectory(at: root.appendingPathComponent("project/content"), withIntermediateDirectories: true)
            try TestSite.write(files, to: root.appendingPathComponent("project/content"))
            try TestSite.write(["notes.txt": "the user's notes\n", "deep/secret.env": "API_TOKEN=s3cr3t-value-42\n"], to: root.appendingPathComponent("sentinel"))
        }

        /// Runs `litmath ARGS` in the project folder (bounded in time); its exit status and output.
        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = try ServeCommandTests.executable()
            process.arguments = arguments
            process.currentDirectoryURL = project
            var env = ProcessInfo.processInfo.environment
            env["CI"] = nil
            for (key, value) in environment { env[key] = value }
            process.environment = env
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// Every path under `directory`, without following links: its type and, for files, its bytes.
    static func fingerprint(_ directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        var pending = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? directory.path : directory.path + "/" + relative
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                let path = relative.isEmpty ? name : relative + "/" + name
                let full = directory.path + "/" + path
                var status = stat()
                guard lstat(full, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    result[path] = Data("folder".utf8)
                    pending.append(path)
                case S_IFLNK:
                    result[path] = Data(("link " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "?")).utf8)
                case S_IFREG:
                    result[path] = try Data(contentsOf: URL(fileURLWithPath: full))
                default:
                    result[path] = Data("special".utf8)
                }
            }
        }
        return result
    }

    static let page = "# A page\n\nSome text with $x^2$.\n"

    // MARK: The cache folder

    @Test("build --clean --cache . refuses, and the working copy survives whole")
    func cleanCacheDot() throws {
        let p = try Project(["index.md": Self.page])
        defer { p.remove() }
        try TestSite.write([".git/HEAD": "ref: refs/heads/main\n"], to: p.project)
        let before = try Self.fingerprint(p.root)
        let (status, output) = try p.run(["build", "--clean", "--cache", "."])
        #expect(status == 2, "\(output)")
        #expect(output.contains("error: cache folder '.' is the project or a folder above it"), "\(output)")
        #expect(try Self.fingerprint(p.root) == before)
        for parent in ["..", "content", "content/cache"] {
            let (status, output) = try p.run(["build", "--clean", "--cache", parent])
            #expect(status == 2, "\(parent): \(output)")
        }
        #expect(try Self.fingerprint(p.root) == before)
    }

    @Test("A folder litmath did not make is never emptied or written as the cache")
    func foreignCacheFolder() throws {
        let p = try Project(["index.md": Self.page])
        defer { p.remove() }
        try TestSite.write(["thesis.tex": "\\documentclass{article}\n"], to: p.project.appendingPathComponent("mine"))
        let sentinel = try Self.fingerprint(p.sentinel)
        let mine = try Self.fingerprint(p.project.appendingPathComponent("mine"))

        let clean = try p.run(["build", "--clean", "--cache", "mine"])
        #expect(clean.status == 2, "\(clean.output)")
        #expect(clean.output.contains("refusing to empty 'mine'"), "\(clean.output)")
        #expect(!FileManager.default.fileExists(atPath: p.project.appendingPathComponent("site").path), "a refused build writes no site")

        let plain = try p.run(["build", "--cache", "mine"])
        #expect(plain.status == 0, "\(plain.output)")
        #expect(plain.output.contains("warning: cache folder 'mine' was not written by litmath for this user on this machine"), "\(plain.output)")
        #expect(try Self.fingerprint(p.project.appendingPathComponent("mine")) == mine)
        #expect(try Self.fingerprint(p.sentinel) == sentinel)
    }

    @Test("A cache folder that is a symbolic link is refused; the link and its target are untouched")
    func symlinkedCache() throws {
        let p = try Project(["index.md": Self.page])
        defer { p.remove() }
        try FileManager.default.createSymbolicLink(atPath: p.project.appendingPathComponent("cache").path, withDestinationPath: p.sentinel.path)
        let before = try Self.fingerprint(p.root)
        for arguments in [["build", "--cache", "cache"], ["build", "--clean", "--cache", "cache"]] {
            let (status, output) = try p.run(arguments)
            #expect(status == 2, "\(output)")
            #expect(output.contains("cache folder 'cache' is a symbolic link"), "\(output)")
        }
        #expect(try Self.fingerprint(p.root) == before)
    }

    @Test("--clean empties litmath's own cache entries and keeps its marker and compiled examples")
    func cleanOwnCache() throws {
        let p = try Project(["index.md": Self.page])
        defer { p.remove() }
        let first = try p.run(["build"])
        #expect(first.status == 0, "\(first.output)")
        let cache = p.project.appendingPathComponent(".litmath-cache")
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent("v1").path))
        var status = stat()
        #expect(stat(cache.path, &status) == 0 && status.st_mode & 0o777 == 0o700, "the cache is private to its user")
        try TestSite.write(["examples/Package.swift": "// compiled examples\n"], to: cache)
        let clean = try p.run(["build", "--clean"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent("examples/Package.swift").path))
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent(CacheFolder.marker).path))
    }

    @Test("A planted cache entry under a predictable key never reaches a page")
    func plantedCacheEntry() throws {
        let p = try Project(["index.md": "# Planted\n\nA formula: $a+b$.\n"])
        defer { p.remove() }
        // A committed cache: entries where a key without this user's secret would put them,
        // for both the inline formula and the page's code identity, and a marker of its own.
        let cache = p.project.appendingPathComponent(".litmath-cache")
        let request = KaTeX.Request(tex: "a+b", display: false)
        let payload = "<script>document.title='pwned'</script>"
        for secret in ["", "attacker"] {
            let guess = BuildCache(directory: cache, codeIdentity: "any", secret: secret)
            let key = guess.formulaKey(request, katexVersion: KaTeX().version)
            try TestSite.write(["v1/katex/\(key.prefix(2))/\(key)": payload,
                                CacheFolder.marker: "litmath cache \(BuildCache.hash([secret, "cache-folder"]))\n"], to: cache)
        }
        let (status, output) = try p.run(["build"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("was not written by litmath for this user"), "\(output)")
        let page = try String(contentsOf: p.project.appendingPathComponent("site/index.html"), encoding: .utf8)
        #expect(!page.contains("pwned"))
        #expect(page.contains("class=\"katex\""))

        // Even inside litmath's own cache, a key guessed without the secret is never read.
        try FileManager.default.removeItem(at: cache)
        #expect(try p.run(["build", "--clean"]).status == 0)
        let guess = BuildCache(directory: cache, codeIdentity: "any", secret: "")
        let key = guess.formulaKey(request, katexVersion: KaTeX().version)
        try TestSite.write(["v1/katex/\(key.prefix(2))/\(key)": payload], to: cache)
        try TestSite.write(["index.md": "# Planted\n\nA formula: $a+b$, again.\n"], to: p.content)
        #expect(try p.run(["build"]).status == 0)
        let again = try String(contentsOf: p.project.appendingPathComponent("site/index.html"), encoding: .utf8)
        #expect(!again.contains("pwned") && again.contains("again"))
    }

    // MARK: Reading files

    @Test("check and bless never print a file reached through a link in _expected", arguments: ["check", "bless"])
    func expectationLinkLeak(_ command: String) throws {
        let p = try Project(["index.md": Self.page])
        defer { p.remove() }
        #expect(try p.run(["build"]).status == 0)
        try FileManager.default.createDirectory(at: p.content.appendingPathComponent("_expected"), withIntermediateDirectories: true)
        let link = p.content.appendingPathComponent("_expected/index.txt")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: p.sentinel.appendingPathComponent("deep/secret.env").path)
        let before = try Self.fingerprint(p.root)
        let (status, output) = try p.run(command == "check" ? ["check", "--no-examples"] : ["bless"])
        #expect(status != 0, "\(output)")
        #expect(output.contains("outside the project"), "\(output)")
        #expect(!output.contains("s3cr3t") && !output.contains("API_TOKEN"), "\(output)")
        #expect(try Self.fingerprint(p.root) == before, "\(command) replaced or wrote something")
    }

    @Test("An expectation file holding something else is reported without echoing it")
    func unparsableExpectations() throws {
        let p = try Project(["index.md": "# Values\n\n```scheduler value\nscheduler: DDPM\nquantity: alpha_cumprod\nt: 10\n```\n"])
        defer { p.remove() }
        let lines = (1...40).map { "USER_\($0)=hunter\($0)-password" }.joined(separator: "\n")
        try TestSite.write(["_expected/index.txt": "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n" + lines + "\n"], to: p.content)
        #expect(try p.run(["build"]).status == 0)
        let (status, output) = try p.run(["check", "--no-examples"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("unknown line (") && output.contains("not shown"), "\(output)")
        #expect(!output.contains("hunter") && !output.contains("saltsalt"), "\(output)")
        #expect(output.contains("more lines are not expectations either"), "\(output)")
    }

    @Test("A static file over the limit is refused before it is read")
    func hugeStaticFile() throws {
        let p = try Project(["index.md": Self.page])
        defer { p.remove() }
        let huge = p.content.appendingPathComponent("disk.img")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: nil))
        #expect(truncate(huge.path, off_t(ProjectFile.staticLimit + 1)) == 0, "a sparse file: no disk used")
        let (status, output) = try p.run(["build"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("content/disk.img: error: 'disk.img' is \(ProjectFile.staticLimit + 1) bytes; static files are limited to 128 MiB"), "\(output)")
    }

    @Test("check fails on a committed site holding a link out of it")
    func siteWithLink() throws {
        let p = try Project(["index.md": Self.page])
        defer { p.remove() }
        #expect(try p.run(["build"]).status == 0)
        #expect(try p.run(["check", "--no-examples"]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: p.project.appendingPathComponent("site/root").path, withDestinationPath: "/")
        let (status, output) = try p.run(["check", "--no-examples"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("site/root is a symbolic link or special file"), "\(output)")
    }

    @Test("A diagnostic shows a short window of a long source line, control characters masked")
    func diagnosticWindow() {
        let line = String(repeating: "a", count: 200_000) + "\u{1B}[31mX" + String(repeating: "b", count: 1000)
        let column = 200_006
        let diagnostic = Diagnostic.error("test", "here", at: SourceLocation(file: "x.md", line: 2, column: column))
        let out = DiagnosticFormatter(sources: ["x.md": "first\n" + line + "\n"]).format(diagnostic)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(out.utf8.count < 400, "\(out.utf8.count) bytes")
        #expect(!out.contains("\u{1B}"))
        #expect(lines[1].hasPrefix("…") && lines[1].hasSuffix("…"))
        // The caret stands under the X.
        let caretColumn = lines[2].unicodeScalars.count - 1
        #expect(Array(lines[1].unicodeScalars)[caretColumn] == "X")
    }

    // MARK: Links

    static let scriptLinks: [(markdown: String, column: Int)] = [
        ("[x](javascript://%0adocument.title=%22XSS%22)", 5),
        ("[x](JaVaScRiPt:alert(1))", 5),
        ("[x](&#106;avascript:alert(1))", 0),
        ("[x](<java\tscript:alert(1)>)", 6),
        ("[x]( vbscript:msgbox(1))", 6),
        ("[x](data:text/html,<b>x</b>)", 5),
        ("![x](data:image/svg+xml,<svg/onload=alert(1)>)", 6),
        ("[x](urn:isbn:0451450523)", 5),
    ]

    @Test("Links that could run script are errors at their place, and no page is written", arguments: scriptLinks.indices)
    func scriptLink(_ index: Int) throws {
        let (markdown, column) = Self.scriptLinks[index]
        let p = try Project(["index.md": "# Links\n\nClick " + markdown + " now.\n"])
        defer { p.remove() }
        let before = try Self.fingerprint(p.root)
        let (status, output) = try p.run(["build"])
        #expect(status == 1, "\(output)")
        // An entity-encoded destination is not found as written: its line, column 1.
        #expect(output.contains("content/index.md:3:\(column == 0 ? 1 : column + 6): error: "), "\(output)")
        #expect(output.contains("is not allowed"), "\(output)")
        #expect(try Self.fingerprint(p.root).filter { !$0.key.hasPrefix("project/.litmath-cache") } == before, "only the cache may change")
    }

    @Test("Allowed schemes are links as written; the renderer's own check refuses the rest")
    func allowedSchemes() {
        let (html, diagnostics) = TestSite.article("# X\n\n[b](https://example.org) [c](MAILTO:a@b.c) [d](tel:+1) [e](HTTP://x.org/a.md)\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        for href in ["https://example.org", "MAILTO:a@b.c", "tel:+1", "HTTP://x.org/a.md"] {
            #expect(html.contains("href=\"\(href)\""), "\(href) in \(html)")
        }
        #expect(URLPolicy.permitted(HTMLRenderer.rewriteLink("JAVASCRIPT:alert(1)")) == nil)
        #expect(URLPolicy.permitted("data:image/png;base64,AAAA", isImage: true) == nil)
        #expect(URLPolicy.permitted("ddpm.html#x") == "ddpm.html#x")
    }

    @Test("Scheme detection reads a URL as a browser does")
    func schemes() {
        #expect(URLPolicy.scheme(of: " \u{01}java\nscr\tipt:x") == "javascript")
        #expect(URLPolicy.scheme(of: "%6Aavascript:x") == nil)
        #expect(URLPolicy.scheme(of: "a+b.c-d:x") == "a+b.c-d")
        #expect(URLPolicy.scheme(of: "ddpm.md#x:y") == nil)
        #expect(URLPolicy.scheme(of: "./x:y") == nil)
        #expect(URLPolicy.scheme(of: "1x:y") == nil)
    }

    // MARK: Line endings

    static let draft = "---\ntitle: Secret plans\ndraft: true\n---\n# Draft\n\nNot yet.\n"

    @Test("A draft with CRLF, CR or a byte-order mark is still a draft", arguments: ["\r\n", "\r", "bom"])
    func draftLineEndings(_ ending: String) throws {
        let text = ending == "bom" ? "\u{FEFF}" + Self.draft : Self.draft.replacingOccurrences(of: "\n", with: ending)
        let p = try Project(["index.md": Self.page, "plans.md": text])
        defer { p.remove() }
        let (status, output) = try p.run(["build"])
        #expect(status == 0, "\(output)")
        #expect(!FileManager.default.fileExists(atPath: p.project.appendingPathComponent("site/plans.html").path), "the draft was published")
        let index = try String(contentsOf: p.project.appendingPathComponent("site/index.html"), encoding: .utf8)
        #expect(!index.contains("Secret plans"))
    }

    @Test("Front matter with CRLF sets the title; CRLF expectations check; bless keeps CRLF")
    func crlfArticle() throws {
        let article = "---\r\ntitle: Windows article\r\n---\r\n# Heading\r\n\r\nThe value is {value}`DDPM.alpha_cumprod[999] = 4.1e-05`.\r\n\r\n```scheduler value\r\nscheduler: DDPM\r\nquantity: alpha_cumprod\r\nt: 10\r\n```\r\n"
        let p = try Project(["index.md": article])
        defer { p.remove() }
        let bless = try p.run(["bless"])
        #expect(bless.status == 0, "\(bless.output)")
        let blessed = try Data(contentsOf: p.content.appendingPathComponent("index.md"))
        let text = String(decoding: blessed, as: UTF8.self)
        #expect(text.contains("DDPM.alpha_cumprod[999] = 4.0e-05`.\r\n"), "\(text)")
        #expect(text.replacingOccurrences(of: "\r\n", with: "").contains("\n") == false, "every line still ends in CRLF")
        let expectations = try Data(contentsOf: p.content.appendingPathComponent("_expected/index.txt"))
        #expect(String(decoding: expectations, as: UTF8.self).contains("\r\n") == true, "a new expectation file follows its article's line endings")
        #expect(try p.run(["build"]).status == 0)
        let page = try String(contentsOf: p.project.appendingPathComponent("site/index.html"), encoding: .utf8)
        #expect(page.contains("<title>Windows article"))
        #expect(!page.contains("title: Windows"))
        let check = try p.run(["check", "--no-examples"])
        #expect(check.status == 0, "\(check.output)")
    }
}
