import Foundation

/// Builds a site: discover articles, parse them and run their directives, typeset every
/// formula in one KaTeX process, render pages, and write the output atomically.
///
/// Every diagnostic of the build is collected; if any is an error, nothing is written.
public struct SiteBuilder: Sendable {
    /// Where articles are read from.
    public var contentDirectory: URL
    /// Where the site is written.
    public var outputDirectory: URL
    /// KaTeX (node + Debian's katex).
    public var katex: KaTeX
    /// Debian's KaTeX stylesheet and fonts, copied into the site so it works offline.
    public var katexAssets: URL
    /// Called with each step's name as it starts (for progress output).
    public var progress: @Sendable (String) -> Void
    /// The cache of typeset formulas and directive results; `nil` computes everything.
    public var cache: BuildCache?
    /// Called with a line the user should see as it happens (waiting for another build's lock).
    public var notice: @Sendable (String) -> Void = { _ in }
    /// Whether articles are parsed and their directives run several at a time (the output is
    /// the same either way; tests compare the two).
    public var parsesInParallel = true
    /// Whether the figures recorded for Swift examples are drawn (and checked). `bless` turns
    /// this off: it records them anew, so a bad record must not stop it.
    public var drawsRecordedFigures = true

    /// Creates a builder with the default KaTeX locations.
    public init(contentDirectory: URL, outputDirectory: URL, katex: KaTeX = KaTeX(),
                katexAssets: URL = URL(fileURLWithPath: "/usr/share/javascript/katex"),
                cache: BuildCache? = nil, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.cache = cache
        self.contentDirectory = contentDirectory
        self.outputDirectory = outputDirectory
        self.katex = katex
        self.katexAssets = katexAssets
        self.progress = progress
    }

    /// The outcome of a build.
    public struct Report: Sendable {
        /// Everything found wrong, errors and warnings.
        public var diagnostics: [Diagnostic]
        /// Source text by display path, for printing source lines under diagnostics.
        public var sources: [String: String]
        /// Number of pages written (0 when the build failed).
        public var pagesWritten: Int
        /// Whether the failure was in the setup (missing tools, unreadable folders) rather than the content.
        public var isSetupFailure: Bool
        /// The parsed pages (with their directive results and inline values); drafts are not among them.
        public var pages: [Page] = []
        /// The path (relative to the content folder) of every article read, drafts included: what
        /// exists, as opposed to what is built, so `bless` never takes a draft's files for orphans.
        public var articlePaths: [String] = []
        /// Whether the output already held exactly what the build produced (nothing was written).
        public var upToDate = false
        /// Whether the build succeeded and wrote the output.
        public var succeeded: Bool { !diagnostics.containsErrors }
    }

    /// Renders the site in memory: output path → bytes, plus diagnostics.
    public func render() -> (files: [String: Data], report: Report) {
        var report = Report(diagnostics: [], sources: [:], pagesWritten: 0, isSetupFailure: false)
        func setupFailure(_ message: String) -> (files: [String: Data], report: Report) {
            report.diagnostics.append(.error("setup", message, at: nil))
            report.isSetupFailure = true
            return ([:], report)
        }
        progress("read content")
        var content: SiteContent, diagnostics: [Diagnostic]
        do {
            (content, diagnostics) = try SiteContent.read(from: contentDirectory)
        } catch {
            return setupFailure("\(error)")
        }
        if content.articles.isEmpty && !diagnostics.containsErrors {
            return setupFailure("no Markdown articles (*.md) in '\(Self.displayPath(contentDirectory))'")
        }
        var unreadable: [Diagnostic] = []
        // Only articles with a Swift example can have recorded figures.
        for article in content.articles where article.text.contains("example") {
            let url = contentDirectory.appendingPathComponent(Verifier.expectationPath(for: article.path))
            switch Verifier.readContentText(url, content: contentDirectory) {
            case let .success(text?): content.expectations[article.path] = SiteContent.TextFile(path: Verifier.expectationPath(for: article.path), display: Self.displayPath(url), text: text.text)
            case .success(nil): break
            case let .failure(refusal): unreadable.append(.error("expectations.read", "cannot read \(Self.displayPath(url)): \(refusal)", at: .file(Self.displayPath(url))))
            }
        }
        var (files, rendered) = render(content)
        rendered.diagnostics = diagnostics + unreadable + rendered.diagnostics
        if rendered.diagnostics.containsErrors { files = [:] }
        return (files, rendered)
    }

