import Foundation

/// Typesets TeX with KaTeX (Debian's `katex` package) and highlights code with Prism (Debian's
/// `node-prismjs`), all in one node process per batch.
///
/// Pages need no JavaScript: formulas become HTML + MathML at build time, and a formula KaTeX
/// rejects is a build error at the formula's position in the article. Code comes back from Prism
/// as a token tree, not as markup, and `CodeHighlighter` builds the spans with `HTMLNode`, so
/// escaping code text never depends on the highlighter.
public struct KaTeX: Sendable {
    /// One formula to typeset.
    public struct Request: Sendable, Hashable {
        /// The TeX source.
        public var tex: String
        /// Display (block) or inline math.
        public var display: Bool

        /// Creates a request.
        public init(tex: String, display: Bool) {
            self.tex = tex
            self.display = display
        }
    }

    /// What KaTeX made of one formula.
    public enum Outcome: Sendable, Equatable {
        /// The typeset HTML, and any LaTeX-compatibility warnings.
        case success(html: String, warnings: [String])
        /// KaTeX's message, and the UTF-16 offset into the TeX where it stopped, if known.
        case failure(message: String, offset: Int?)
    }

    /// Why typesetting could not run at all.
    public struct SetupError: Error, CustomStringConvertible {
        /// What went wrong, with the fix.
        public var description: String
    }

    /// The node executable.
    public var node: String
    /// The KaTeX package folder (holding `katex.js`).
    public var katexModule: String
    /// The Prism package folder (holding `prism.js` and `components/`).
    public var prismModule: String
    /// How long the node process may run before it is stopped and the build fails.
    public var timeout: TimeInterval = 300

    /// Uses `LITMATH_NODE` / `LITMATH_KATEX` / `LITMATH_PRISM` when set, else node on the PATH and
    /// Debian's KaTeX and Prism.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        node = environment["LITMATH_NODE"] ?? Self.findExecutable(["node", "nodejs"], path: environment["PATH"]) ?? "/usr/bin/node"
        katexModule = environment["LITMATH_KATEX"] ?? "/usr/share/nodejs/katex"
        prismModule = environment["LITMATH_PRISM"] ?? "/usr/share/nodejs/prismjs"
    }

    /// Prism's version, read from its package.json (part of the cache key of highlighted code).
    public var prismVersion: String {
        guard let data = FileManager.default.contents(atPath: prismModule + "/package.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let version = object["version"] as? String else { return "unknown" }
        return version
    }

    /// The KaTeX version, read from its package.json (part of the cache key of typeset formulas).
    public var version: String {
        guard let data = FileManager.default.contents(atPath: katexModule + "/package.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let version = object["version"] as? String else { return "unknown" }
        return version
    }

    /// Typesets every request in one node process; outcomes are in request order.
    public func render(_ requests: [Request]) throws -> [Outcome] {
        try render(requests, code: []).math
    }

    /// Typesets formulas and highlights code in one node process; outcomes are in request order.
    public func render(_ requests: [Request], code: [CodeHighlighter.Request]) throws -> (math: [Outcome], code: [HTMLNode]) {
        if requests.isEmpty && code.isEmpty { return ([], []) }
        guard FileManager.default.isExecutableFile(atPath: node) else {
            throw SetupError(description: "node not found at '\(node)'; install it with 'apt-get install nodejs' or set LITMATH_NODE")
        }
        guard requests.isEmpty || FileManager.default.fileExists(atPath: katexModule + "/package.json") else {
            throw SetupError(description: "KaTeX not found at '\(katexModule)'; install it with 'apt-get install katex' or set LITMATH_KATEX")
        }
        guard code.isEmpty || FileManager.default.fileExists(atPath: prismModule + "/components/index.js") else {
            throw SetupError(description: "Prism not found at '\(prismModule)'; install it with 'apt-get install node-prismjs' or set LITMATH_PRISM")
        }
        let payload = try JSONSerialization.data(withJSONObject: [
            "math": requests.map { ["tex": $0.tex, "display": $0.display] as [String: Any] },
            "code": code.map { ["code": $0.code, "language": $0.language.prismName] },
        ] as [String: Any])
        // The requests hold article text: a folder only this user can read, removed on the way out.
        let folder = try PrivateTemporaryFolder(purpose: "katex")
        defer { folder.remove() }
        let input = folder.url.appendingPathComponent("in.json")
        try payload.write(to: input)

        // A formula or a code block that sends node into a loop must not hang the build, and node
        // must not outlive a litmath that is killed (ChildProcess sees to both).
        let child = ChildProcess([node, "-e", Self.script, requests.isEmpty ? "" : katexModule, code.isEmpty ? "" : prismModule, input.path],
                                 timeout: timeout, separateErrors: true)
        let result: ChildProcess.Result
        do {
            result = try child.run()
        } catch {
            throw SetupError(description: "cannot run node at '\(node)': \(error)")
        }
        if result.timedOut {
            throw SetupError(description: "KaTeX/Prism (node) did not finish within \(Int(timeout)) s and was stopped")
        }
        guard result.status == 0 else {
            let message = String(decoding: result.errors, as: UTF8.self)
            let how = result.status.map { "with status \($0)" } ?? "by signal \(result.signal ?? 0)"
            throw SetupError(description: "KaTeX (node) failed \(how): \(message.prefix(2000))")
        }
        let data = result.output
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let results = object["math"] as? [[String: Any]], results.count == requests.count,
              let highlighted = object["code"] as? [Any], highlighted.count == code.count else {
            throw SetupError(description: "KaTeX/Prism (node) returned malformed output")
        }
        let math: [Outcome] = results.map { result in
            if let html = result["html"] as? String {
                return .success(html: html, warnings: result["warnings"] as? [String] ?? [])
            }
            return .failure(message: result["error"] as? String ?? "KaTeX error", offset: result["position"] as? Int)
        }
        return (math, highlighted.map(CodeHighlighter.nodes(fromTokens:)))
    }

    static func findExecutable(_ names: [String], path: String?) -> String? {
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            for name in names {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// The node side: reads the requests file, prints `{math: [...], code: [...]}`. Code comes
    /// back as Prism's token stream: a string, or `{t: type, a: [aliases], c: [children]}`.
    static let script = #"""
    const fs = require('fs');
    const [katexPath, prismPath, inputPath] = process.argv.slice(1);
    const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
    const katex = katexPath ? require(katexPath) : null;
    let Prism = null;
    if (prismPath) {
      Prism = require(prismPath + '/components/prism-core.js');
      require(prismPath + '/components/index.js')(['swift', 'python', 'bash']);
    }
    const tokens = (stream) => (typeof stream === 'string') ? stream
      : Array.isArray(stream) ? stream.map(tokens)
      : { t: stream.type, a: stream.alias ? [].concat(stream.alias) : [], c: [].concat(tokens(stream.content)) };
    const code = input.code.map(({ code, language }) =>
      [].concat(tokens(Prism.tokenize(code, Prism.languages[language]))));
    const math = input.math.map(({ tex, display }) => {
      const warnings = [];
      try {
        const html = katex.renderToString(tex, {
          displayMode: display,
          throwOnError: true,
          output: 'htmlAndMathml',
          trust: false,
          strict: (code, message) => { warnings.push(message); return 'ignore'; },
        });
        return { html, warnings };
      } catch (e) {
        if (e instanceof katex.ParseError) {
          return { error: e.rawMessage || e.message, position: typeof e.position === 'number' ? e.position : null };
        }
        return { error: String(e && e.message || e) };
      }
    });
    process.stdout.write(JSON.stringify({ math, code }));
    """#
}
