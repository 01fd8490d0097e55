import Foundation
@testable import LitMath

/// Builds pages in memory through the real pipeline (cmark, directives, KaTeX in node).
enum TestSite {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Renders `files` (path → Markdown) and returns the output files as text plus the report.
    /// `assets` (path → bytes, such as images) are static files of the content folder.
    static func render(_ files: [String: String], assets: [String: Data] = [:]) -> (pages: [String: String], report: SiteBuilder.Report) {
        let built = build(files, assets: assets)
        return (built.pages, built.report)
    }

    /// Like `render(_:assets:)`, with every output file's bytes too.
    static func build(_ files: [String: String], assets: [String: Data] = [:]) -> (pages: [String: String], report: SiteBuilder.Report, output: [String: Data]) {
        let builder = SiteBuilder(contentDirectory: URL(fileURLWithPath: "/nonexistent"), outputDirectory: URL(fileURLWithPath: "/nonexistent"))
        let articles = files.sorted { $0.key < $1.key }.map { SiteContent.TextFile(path: $0.key, display: "content/" + $0.key, text: $0.value) }
        let (output, report) = builder.render(SiteContent(articles: articles, staticFiles: assets))
        var pages: [String: String] = [:]
        for (path, data) in output where path.hasSuffix(".html") {
            pages[path] = String(decoding: data, as: UTF8.self)
        }
        return (pages, report, output)
    }

    /// Renders a whole content folder given as path → text: `site.yml`, `_templates/*.mustache`,
    /// `*.md` articles and any other path as a static file. Returns every output file as bytes.
    static func site(_ files: [String: String], binary: [String: Data] = [:]) -> (files: [String: Data], report: SiteBuilder.Report) {
        var content = SiteContent()
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let file = SiteContent.TextFile(path: path, display: "content/" + path, text: text)
            if path == SiteContent.configurationName {
                content.configuration = file
            } else if path.hasPrefix(SiteContent.templatesFolder + "/") {
                content.templates.append(file)
            } else if path.hasSuffix(".md") {
                content.articles.append(file)
            } else {
                content.staticFiles[path] = Data(text.utf8)
            }
        }
        for (path, data) in binary { content.staticFiles[path] = data }
        let builder = SiteBuilder(contentDirectory: URL(fileURLWithPath: "/nonexistent"), outputDirectory: URL(fileURLWithPath: "/nonexistent"))
        return builder.render(content)
    }

    /// Renders one article and returns its HTML (the `<article>` element's content) and diagnostics.
    static func article(_ markdown: String, file: String = "x.md") -> (html: String, diagnostics: [Diagnostic]) {
        let (pages, report) = render([file: markdown])
        let page = pages[String(file.dropLast(3)) + ".html"] ?? ""
        guard let start = page.range(of: "<article>"), let end = page.range(of: "</article>") else { return ("", report.diagnostics) }
        return (String(page[start.upperBound..<end.lowerBound]), report.diagnostics)
    }

    /// A fresh temporary folder.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("litmath-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `files` under `directory`.
    static func write(_ files: [String: String], to directory: URL) throws {
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    /// Every file under `directory` with its bytes, by relative path (what `check` compares).
    static func snapshot(_ directory: URL) throws -> [String: Data] {
        try CheckAction.snapshot(directory)
    }
}

extension String {
    /// The text of some HTML: tags removed, the five entities litmath writes decoded.
    var textContent: String {
        replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Number of non-overlapping occurrences of `needle`.
    func occurrences(of needle: String) -> Int {
        components(separatedBy: needle).count - 1
    }

    /// The TeX annotations KaTeX wrote into its MathML, unescaped.
    var texAnnotations: [String] {
        components(separatedBy: "<annotation encoding=\"application/x-tex\">").dropFirst().map {
            String($0.prefix(while: { $0 != "<" }))
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#x27;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
    }
}

/// Collects what an action logs, from any thread.
final class TestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ s: String) { lock.lock(); text += s; lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
}