    /// Renders a site from article texts (path relative to the content folder, path for
    /// diagnostics, text), touching no files except KaTeX's assets: the whole pipeline in memory.
    public func render(_ texts: [(path: String, display: String, text: String)]) -> (files: [String: Data], report: Report) {
        render(SiteContent(articles: texts.map { SiteContent.TextFile(path: $0.path, display: $0.display, text: $0.text) }))
    }

    /// Renders a site from content in memory, touching no files except KaTeX's assets.
    public func render(_ content: SiteContent) -> (files: [String: Data], report: Report) {
        var report = Report(diagnostics: [], sources: [:], pagesWritten: 0, isSetupFailure: false)
        report.articlePaths = content.articles.map(\.path)
        func setupFailure(_ message: String) -> (files: [String: Data], report: Report) {
            report.diagnostics.append(.error("setup", message, at: nil))
            report.isSetupFailure = true
            return ([:], report)
        }

        var configuration = SiteConfiguration()
        if let file = content.configuration {
            report.sources[file.display] = file.text
            let (parsed, diagnostics) = SiteConfiguration.parse(file.text, file: file.display)
            configuration = parsed
            report.diagnostics += diagnostics
            report.diagnostics += configuration.checkNavigation(articles: content.articles.map(\.path))
        }
        for file in content.templates { report.sources[file.display] = file.text }
        let (templates, templateDiagnostics) = TemplateSet.load(content.templates)
        report.diagnostics += templateDiagnostics

        let katexVersion = cache == nil ? "" : katex.version
        let prismVersion = cache == nil ? "" : katex.prismVersion
        // Node typesets in the background while the directives run.
        let speculative = SpeculativeTypesetting(articles: content.articles, katex: katex, cache: cache,
                                                 katexVersion: katexVersion, prismVersion: prismVersion)

        progress("parse \(content.articles.count) articles and run directives")
        var pages: [Page] = []
        for (file, parsed) in zip(content.articles, Self.parseAll(content.articles, cache: cache, parallel: parsesInParallel)) {
            report.sources[file.display] = file.text
            report.diagnostics += parsed.diagnostics
            guard var page = parsed.page else { continue }
            report.diagnostics += SwiftExamples.problems(in: page)
            if drawsRecordedFigures, let file = content.expectations[file.path] {
                let (recorded, _) = Expectations.parse(file.text, file: file.display)
                let (figures, problems) = ExampleFigures.attach(recorded.figures, to: page, file: file.display)
                page.exampleFigures = figures
                report.diagnostics += problems
            }
            if !page.frontMatter.draft { pages.append(page) }
        }

        // References between pages, and the images articles show (files of the content folder).
        let (references, referenceDiagnostics) = CrossReferences.resolve(pages)
        report.diagnostics += referenceDiagnostics
        report.diagnostics += PageImages.check(pages, content: content)

        progress("typeset math and highlight code")
        var requests: [KaTeX.Request] = []
        var requestIndex: [KaTeX.Request: Int] = [:]
        var pageRequests: [[Int]] = []
        var codeRequests: [CodeHighlighter.Request] = []
        for page in pages {
            pageRequests.append(page.math.map { span in
                let request = KaTeX.Request(tex: span.tex, display: span.display)
                if let i = requestIndex[request] { return i }
                requests.append(request)
                requestIndex[request] = requests.count - 1
                return requests.count - 1
            })
            let restore = { (text: String) in
                MathExtractor.substitute(text, math: { page.math[$0].source }, value: { page.inlineValues[$0].span.sourceText })
            }
            for request in CodeHighlighter.requests(in: page.blocks, restore: restore) where !codeRequests.contains(request) {
                codeRequests.append(request)
            }
        }
        var outcomes = [KaTeX.Outcome?](repeating: nil, count: requests.count)
        var highlighted = [HTMLNode?](repeating: nil, count: codeRequests.count)
        var keys: [String] = [], codeKeys: [String] = []
        if let cache {
            keys = requests.map { cache.formulaKey($0, katexVersion: katexVersion) }
            for (i, key) in keys.enumerated() {
                if let html = cache.formula(key) { outcomes[i] = .success(html: html, warnings: []) }
            }
            codeKeys = codeRequests.map { cache.codeKey($0, prismVersion: prismVersion) }
            for (i, key) in codeKeys.enumerated() { highlighted[i] = cache.code(key) }
        }
        do {
            let guessed = speculative.results()
            for i in outcomes.indices where outcomes[i] == nil {
                guard let outcome = guessed.math[requests[i]] else { continue }
                outcomes[i] = outcome
                if let cache, case let .success(html, warnings) = outcome, warnings.isEmpty { cache.storeFormula(html, key: keys[i]) }
            }
            for i in highlighted.indices where highlighted[i] == nil {
                guard let node = guessed.code[codeRequests[i]] else { continue }
                highlighted[i] = node
                cache?.storeCode(node, key: codeKeys[i])
            }
        }
        let missing = outcomes.indices.filter { outcomes[$0] == nil }
        let missingCode = highlighted.indices.filter { highlighted[$0] == nil }
        if !missing.isEmpty || !missingCode.isEmpty {
            do {
                let fresh = try katex.render(missing.map { requests[$0] }, code: missingCode.map { codeRequests[$0] })
                for (i, outcome) in zip(missing, fresh.math) {
                    outcomes[i] = outcome
                    // Formulas with warnings are not cached, so their warnings show on every build.
                    if let cache, case let .success(html, warnings) = outcome, warnings.isEmpty { cache.storeFormula(html, key: keys[i]) }
                }
                for (i, node) in zip(missingCode, fresh.code) {
                    highlighted[i] = node
                    cache?.storeCode(node, key: codeKeys[i])
                }
            } catch {
                return setupFailure("\(error)")
            }
        }
        var highlights: [CodeHighlighter.Request: HTMLNode] = [:]
        for (request, node) in zip(codeRequests, highlighted) { highlights[request] = node }
        let highlight: (String, String) -> HTMLNode? = { info, code in
            guard !info.hasPrefix("scheduler"), let language = CodeHighlighter.Language(info: info) else { return nil }
            return highlights[CodeHighlighter.Request(language: language, code: code)]
        }
        let typeset = outcomes.map { $0 ?? .failure(message: "not typeset", offset: nil) }
        for (page, indices) in zip(pages, pageRequests) {
            for (span, index) in zip(page.math, indices) {
                switch typeset[index] {
                case let .failure(message, offset):
                    report.diagnostics.append(.error("math.katex", "cannot typeset \(span.display ? "display" : "inline") math: \(message)",
                                                     at: Self.location(of: offset, in: span)))
                case let .success(_, warnings):
                    for warning in warnings {
                        report.diagnostics.append(.warning("math.katex-strict", warning, at: span.location))
                    }
                }
            }
        }

        guard !report.diagnostics.containsErrors, let templates else { return ([:], report) }

        progress("render pages")
        let notFoundPage = pages.first { $0.sourcePath == NotFoundPage.sourcePath }
        let listed = configuration.navigation.compactMap { path in pages.first { $0.sourcePath == path } }
        let rest = pages.filter { page in page.sourcePath != NotFoundPage.sourcePath && !listed.contains { $0.sourcePath == page.sourcePath } }
            .sorted { a, b in
                let ai = a.sourcePath == "index.md" ? Int.min : (a.frontMatter.order ?? Int.max)
                let bi = b.sourcePath == "index.md" ? Int.min : (b.frontMatter.order ?? Int.max)
                return (ai, a.title, a.sourcePath) < (bi, b.title, b.sourcePath)
            }
        let ordered = listed + rest
        let siteTitle = configuration.title ?? pages.first { $0.sourcePath == "index.md" }?.title ?? "litmath"
        let template = PageTemplate(siteTitle: siteTitle, navigation: ordered.map { .init(title: $0.title, path: $0.outputPath) },
                                    configuration: configuration, templates: templates)
        var files: [String: Data] = [:]
        var search = SearchIndex()
        var notFoundRoot: String? = nil
        if let base = configuration.baseURL, let path = URL(string: base)?.path { notFoundRoot = path.hasSuffix("/") ? path : path + "/" }
        for (page, indices) in zip(pages, pageRequests) {
            let article = PageRenderer.article(page, references: references[page.sourcePath] ?? [:], math: { i in
                if case let .success(html, _) = typeset[indices[i]] { return html }
                return ""
            }, highlight: highlight)
            var document = PageRenderer.document(page, article: article)
            if page.sourcePath == NotFoundPage.sourcePath {
                document.path = NotFoundPage.outputPath
                document.isNotFound = true
                document.root = notFoundRoot
                files[NotFoundPage.outputPath] = Data(template.document(document).utf8)
            } else {
                files[page.outputPath] = Data(template.document(document).utf8)
                search.add(page, headings: article.headings)
            }
            for result in page.directives {
                if case let .plot(plot) = result.output {
                    files[PlotData.path(page: page.outputPath, id: result.id)] = Data(PlotData.csv(plot, xName: plot.dataXName).utf8)
                }
            }
        }
        if notFoundPage == nil {
            files[NotFoundPage.outputPath] = Data(template.document(NotFoundPage.document(home: ordered.first?.outputPath ?? "index.html", root: notFoundRoot)).utf8)
        }
        report.pagesWritten = pages.count
        report.pages = pages

        progress("write search index\(configuration.baseURL == nil ? "" : " and sitemap")")
        files[SearchIndex.indexPath] = search.script
        files[SearchIndex.scriptPath] = Data(SearchScript.source.utf8)
        if let base = configuration.baseURL {
            files[Sitemap.path] = Sitemap.xml(baseURL: base, pages: ordered.map { ($0.outputPath, $0.frontMatter.date) })
        }

        progress("copy assets and static files")
        files["assets/litmath.css"] = Data(Theme.css.utf8)
        do {
            try copyKaTeXAssets(into: &files)
        } catch {
            return setupFailure("\(error)")
        }
        for (path, data) in content.staticFiles.sorted(by: { $0.key < $1.key }) {
            let display = Self.displayPath(contentDirectory.appendingPathComponent(path))
            if files[path] != nil {
                let article = pages.first { $0.outputPath == path }
                let what = article.map { "the page built from '\($0.sourcePath)'" } ?? (path == NotFoundPage.outputPath ? "the 404 page (write 404.md to change it)" : "a file litmath writes")
                report.diagnostics.append(.error("static.collision", "'\(path)' would overwrite \(what)", at: .file(display),
                                                 notes: ["rename or move the file"]))
                continue
            }
            files[path] = data
        }

        progress("check links")
        let findings = Verifier.checkLinks(pages: pages.filter { $0.sourcePath != NotFoundPage.sourcePath }, files: files)
        for finding in findings {
            let page = pages.first { $0.displayPath == finding.article }
            // Every place the link is written; else a search of the source for it.
            var written = page.map { $0.locations(ofLinkIn: finding.message) } ?? []
            if written.isEmpty {
                written = [page.flatMap { Self.locate(finding.message, in: report.sources[$0.displayPath] ?? "", file: $0.displayPath) }
                    ?? SourceLocation(file: finding.article, line: 1, column: 1)]
            }
            for at in written {
                report.diagnostics.append(.error("link.broken", finding.message, at: at))
            }
        }

        return (files, report)
    }

