import Foundation
@testable import LitMath

/// Builds pages in memory through the real pipeline (cmark, directives, KaTeX in node).
enum TestSite {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Renders `files` (path → Markdown) and returns the output files as text plus the report.
    /// `assets` (path → bytes, such as images) are put in a temporary content folder for the build.
    static func render(_ files: [String: String], assets: [String: Data] = [:]) -> (pages: [String: String], report: SiteBuilder.Report) {
        let built = build(files, assets: assets)
        return (built.pages, built.report)
    }

    /// Like `render(_:assets:)`, with every output file's bytes too.
    static func build(_ files: [String: String], assets: [String: Data] = [:]) -> (pages: [String: String], report: SiteBuilder.Report, output: [String: Data]) {
        var content = URL(fileURLWithPath: "/nonexistent")
        if !assets.isEmpty, let folder = try? temporaryDirectory() {
            content = folder
            for (path, data) in assets {
                let url = folder.appendingPathComponent(path)
                try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try? data.write(to: url)
            }
        }
        defer { if !assets.isEmpty { try? FileManager.default.removeItem(at: content) } }
        let builder = SiteBuilder(contentDirectory: content, outputDirectory: URL(fileURLWithPath: "/nonexistent"))
        let (output, report) = builder.render(files.sorted { $0.key < $1.key }.map { (path: $0.key, display: "content/" + $0.key, text: $0.value) })
        var pages: [String: String] = [:]
        for (path, data) in output where path.hasSuffix(".html") {
            pages[path] = String(decoding: data, as: UTF8.self)
        }
        return (pages, report, output)
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

    /// Every file under `directory` with its bytes, by relative path.
    static func snapshot(_ directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let root = directory.standardizedFileURL.resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [:] }
        for case let url as URL in enumerator {
            var isDirectory: ObjCBool = false
            let resolved = url.standardizedFileURL.resolvingSymlinksInPath()
            if FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[String(resolved.path.dropFirst(root.count + 1))] = FileManager.default.contents(atPath: resolved.path)
            }
        }
        return result
    }
}

extension String {
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
