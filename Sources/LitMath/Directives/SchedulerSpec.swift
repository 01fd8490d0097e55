import DiffusionSchedulers
import Yams

/// A scheduler as a directive names it: a class and diffusers configuration keys, each with
/// its place in the article so a bad key or value is reported where it was written.
struct SchedulerSpec: Sendable {
    /// The scheduler classes a directive can name (with diffusers' own class names accepted).
    enum Kind: String, Sendable, CaseIterable {
        case ddpm = "DDPM"

        init?(name: String) {
            let trimmed = name.hasSuffix("Scheduler") ? String(name.dropLast("Scheduler".count)) : name
            guard let kind = Kind.allCases.first(where: { $0.rawValue.lowercased() == trimmed.lowercased() }) else { return nil }
            self = kind
        }
    }

    var kind: Kind = .ddpm
    var values: [String: ConfigValue] = [:]
    var locations: [String: SourceLocation] = [:]
    /// Where the spec was written, for errors that name no key.
    var location: SourceLocation

    /// The keys of a series or column that are not scheduler configuration.
    static let schedulerKey = "scheduler"

    /// Reads every key of `map` not in `reserved` as a configuration value, over `base`.
    ///
    /// `scheduler:` is applied first, whatever its position: a class (`DDPM`), a name defined on
    /// the page by a `scheduler define` block, or a mapping of configuration. The other keys
    /// then override it.
    static func read(_ map: YAMLMap, reserved: Set<String>, over base: SchedulerSpec?, context: DirectiveContext,
                     into diagnostics: inout [Diagnostic]) -> SchedulerSpec {
        var spec = base ?? SchedulerSpec(location: map.location)
        spec.location = map.location
        if !reserved.contains(schedulerKey), let node = map.node(schedulerKey) {
            if let mapping = YAMLMap(node, place: map.place) {
                spec = read(mapping, reserved: [], over: spec, context: context, into: &diagnostics)
            } else if let name = node.string, let named = context.definitions[name] {
                spec = named
                spec.location = map.location
            } else if let name = node.string, let kind = Kind(name: name) {
                spec.kind = kind
            } else {
                let candidates = Kind.allCases.map(\.rawValue) + context.definitions.keys.sorted()
                var notes = ["available: \(candidates.joined(separator: ", "))"]
                if let guess = Spelling.closest(to: node.string ?? "", in: candidates) {
                    notes.insert("did you mean '\(guess)'?", at: 0)
                }
                diagnostics.append(.error("directive.scheduler", "unknown scheduler '\(node.string ?? "")'",
                                          at: map.location(of: node), notes: notes))
            }
        }
        for pair in map.pairs where !reserved.contains(pair.key) && pair.key != schedulerKey {
            // Unknown keys were reported by the directive's key check.
            guard SchedulerKeys.isConfigurationKey(pair.key) else { continue }
            if pair.key == "_class_name", let name = pair.value.string, let kind = Kind(name: name) {
                spec.kind = kind
            }
            spec.values[pair.key] = configValue(pair.value)
            spec.locations[pair.key] = map.place(pair.keyNode.mark)
        }
        return spec
    }

    static func configValue(_ node: Yams.Node) -> ConfigValue {
        switch node {
        case let .sequence(items):
            return .array(items.map(configValue))
        case .mapping:
            return .string(node.string ?? "")
        default:
            if node.null != nil { return .null }
            if let b = node.bool, node.scalar?.style == .plain { return .bool(b) }
            if let i = node.int, node.scalar?.style == .plain { return .int(i) }
            if let d = node.float, node.scalar?.style == .plain { return .double(d) }
            return .string(node.string ?? "")
        }
    }

    /// Builds the scheduler's noise schedule, or a diagnostic at the offending key.
    func makeSchedule() -> Result<NoiseSchedule, Diagnostic> {
        do {
            switch kind {
            case .ddpm:
                let scheduler = try DDPMScheduler(config: DDPMSchedulerConfiguration(values: values))
                return .success(scheduler.schedule)
            }
        } catch {
            let at = error.key.flatMap { locations[$0] } ?? location
            var notes: [String] = []
            if let suggestion = error.suggestion { notes.append("did you mean '\(suggestion)'?") }
            return .failure(.error("directive.config", error.message, at: at, notes: notes))
        }
    }
}