    /// One article parsed, its directives run: the page (nil when too deeply nested to walk)
    /// and its diagnostics.
    struct ParsedArticle: Sendable {
        var page: Page?
        var diagnostics: [Diagnostic]
    }

    /// Parses every article and runs its directives, several articles at once: on a cold build
    /// the directives are most of the time, and each article's are independent of the others'
    /// (a page's scheduler definitions are its own). Results come back in article order, so the
    /// pages, the diagnostics and the output are the same as one article after another would give.
    static func parseAll(_ articles: [SiteContent.TextFile], cache: BuildCache?, parallel: Bool = true) -> [ParsedArticle] {
        let results = ParsedResults(count: articles.count)
        let parse: @Sendable (Int) -> Void = { i in
            let file = articles[i]
            let problems = MarkdownChecks.check(file.text, file: file.display)
            // Too deep to walk safely; the article is not parsed further.
            if problems.contains(where: { $0.id == "markdown.nesting" }) {
                results.set(i, ParsedArticle(page: nil, diagnostics: problems))
                return
            }
            let (page, diagnostics) = PageParser.parse(text: file.text, sourcePath: file.path, displayPath: file.display, cache: cache)
            results.set(i, ParsedArticle(page: page, diagnostics: problems + diagnostics))
        }
        if parallel, articles.count > 1 {
            DispatchQueue.concurrentPerform(iterations: articles.count, execute: parse)
        } else {
            articles.indices.forEach(parse)
        }
        return results.all
    }

