import Foundation
import Testing
@testable import LitMath

/// `litmath serve`, in process: a real server on an ephemeral loopback port, real builds (cmark,
/// directives, KaTeX in node), real files changed on disk.
@Suite("litmath serve")
struct ServeTests {
    static let index = "---\ntitle: Home\n---\n\n# Home\n\nHello $x_t$, see [DDPM](ddpm.md).\n"
    static let ddpm = "# DDPM\n\nFirst version.\n\n```scheduler table\ncaption: Betas\nt: [0]\ncolumns: [beta]\n```\n"

    /// A content folder in a fresh temporary folder, a running server on it, and its log.
    final class Fixture {
        let root: URL
        let content: URL
        let log = TestLog()
        var server: PreviewServer!

        init(files: [String: String] = ["index.md": ServeTests.index, "ddpm.md": ServeTests.ddpm], output: Bool = false) throws {
            root = try TestSite.temporaryDirectory()
            content = root.appendingPathComponent("content")
            try TestSite.write(files, to: content)
            let log = self.log
            let action = ServeAction(content: content, output: output ? root.appendingPathComponent("site") : nil, port: 0,
                                     pollInterval: 0.05, quietPeriod: 0.05, log: { log.append($0) })
            server = try action.start()
        }

        deinit {
            server?.stop()
            try? FileManager.default.removeItem(at: root)
        }

        /// Rewrites one article. The sleep makes sure the modification time moves even on a
        /// file system with coarse timestamps.
        func write(_ path: String, _ text: String) throws {
            Thread.sleep(forTimeInterval: 0.02)
            try TestSite.write([path: text], to: content)
        }

        func get(_ path: String) throws -> LoopbackHTTP.Response {
            try LoopbackHTTP.request("GET", path, port: server.port)
        }

        /// Opens the event stream as the page `page` would: with the state id written into it.
        func events(for page: LoopbackHTTP.Response) throws -> LoopbackHTTP.EventStream {
            let state = try #require(page.body.range(of: #"events\?since=[^"]*"#, options: .regularExpression).map { String(page.body[$0]) })
            return try LoopbackHTTP.EventStream(port: server.port, path: "/__litmath/" + state.replacingOccurrences(of: "\\/", with: "/"))
        }
    }

    @Test("Serves the built pages with the live-reload script, and the assets as they are")
    func servesPages() throws {
        let fixture = try Fixture()
        let home = try fixture.get("/")
        #expect(home.status == 200)
        #expect(home.headers["content-type"] == "text/html; charset=utf-8")
        #expect(home.body.contains("Hello <span class=\"katex\">"), "math typeset by KaTeX")
        #expect(home.body.contains("new EventSource("))
        #expect(home.body.contains("href=\"ddpm.html\""))
        #expect(home.body.occurrences(of: "<script>") == 1)
        #expect(!home.body.contains("litmath-build-error\" role=\"alert\""), "no overlay after a good build")
        #expect(try fixture.get("/ddpm.html").body.contains("First version."))
        #expect(try fixture.get("/ddpm").body.contains("First version."), "extension-less paths find the page")

        let css = try fixture.get("/assets/litmath.css")
        #expect(css.status == 200)
        #expect(css.headers["content-type"] == "text/css; charset=utf-8")
        #expect(css.body == Theme.css, "assets are served byte for byte")
        #expect(try fixture.get("/assets/katex/fonts/KaTeX_Main-Regular.woff2").headers["content-type"] == "font/woff2")

        let missing = try fixture.get("/nope.html")
        #expect(missing.status == 404)
        #expect(missing.body.contains("new EventSource("), "a missing page reloads when it appears")
        #expect(missing.body.contains("assets/litmath.css"), "a missing top-level page gets the site's own 404 page")
        let deep = try fixture.get("/a/b/nope.html")
        #expect(deep.status == 404 && !deep.body.contains("assets/litmath.css"), "deeper, where its relative links would break, a plain page")
        let favicon = try fixture.get("/favicon.ico")
        #expect(favicon.status == 204 && favicon.body.isEmpty, "browsers ask for it; no 404 in their console")
        #expect(try fixture.get("/../../etc/passwd").status == 400)
        #expect(try fixture.get("/%2e%2e/secret").status == 400)
        #expect(try LoopbackHTTP.request("POST", "/", port: fixture.server.port).status == 405)
        let head = try LoopbackHTTP.request("HEAD", "/", port: fixture.server.port)
        #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 1000)
    }

