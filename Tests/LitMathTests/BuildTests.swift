import Foundation
import Testing
@testable import LitMath

@Suite("litmath build")
struct BuildTests {
    static let good = ["index.md": "---\ntitle: Home\n---\n\nHello $x_t$.\n", "ddpm.md": "# DDPM\n\n```scheduler table\nt: [0]\ncolumns: [beta]\n```\n"]

    func build(_ content: URL, _ output: URL) -> (status: Int32, log: String) {
        let log = TestLog()
        let status = BuildAction(content: content, output: output, log: { log.append($0) }).run()
        return (status, log.value)
    }

    @Test("A clean build writes every page, the stylesheet and KaTeX's fonts")
    func cleanBuild() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try TestSite.write(Self.good, to: root.appendingPathComponent("content"))
        let (status, log) = build(root.appendingPathComponent("content"), root.appendingPathComponent("site"))
        #expect(status == 0, "\(log)")
        let files = try TestSite.snapshot(root.appendingPathComponent("site"))
        #expect(files.keys.contains("index.html") && files.keys.contains("ddpm.html"))
        #expect(files.keys.contains("assets/litmath.css") && files.keys.contains("assets/katex/katex.min.css"))
        #expect(files.keys.contains("assets/katex/fonts/KaTeX_Main-Regular.woff2"))
        // No staging or retired folders are left beside the output.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(siblings == ["content", "site"])
    }

    @Test("A malformed directive fails with file:line:col, exit status 1, and leaves the existing site untouched")
    func failedBuildKeepsSite() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        try TestSite.write(Self.good, to: content)
        #expect(build(content, site).status == 0)
        let before = try TestSite.snapshot(site)

        try TestSite.write(["x.md": "# X\n\n```scheduler plot\ny: beta\nbeta_shedule: linear\n```\n"], to: content)
        let (status, log) = build(content, site)
        #expect(status == 1)
        #expect(log.contains(": error: unknown key 'beta_shedule' in 'scheduler plot'"))
        #expect(log.contains("content/x.md:5:1: error:") || log.contains("/content/x.md:5:1: error:"))
        #expect(log.contains("did you mean 'beta_schedule'?"))
        #expect(try TestSite.snapshot(site) == before)

        try TestSite.write(["x.md": "# X\n\n```scheduler plot\ny: [unclosed\n```\n"], to: content)
        let (yamlStatus, yamlLog) = build(content, site)
        #expect(yamlStatus == 1)
        #expect(yamlLog.contains("x.md:5:1: error: invalid YAML"), "\(yamlLog)")
        #expect(try TestSite.snapshot(site) == before)
    }

    @Test("A folder that litmath did not write is never replaced")
    func refusesForeignOutput() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), precious = root.appendingPathComponent("precious")
        try TestSite.write(Self.good, to: content)
        try TestSite.write(["thesis.tex": "do not delete"], to: precious)
        let (status, log) = build(content, precious)
        #expect(status == 2)
        #expect(log.contains("was not written by litmath"))
        #expect(try TestSite.snapshot(precious) == ["thesis.tex": Data("do not delete".utf8)])
    }

    @Test("A missing content folder is a usage error")
    func missingContent() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (status, log) = build(root.appendingPathComponent("nope"), root.appendingPathComponent("site"))
        #expect(status == 2)
        #expect(log.contains("does not exist"))
    }

    @Test("Invalid UTF-8 is an error at the bad byte")
    func invalidUTF8() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        try Data("ok\nab".utf8 + [0xff] + Data("\n".utf8)).write(to: content.appendingPathComponent("bad.md"))
        let (status, log) = build(content, root.appendingPathComponent("site"))
        #expect(status == 1)
        #expect(log.contains("bad.md:2:3: error: file is not valid UTF-8"), "\(log)")
    }

    @Test("The committed site/ is exactly what building content/ writes now, and builds are deterministic")
    func committedSiteIsCurrent() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = TestSite.packageRoot.appendingPathComponent("content")
        let first = root.appendingPathComponent("a"), second = root.appendingPathComponent("b")
        #expect(build(content, first).status == 0)
        #expect(build(content, second).status == 0)
        let built = try TestSite.snapshot(first)
        #expect(built == (try TestSite.snapshot(second)), "two builds of the same content differ")
        let committed = try TestSite.snapshot(TestSite.packageRoot.appendingPathComponent("site"))
        #expect(Set(committed.keys) == Set(built.keys))
        for (path, data) in built where committed[path] != data {
            Issue.record("site/\(path) is stale: run `swift run litmath build` and commit site/")
        }
    }
}

@Suite("Incremental builds")
struct IncrementalBuildTests {
    @Test("A title change re-runs no directive and starts no node; the page still changes")
    func titleChangeUsesTheCache() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        let cache = root.appendingPathComponent("cache")
        let article = "---\ntitle: Before\n---\n\nSignal $\\bar\\alpha_t$.\n\n```scheduler plot\ny: alpha_cumprod\n```\n\n```scheduler table\nt: [0, 999]\ncolumns: [beta]\n```\n"
        try TestSite.write(["index.md": article], to: content)
        let first = SiteBuilder(contentDirectory: content, outputDirectory: site, cache: BuildCache(directory: cache, secret: "test")).build()
        #expect(first.succeeded, "\(first.diagnostics)")

        func directiveEntries() throws -> [String: Date] {
            var result: [String: Date] = [:]
            let folder = cache.appendingPathComponent("v1")
            for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.contentModificationDateKey])!
            where url.path.contains("/directive") {
                if let date = try url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate,
                   !url.hasDirectoryPath { result[url.path] = date }
            }
            return result
        }
        let before = try directiveEntries()
        #expect(before.count == 2)

        try TestSite.write(["index.md": article.replacingOccurrences(of: "title: Before", with: "title: After")], to: content)
        // No node at all: every formula must come from the cache.
        let noNode = KaTeX(environment: ["LITMATH_NODE": "/nonexistent/node", "PATH": ""])
        let second = SiteBuilder(contentDirectory: content, outputDirectory: site, katex: noNode, cache: BuildCache(directory: cache, secret: "test")).build()
        #expect(second.succeeded, "\(second.diagnostics)")
        #expect(try directiveEntries() == before, "no directive result was computed and stored again")
        let page = try String(contentsOf: site.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("After") && !page.contains("Before"))
    }
}
