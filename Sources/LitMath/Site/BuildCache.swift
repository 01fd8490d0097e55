import Foundation

/// A content-addressed cache of the expensive parts of a build — typeset formulas and directive
/// results — kept outside the output folder (`.litmath-cache/` by default).
///
/// Keys hash everything a result depends on. Formulas depend on their TeX, display mode and the
/// KaTeX version. Directive results depend on the directive's kind and body, the scheduler
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

    /// Creates a cache in `directory`.
    public init(directory: URL, codeIdentity: String = BuildCache.executableIdentity()) {
        self.directory = directory
        self.codeIdentity = codeIdentity
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
        Self.hash(["formula", katexVersion, request.display ? "display" : "inline", request.tex])
    }

    func formula(_ key: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path("katex", key).path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    func storeFormula(_ html: String, key: String) {
        write(Data(html.utf8), to: path("katex", key))
    }

    // MARK: Directives

    func directiveKey(_ block: DirectiveBlock, definitions: [String]) -> String {
        Self.hash(["directive", codeIdentity, block.kind, block.body] + definitions)
    }

    /// A cached result, re-anchored to `block` (its current place in the article).
    func directive(_ key: String, for block: DirectiveBlock) -> DirectiveResult? {
        guard let data = FileManager.default.contents(atPath: path("directive", key).path),
              var result = try? JSONDecoder().decode(DirectiveResult.self, from: data) else { return nil }
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(result) else { return }
        write(data, to: path("directive", key))
    }

    // MARK: Storage

    private func path(_ kind: String, _ key: String) -> URL {
        directory.appendingPathComponent("v1").appendingPathComponent(kind).appendingPathComponent(String(key.prefix(2)))
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
