import Foundation

/// Typesets TeX with KaTeX (Debian's `katex` package) in one node process per batch.
///
/// Pages need no JavaScript: formulas become HTML + MathML at build time, and a formula KaTeX
/// rejects is a build error at the formula's position in the article.
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

    /// Uses `LITMATH_NODE` / `LITMATH_KATEX` when set, else node on the PATH and Debian's KaTeX.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        node = environment["LITMATH_NODE"] ?? Self.findExecutable(["node", "nodejs"], path: environment["PATH"]) ?? "/usr/bin/node"
        katexModule = environment["LITMATH_KATEX"] ?? "/usr/share/nodejs/katex"
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
        if requests.isEmpty { return [] }
        guard FileManager.default.isExecutableFile(atPath: node) else {
            throw SetupError(description: "node not found at '\(node)'; install it with 'apt-get install nodejs' or set LITMATH_NODE")
        }
        guard FileManager.default.fileExists(atPath: katexModule + "/package.json") else {
            throw SetupError(description: "KaTeX not found at '\(katexModule)'; install it with 'apt-get install katex' or set LITMATH_KATEX")
        }
        let payload = try JSONSerialization.data(withJSONObject: requests.map { ["tex": $0.tex, "display": $0.display] as [String: Any] })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("litmath-katex-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.json")
        let errors = directory.appendingPathComponent("stderr.txt")
        try payload.write(to: input)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = ["-e", Self.script, katexModule, input.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw SetupError(description: "KaTeX (node) failed with status \(process.terminationStatus): \(message.prefix(2000))")
        }
        guard let results = try JSONSerialization.jsonObject(with: data) as? [[String: Any]], results.count == requests.count else {
            throw SetupError(description: "KaTeX (node) returned malformed output")
        }
        return results.map { result in
            if let html = result["html"] as? String {
                return .success(html: html, warnings: result["warnings"] as? [String] ?? [])
            }
            return .failure(message: result["error"] as? String ?? "KaTeX error", offset: result["position"] as? Int)
        }
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

    /// The node side: reads the requests file, prints a JSON array of results.
    static let script = #"""
    const katex = require(process.argv[1]);
    const fs = require('fs');
    const requests = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    const results = requests.map(({ tex, display }) => {
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
    process.stdout.write(JSON.stringify(results));
    """#
}
