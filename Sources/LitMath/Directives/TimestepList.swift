import Yams

/// The `t` of a table or a plot: timesteps (or, for inference quantities, step indices) written
/// out as a list, `t: [0, 500, 999]`, or as a range, `t: {from: 0, to: 999, every: 100}`.
///
/// A range starts at `from` and moves by `every` (1 when left out) towards `to`, which is included
/// only when it lies on that grid: `{from: 0, to: 999, every: 100}` is 0, 100, …, 900, and
/// `{from: 999, to: 0, every: 100}` counts down, 999, 899, …, 99, the order a sampler visits them.
enum TimestepList {
    static let rangeKeys = ["from", "to", "every"]
    /// More entries than any schedule has: a range this long is a mistake (a missing `every`, say).
    static let limit = 100_000
    static let example = "a list such as [0, 500, 999] or a range such as {from: 0, to: 999, every: 100}"

    /// The timesteps, each with where it is written (a range's timesteps are all at the range).
    static func read(_ node: Yams.Node, key: String, in map: YAMLMap, diagnostics: inout [Diagnostic]) -> [(t: Int, location: SourceLocation)]? {
        if let items = node.sequence {
            var timesteps: [(Int, SourceLocation)] = []
            for item in items {
                guard let t = item.int else {
                    diagnostics.append(.error("directive.type", "timestep '\(item.string ?? "…")' is not an integer", at: map.location(of: item)))
                    continue
                }
                timesteps.append((t, map.location(of: item)))
            }
            return timesteps
        }
        guard let range = YAMLMap(node, place: map.place) else {
            diagnostics.append(.error("directive.type", "'\(key)' must be \(example)", at: map.location(of: node)))
            return nil
        }
        var problems: [Diagnostic] = []
        range.checkKeys(rangeKeys, context: "a '\(key)' range", into: &problems)
        let from = range.int("from", into: &problems), to = range.int("to", into: &problems)
        let every = range.int("every", into: &problems) ?? 1
        if range.node("from") == nil || range.node("to") == nil {
            problems.append(.error("directive.missing-key", "a '\(key)' range needs 'from' and 'to', as in {from: 0, to: 999, every: 100}", at: range.location))
        }
        if every <= 0, let node = range.node("every") {
            problems.append(.error("directive.value", "'every' must be a positive integer, not \(every)", at: range.location(of: node),
                                   notes: ["a range counts down when 'from' is above 'to', as in {from: 999, to: 0, every: 100}"]))
        }
        diagnostics += problems
        guard problems.isEmpty, let from, let to else { return nil }
        let count = abs(to - from) / every + 1
        guard count <= limit else {
            diagnostics.append(.error("directive.value", "the '\(key)' range has \(count) entries, more than \(limit)", at: range.location))
            return nil
        }
        let direction = to >= from ? 1 : -1
        let location = range.location
        return (0..<count).map { (from + direction * every * $0, location) }
    }
}
