import Foundation

/// A content-addressed cache of the expensive parts of a build — typeset formulas, highlighted
/// code and directive results — kept outside the output folder (`.litmath-cache/` by default).
///
/// Keys hash everything a result depends on. Formulas depend on their TeX, display mode and the
/// KaTeX version; highlighted code on its text, its language, the Prism version and the running
/// executable (which builds the spans). Directive results depend on the directive's kind and body, the scheduler
/// definitions before it on the page, and the *identity of the running executable* (its size and
/// modification time): any change to litmath or DiffusionSchedulers produces a new executable and
/// so misses the cache, which is why no hand-maintained version number can let stale numbers
/// through. A directive's position is not part of its key: a cached result is re-anchored to
/// where the block is now, so editing the prose above a plot does not re-run it.
public struct BuildCache: Sendable {
    /// The cache folder.
    public var directory: URL
    /// Identifies the running code.
    public var codeIdentity: String
    /// This user's secret, part of every key, so that entries nobody but this user could have
    /// written are never found (see `CacheFolder`).
    public var secret: String

    /// Creates a cache in `directory`, a folder that `CacheFolder.open` accepted.
    public init(directory: URL, codeIdentity: String = BuildCache.executableIdentity(), secret: String) {
        self.directory = directory
        self.codeIdentity = codeIdentity
        self.secret = secret
    }

    /// Size and modification time of the running executable (the code that computes results).
    public static func executableIdentity() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? "litmath"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "unknown-\(path)" }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(path)|\(size)|\(modified)"
    }

    // MARK: Formulas

    func formulaKey(_ request: KaTeX.Request, katexVersion: String) -> String {
        Self.hash([secret, "formula", katexVersion, request.display ? "display" : "inline", request.tex])
    }

    func formula(_ key: String) -> String? {
        guard let data = read(path("katex", key)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether a formula was already tried and could not be typeset (or typeset with warnings),
    /// so the background pre-pass does not start node for it on every build.
    func formulaTried(_ key: String) -> Bool {
        FileManager.default.fileExists(atPath: path("katex-tried", key).path)
    }

    func markFormulaTried(_ key: String) {
        write(Data(), to: path("katex-tried", key))
    }

    func storeFormula(_ html: String, key: String) {
        write(Data(html.utf8), to: path("katex", key))
    }

    // MARK: Code

    func codeKey(_ request: CodeHighlighter.Request, prismVersion: String) -> String {
        Self.hash([secret, "code", codeIdentity, prismVersion, request.language.rawValue, request.code])
    }

    /// Highlighted code: markup that litmath itself built from Prism's tokens.
    func code(_ key: String) -> HTMLNode? {
        guard let data = read(path("code", key)) else { return nil }
        return .raw(String(decoding: data, as: UTF8.self))
    }

    func storeCode(_ node: HTMLNode, key: String) {
        write(Data(node.rendered.utf8), to: path("code", key))
    }

    // MARK: Directives

    func directiveKey(_ block: DirectiveBlock, definitions: [String]) -> String {
        Self.hash([secret, "directive", codeIdentity, block.kind, block.body] + definitions)
    }

    /// A cached result, re-anchored to `block` (its current place in the article).
    func directive(_ key: String, for block: DirectiveBlock) -> DirectiveResult? {
        guard let data = read(path("directive-v3", key)),
              let entry = try? JSONDecoder().decode(Entry.self, from: data) else { return nil }
        var result = entry.result
        if entry.recordsAreSeries, case let .plot(plot) = result.output {
            result.records = Self.seriesRecords(plot)
        }
        let shift = block.line - result.block.line
        result.block = block
        result.warnings = result.warnings.map { warning in
            var moved = warning
            moved.location?.line += shift
            moved.location?.file = block.file
            return moved
        }
        return result
    }

    func storeDirective(_ result: DirectiveResult, key: String) {
        // A plot's records are its series; they are stored once and rebuilt on load, which
        // halves what a warm build decodes.
        var entry = Entry(result: result, recordsAreSeries: false)
        if case let .plot(plot) = result.output, result.records == Self.seriesRecords(plot) {
            entry.result.records = []
            entry.recordsAreSeries = true
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(entry) else { return }
        write(data, to: path("directive-v3", key))
    }

    /// A cached directive result.
    private struct Entry: Codable {
        var result: DirectiveResult
        var recordsAreSeries: Bool
    }

    static func seriesRecords(_ plot: PlotFigure) -> [ValueRecord] {
        ValueRecord.series(of: plot)
    }

    // MARK: Storage

    /// An entry, through the project's reader: never through a link out of the cache.
    private func read(_ url: URL) -> Data? {
        try? ProjectFile.read(url, within: directory.path, limit: ProjectFile.staticLimit).get()
    }

    private func path(_ kind: String, _ key: String) -> URL {
        directory.appendingPathComponent(CacheFolder.entries).appendingPathComponent(kind).appendingPathComponent(String(key.prefix(2)))
            .appendingPathComponent(key)
    }

    /// Best effort: a cache that cannot be written only makes the next build slower.
    private func write(_ data: Data, to url: URL) {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: url, options: .atomic)
    }

    /// A 128-bit FNV-1a hash (two 64-bit lanes with different offsets) of length-prefixed parts,
    /// as 32 hex digits. Not cryptographic: a cache key only needs to make accidental collisions
    /// negligible, and this avoids a dependency for it.
    static func hash(_ parts: [String]) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        let prime: UInt64 = 0x0000_0100_0000_01b3
        func mix(_ byte: UInt8) {
            a = (a ^ UInt64(byte)) &* prime
            b = (b ^ UInt64(byte ^ 0x5c)) &* prime
        }
        for part in parts {
            let utf8 = Array(part.utf8)
            withUnsafeBytes(of: UInt64(utf8.count).littleEndian) { for byte in $0 { mix(byte) } }
            for byte in utf8 { mix(byte) }
        }
        return String(format: "%016llx%016llx", a, b)
    }
}
