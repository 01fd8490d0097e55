import Yams

/// A YAML mapping from a directive body that remembers where every key and value is, which
/// keys were read, and turns type mistakes into diagnostics at the right line and column.
struct YAMLMap {
    let pairs: [(key: String, keyNode: Yams.Node, value: Yams.Node)]
    let origin: Yams.Node
    /// Maps a YAML mark (1-based, within the body) to a position in the article.
    let place: @Sendable (Yams.Mark?) -> SourceLocation

    init?(_ node: Yams.Node, place: @escaping @Sendable (Yams.Mark?) -> SourceLocation) {
        guard let mapping = node.mapping else { return nil }
        pairs = mapping.map { (key: $0.key.string ?? "", keyNode: $0.key, value: $0.value) }
        origin = node
        self.place = place
    }

    var keys: [String] { pairs.map(\.key) }

    func node(_ key: String) -> Yams.Node? { pairs.first { $0.key == key }?.value }

    func keyLocation(_ key: String) -> SourceLocation {
        place(pairs.first { $0.key == key }?.keyNode.mark ?? origin.mark)
    }

    func location(of node: Yams.Node) -> SourceLocation { place(node.mark) }

    var location: SourceLocation { place(origin.mark) }

    /// Reports every key not in `allowed` (other than those accepted by `alsoAllowed`), with a "did you mean".
    func checkKeys(_ allowed: [String], alsoAllowed: (String) -> Bool = { _ in false }, context: String, into diagnostics: inout [Diagnostic]) {
        for pair in pairs where !allowed.contains(pair.key) && !alsoAllowed(pair.key) {
            var notes: [String] = []
            if let guess = Spelling.closest(to: pair.key, in: allowed + SchedulerKeys.known.sorted()) {
                notes.append("did you mean '\(guess)'?")
            }
            notes.append("\(context) accepts: \(allowed.joined(separator: ", "))")
            diagnostics.append(.error("directive.unknown-key", "unknown key '\(pair.key)' in \(context)",
                                      at: place(pair.keyNode.mark), notes: notes))
        }
    }

    func string(_ key: String, into diagnostics: inout [Diagnostic]) -> String? {
        guard let node = node(key) else { return nil }
        guard let scalar = node.scalar else {
            diagnostics.append(.error("directive.type", "'\(key)' must be text", at: location(of: node)))
            return nil
        }
        return scalar.string
    }

    func int(_ key: String, into diagnostics: inout [Diagnostic]) -> Int? {
        guard let node = node(key) else { return nil }
        guard let value = node.int else {
            diagnostics.append(.error("directive.type", "'\(key)' must be an integer, not '\(node.string ?? "a collection")'", at: location(of: node)))
            return nil
        }
        return value
    }

    func bool(_ key: String, into diagnostics: inout [Diagnostic]) -> Bool? {
        guard let node = node(key) else { return nil }
        guard let value = node.bool else {
            diagnostics.append(.error("directive.type", "'\(key)' must be true or false, not '\(node.string ?? "a collection")'", at: location(of: node)))
            return nil
        }
        return value
    }

    /// A value that must be one of `choices`.
    func choice(_ key: String, _ choices: [String], into diagnostics: inout [Diagnostic]) -> String? {
        guard let value = string(key, into: &diagnostics) else { return nil }
        guard choices.contains(value) else {
            var notes: [String] = []
            if let guess = Spelling.closest(to: value, in: choices) { notes.append("did you mean '\(guess)'?") }
            notes.append("'\(key)' accepts: \(choices.joined(separator: ", "))")
            diagnostics.append(.error("directive.value", "'\(value)' is not a valid '\(key)'", at: location(of: node(key)!), notes: notes))
            return nil
        }
        return value
    }
}

/// "Did you mean" suggestions by edit distance.
enum Spelling {
    /// The candidate closest to `word`, if it is close enough to be a plausible typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        let limit = max(2, word.count / 3)
        return best.1 <= limit && best.1 < word.count ? best.0 : nil
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