    @Test("Editing an article rebuilds the site and sends a reload event; the page then has the new text")
    func reloadsOnChange() throws {
        let fixture = try Fixture()
        let page = try fixture.get("/ddpm.html")
        let stream = try fixture.events(for: page)
        #expect(stream.headers.contains("Content-Type: text/event-stream"))

        try fixture.write("ddpm.md", Self.ddpm.replacingOccurrences(of: "First version.", with: "Second version."))
        let event = try #require(try stream.next())
        #expect(event.name == "reload")
        let updated = try fixture.get("/ddpm.html")
        #expect(updated.body.contains("Second version."))
        #expect(!updated.body.contains("First version."))
        #expect(fixture.log.value.contains("change in"))

        // A new article appears in the navigation of every page.
        try fixture.write("ddim.md", "# DDIM\n\nDeterministic.\n")
        #expect(try stream.next()?.name == "reload")
        #expect(try fixture.get("/ddim.html").body.contains("Deterministic."))
        #expect(try fixture.get("/").body.contains("href=\"ddim.html\""))
    }

    @Test("A page served before a rebuild gets the reload even if its stream connects after it")
    func noMissedReload() throws {
        let fixture = try Fixture()
        let page = try fixture.get("/")
        try fixture.write("index.md", Self.index + "\nMore.\n")
        // Wait for the rebuild by polling the page, then connect with the old page's state.
        let deadline = Date(timeIntervalSinceNow: 15)
        while try !fixture.get("/").body.contains("More.") {
            try #require(Date() < deadline, "rebuilt within 15 s")
            Thread.sleep(forTimeInterval: 0.05)
        }
        let stream = try fixture.events(for: page)
        #expect(try stream.next(timeout: 5)?.name == "reload")
        // A stream opened with the current state waits quietly.
        let current = try fixture.events(for: try fixture.get("/"))
        #expect(throws: LoopbackHTTP.Failure.self) { try current.next(timeout: 0.5) }
    }

    @Test("A build error is printed, sent as an event, and shown escaped over the last good page; fixing it recovers")
    func errorOverlayAndRecovery() throws {
        let fixture = try Fixture()
        let stream = try fixture.events(for: try fixture.get("/ddpm.html"))

        // An unknown key whose name is markup: the overlay must show it as text.
        let broken = Self.ddpm.replacingOccurrences(of: "columns: [beta]", with: "columns: [beta]\n'<img src=x onerror=alert(1)>': 1")
        try fixture.write("ddpm.md", broken.replacingOccurrences(of: "First version.", with: "Broken version."))
        let failed = try #require(try stream.next())
        #expect(failed.name == "failed")
        #expect(failed.data.contains("ddpm.md:9:1: error: unknown key '<img src=x onerror=alert(1)>' in 'scheduler table'"), "\(failed.data)")
        #expect(failed.data.contains("still serving the last good build"))
        #expect(fixture.log.value.contains("ddpm.md:9:1: error: unknown key"), "printed in the terminal too")

        let page = try fixture.get("/ddpm.html")
        #expect(page.status == 200)
        #expect(page.body.contains("First version."), "the last good build stays served")
        #expect(!page.body.contains("Broken version."))
        #expect(page.body.contains(#"<div id="litmath-build-error" role="alert">"#))
        #expect(page.body.contains("unknown key &#39;&lt;img src=x onerror=alert(1)&gt;&#39;") ||
                page.body.contains("unknown key '&lt;img src=x onerror=alert(1)&gt;'"), "diagnostics are escaped")
        #expect(!page.body.contains("<img src=x"))
        #expect(try fixture.get("/").body.contains("litmath-build-error\" role=\"alert\""), "every page shows the overlay")

