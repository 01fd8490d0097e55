import Foundation
import Testing
@testable import LitMath

/// The articles of `content/`, built by the real pipeline into a temporary folder, once for a
/// whole suite, and removed after it.
struct BuiltSite: Sendable {
    /// The output folder.
    var root: URL
    /// The HTML pages, relative to `root`, sorted.
    var pages: [String]

    /// The site of the suite that is running (set by the `.builtSite` trait).
    @TaskLocal static var current: BuiltSite?

    /// The page's file URL.
    func url(_ page: String) -> URL { root.appendingPathComponent(page) }

    /// The article a page was built from, parsed (formulas, directives, title).
    func article(of page: String) throws -> LitMath.Page {
        let source = String(page.dropLast(".html".count)) + ".md"
        let url = TestSite.packageRoot.appendingPathComponent("content").appendingPathComponent(source)
        // The built-in 404 page has no article: it has no formulas.
        let text = page == "404.html" && !FileManager.default.fileExists(atPath: url.path) ? "" : try String(contentsOf: url, encoding: .utf8)
        let (article, diagnostics) = PageParser.parse(text: text, sourcePath: source, displayPath: "content/" + source)
        guard !diagnostics.containsErrors else { throw BuildFailure(log: diagnostics.map(\.description).joined(separator: "\n")) }
        return article
    }

    struct BuildFailure: Error, CustomStringConvertible {
        var log: String
        var description: String { "content/ does not build:\n\(log)" }
    }
}

/// Builds `content/` before a suite runs and removes the build after it.
struct BuiltSiteTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("site")
        let log = TestLog()
        let status = BuildAction(content: TestSite.packageRoot.appendingPathComponent("content"), output: output,
                                 log: { log.append($0) }).run()
        guard status == 0 else { throw BuiltSite.BuildFailure(log: log.value) }
        let pages = try TestSite.snapshot(output).keys.filter { $0.hasSuffix(".html") }.sorted()
        try await BuiltSite.$current.withValue(BuiltSite(root: output, pages: pages)) {
            try await function()
        }
    }
}

extension Trait where Self == BuiltSiteTrait {
    /// Builds `content/` into a temporary folder for the suite; tests read `BuiltSite.current`.
    static var builtSite: Self { BuiltSiteTrait() }
}
