import Foundation
import Yams

/// Starts typesetting a build's formulas and highlighting its code in the background while the
/// directives run, so on a cold build node's work overlaps the library's instead of following it.
///
/// It works from a quick pre-pass over the articles — front matter, math extraction and cmark,
/// but no directives — plus the formulas in directive captions and labels, read from the YAML
/// strings of each `scheduler` block. That is a superset guess: anything the real pass needs and
/// the guess missed is typeset afterwards, as before, and anything guessed but unused costs only
/// node time that would otherwise have been idle.
final class SpeculativeTypesetting: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var math: [KaTeX.Request: KaTeX.Outcome] = [:]
    private var code: [CodeHighlighter.Request: HTMLNode] = [:]

    /// Starts the pre-pass and the typesetting on a background thread at once: on a build whose
    /// results are all cached it finds nothing to do, on the other core, while the build reads its cache.
    init(articles: [SiteContent.TextFile], katex: KaTeX, cache: BuildCache?, katexVersion: String, prismVersion: String) {
        let thread = Thread { [self] in
            defer { done.signal() }
            let (formulas, blocks) = Self.guess(articles: articles, cache: cache, katexVersion: katexVersion, prismVersion: prismVersion)
            guard !formulas.isEmpty || !blocks.isEmpty, let result = try? katex.render(formulas, code: blocks) else { return }
            for (request, outcome) in zip(formulas, result.math) {
                math[request] = outcome
                // A guess that failed or warned is remembered, so node is not started for it every build.
                var clean = false
                if case let .success(_, warnings) = outcome { clean = warnings.isEmpty }
                if !clean, let cache { cache.markFormulaTried(cache.formulaKey(request, katexVersion: katexVersion)) }
            }
            for (request, node) in zip(blocks, result.code) { code[request] = node }
        }
        thread.start()
    }

    /// The formulas and code blocks the build will probably need that the cache does not hold.
    static func guess(articles: [SiteContent.TextFile], cache: BuildCache?, katexVersion: String, prismVersion: String)
        -> (formulas: [KaTeX.Request], code: [CodeHighlighter.Request])
    {
        var formulas: [KaTeX.Request] = [], seen: Set<KaTeX.Request> = []
        var blocks: [CodeHighlighter.Request] = [], seenBlocks: Set<CodeHighlighter.Request> = []
        for article in articles where MarkdownChecks.check(article.text, file: article.display).isEmpty {
            let (_, body, _) = FrontMatterParser.split(article.text, file: article.display)
            let extracted = MathExtractor.extract(body, file: article.display)
            var spans = extracted.spans
            let parsed = MarkdownParser.parse(extracted.text)
            for label in directiveStrings(in: parsed) {
                spans += MathExtractor.extract(label, file: article.display).spans
            }
            for span in spans {
                let request = KaTeX.Request(tex: span.tex, display: span.display)
                guard seen.insert(request).inserted else { continue }
                if let cache {
                    let key = cache.formulaKey(request, katexVersion: katexVersion)
                    if cache.formula(key) != nil || cache.formulaTried(key) { continue }
                }
                formulas.append(request)
            }
            let restore = { (text: String) in
                MathExtractor.substitute(text, math: { extracted.spans[$0].source }, value: { extracted.values[$0].sourceText })
            }
            for request in CodeHighlighter.requests(in: parsed, restore: restore) where seenBlocks.insert(request).inserted {
                if let cache, cache.code(cache.codeKey(request, prismVersion: prismVersion)) != nil { continue }
                blocks.append(request)
            }
        }
        return (formulas, blocks)
    }

    /// Waits for the background work; what it typeset (empty if node could not run: the
    /// foreground pass then reports the problem).
    func results() -> (math: [KaTeX.Request: KaTeX.Outcome], code: [CodeHighlighter.Request: HTMLNode]) {
        done.wait()
        done.signal()
        return (math, code)
    }

    /// Every string in the YAML of the page's `scheduler` blocks (captions, labels, titles).
    static func directiveStrings(in blocks: [MarkdownBlock]) -> [String] {
        var strings: [String] = []
        func collect(_ node: Yams.Node) {
            switch node {
            case let .scalar(scalar) where scalar.string.contains("$") || scalar.string.contains("\\("):
                strings.append(scalar.string)
            case let .mapping(mapping):
                for (_, value) in mapping { collect(value) }
            case let .sequence(sequence):
                sequence.forEach(collect)
            default:
                break
            }
        }
        for block in blocks.codeBlocks where block.info.hasPrefix("scheduler") {
            if let node = try? Yams.compose(yaml: block.literal) { collect(node) }
        }
        return strings
    }
}