        try fixture.write("ddpm.md", Self.ddpm.replacingOccurrences(of: "First version.", with: "Fixed version."))
        #expect(try stream.next()?.name == "reload")
        let fixed = try fixture.get("/ddpm.html")
        #expect(fixed.body.contains("Fixed version."))
        #expect(!fixed.body.contains("litmath-build-error\" role=\"alert\""))
    }

    @Test("Content that is broken from the start is shown as an error page until it is fixed")
    func brokenFromTheStart() throws {
        let fixture = try Fixture(files: ["index.md": "# Home\n\n$\\frac{1}{$\n"])
        let page = try fixture.get("/")
        #expect(page.status == 503)
        #expect(page.body.contains("index.md:3:"), "\(page.body.prefix(300))")
        #expect(page.body.contains("nothing to serve until it is fixed"))
        let stream = try fixture.events(for: page)
        try fixture.write("index.md", "# Home\n\n$\\frac{1}{2}$\n")
        #expect(try stream.next()?.name == "reload")
        #expect(try fixture.get("/").status == 200)
    }

    @Test("Stopping ends open event streams and closes the port")
    func stops() throws {
        let fixture = try Fixture()
        let port = fixture.server.port
        let stream = try fixture.events(for: try fixture.get("/"))
        let start = Date()
        fixture.server.stop()
        #expect(try stream.next(timeout: 5) == nil, "the stream ends")
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(throws: LoopbackHTTP.Failure.self) { try LoopbackHTTP.request("GET", "/", port: port) }
    }

    @Test("A port in use is a clear setup error")
    func portInUse() throws {
        let fixture = try Fixture()
        let action = ServeAction(content: fixture.content, port: fixture.server.port, log: { _ in })
        #expect(throws: ServeError.portInUse(fixture.server.port)) { try action.start() }
        #expect(ServeError.portInUse(8000).description == "port 8000 on 127.0.0.1 is already in use; stop the other server or choose another port with --port")
    }

    @Test("A missing content folder is a setup error, and the port is released")
    func missingContent() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // A free port: bind one, then let it go.
        let probe = try HTTPServer(port: 0) { _ in .text(200, "") }
        let port = probe.port
        probe.stop()
        let log = TestLog()
        let action = ServeAction(content: root.appendingPathComponent("nope"), port: port, log: { log.append($0) })
        #expect {
            try action.start()
        } throws: { error in
            guard case let .setup(message) = error as? ServeError else { return false }
            return message == "content folder '\(root.appendingPathComponent("nope").path)' does not exist"
        }
        #expect(log.value.isEmpty, "the caller prints the error, once")
        let again = try HTTPServer(port: port) { _ in .text(200, "") }
        #expect(again.port == port)
        again.stop()
    }

    @Test("With --output, every good build is also written there, without the live-reload script")
    func writesOutput() throws {
        let fixture = try Fixture(output: true)
        let site = fixture.root.appendingPathComponent("site")
        let first = try TestSite.snapshot(site)
        let html = String(decoding: try #require(first["ddpm.html"]), as: UTF8.self)
        #expect(html.contains("First version."))
        // The only scripts of a built page are the search box's files; the live-reload script is inline.
        #expect(!html.contains("EventSource") && !html.contains("__litmath") && !html.contains("<script>"), "built files never get the script")
        #expect(first[".litmath-output"] != nil)

        let stream = try fixture.events(for: try fixture.get("/"))
        try fixture.write("ddpm.md", "# DDPM\n\n$\\frac{$\n")
        #expect(try stream.next()?.name == "failed")
        #expect(try TestSite.snapshot(site) == first, "a failed build leaves the output untouched")
        try fixture.write("ddpm.md", Self.ddpm.replacingOccurrences(of: "First version.", with: "Third version."))
        #expect(try stream.next()?.name == "reload")
        #expect(String(decoding: try TestSite.snapshot(site)["ddpm.html"] ?? Data(), as: UTF8.self).contains("Third version."))
    }
}