    /// The slots `parseAll`'s workers fill, one per article, behind a lock.
    private final class ParsedResults: @unchecked Sendable {
        private var slots: [ParsedArticle?]
        private let lock = NSLock()
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: ParsedArticle) { lock.withLock { slots[i] = value } }
        var all: [ParsedArticle] { lock.withLock { slots.map { $0! } } }
    }

    /// Why the content and output folders cannot be used together, if they cannot: a build
    /// replaces the output folder as a whole, so it must not hold (or be) the content.
    static func overlap(content: URL, output: URL) -> String? {
        let c = resolvedPath(content)
        let o = resolvedPath(output)
        if c == o { return "the output folder is the content folder; choose another --output" }
        if o.hasPrefix(c + "/") { return "the output folder '\(displayPath(output))' is inside the content folder; choose an --output outside it" }
        if c.hasPrefix(o + "/") { return "the content folder is inside the output folder '\(displayPath(output))', which a build replaces; choose another --output" }
        return nil
    }

    /// `url` with every symbolic link along it resolved, also when its last components do not
    /// exist yet: realpath(3) needs an existing path, so the longest existing prefix is resolved
    /// and the rest appended. (`c2/site`, with `c2` a link to `content`, is `…/content/site`;
    /// Foundation's `resolvingSymlinksInPath` leaves a path that does not exist unresolved.)
    static func resolvedPath(_ url: URL) -> String {
        let standardized = url.standardizedFileURL.path
        var path = standardized
        var rest: [String] = []
        while true {
            if let real = realpath(path, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return rest.reversed().reduce(base == "/" ? "" : base) { $0 + "/" + $1 }
            }
            let parent = (path as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == path { return standardized }
            rest.append((path as NSString).lastPathComponent)
            path = parent
        }
    }

    /// Builds and, when there are no errors, writes the output.
    public func build() -> Report {
        // Refused before rendering: a wrong --output costs no build, and a link to a folder
        // that happens to hold the current site is not mistaken for an up-to-date output.
        if let problem = Self.overlap(content: contentDirectory, output: outputDirectory) ?? OutputWriter.refusal(outputDirectory) {
            return Report(diagnostics: [.error("setup", problem, at: nil)], sources: [:], pagesWritten: 0, isSetupFailure: true)
        }
        var (files, report) = render()
        guard report.succeeded else {
            report.pagesWritten = 0
            return report
        }
        if OutputWriter.isCurrent(files, at: outputDirectory) {
            OutputWriter.removeLeftovers(besideOutput: outputDirectory)
            report.upToDate = true
            return report
        }
        progress("write \(Self.displayPath(outputDirectory))")
        do {
            if try !OutputWriter.write(files, to: outputDirectory, waiting: notice) { report.upToDate = true }
        } catch {
            report.diagnostics.append(.error("output", "cannot write the site: \(error)", at: nil))
            report.isSetupFailure = true
            report.pagesWritten = 0
        }
        return report
    }

    private func copyKaTeXAssets(into files: inout [String: Data]) throws {
        let fm = FileManager.default
        let css = katexAssets.appendingPathComponent("katex.min.css")
        guard let stylesheet = fm.contents(atPath: css.path) else {
            throw OutputWriter.Failure(description: "KaTeX stylesheet not found at '\(css.path)'; install it with 'apt-get install libjs-katex'")
        }
        files["assets/katex/katex.min.css"] = stylesheet
        let fonts = katexAssets.appendingPathComponent("fonts").resolvingSymlinksInPath()
        for name in try fm.contentsOfDirectory(atPath: fonts.path).sorted() where name.hasPrefix("KaTeX_") {
            files["assets/katex/fonts/" + name] = fm.contents(atPath: fonts.appendingPathComponent(name).path)
        }
    }

    /// A formula's error position: the span's start advanced by KaTeX's UTF-16 offset into the TeX.
    static func location(of offset: Int?, in span: MathSpan) -> SourceLocation {
        guard let offset, offset > 0 else { return span.location }
        var location = span.location
        var consumed = 0
        for scalar in span.tex.unicodeScalars {
            if consumed >= offset { break }
            consumed += scalar.utf16.count
            if scalar == "\n" {
                location.line += 1
                location.column = 1
            } else {
                location.column += 1
            }
        }
        return location
    }

    /// The position of a broken link's target in the article, found by searching for it as
    /// written (`ddpm.md#x`) or as rendered (`ddpm.html#x`).
    static func locate(_ message: String, in source: String, file: String) -> SourceLocation? {
        guard let start = message.range(of: "'"), let end = message[start.upperBound...].range(of: "'") else { return nil }
        let href = String(message[start.upperBound..<end.lowerBound])
        var candidates = [href]
        if let dot = href.range(of: ".html") { candidates.insert(href.replacingCharacters(in: dot, with: ".md"), at: 0) }
        for candidate in candidates {
            guard let range = source.range(of: "(" + candidate) ?? source.range(of: candidate) else { continue }
            let prefix = source[..<range.lowerBound]
            let line = prefix.filter { $0 == "\n" }.count + 1
            let lastLine = prefix.lastIndex(of: "\n").map { prefix[prefix.index(after: $0)...] } ?? prefix
            return SourceLocation(file: file, line: line, column: lastLine.unicodeScalars.count + 2)
        }
        return nil
    }

    /// A path relative to the working directory when it is inside it, else absolute.
    static func displayPath(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        if path.hasPrefix(cwd + "/") { return String(path.dropFirst(cwd.count + 1)) }
        return path
    }
}
