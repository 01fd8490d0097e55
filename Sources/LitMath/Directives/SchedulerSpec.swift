import DiffusionSchedulers
import Yams

/// A scheduler as a directive names it: a class and diffusers configuration keys, each with
/// its place in the article so a bad key or value is reported where it was written.
struct SchedulerSpec: Sendable {
    /// A scheduler class a directive can name: diffusers' class name (`DPMSolverMultistepScheduler`)
    /// or the same without `Scheduler` (`DPMSolverMultistep`, `DDPM`), in any case.
    struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// diffusers' class name.
        let className: String

        static let ddpm = Kind(className: DDPMSchedulerConfiguration.className)

        init(className: String) { self.className = className }

        init?(name: String) {
            let wanted = name.lowercased()
            guard let match = SchedulerFactory.classNames.first(where: {
                $0.lowercased() == wanted || $0.lowercased() == wanted + "scheduler"
            }) else { return nil }
            className = match
        }

        /// Every class, by its short name.
        static var allCases: [Kind] { SchedulerFactory.classNames.map(Kind.init(className:)) }

        /// The short name (`DDPM`).
        var rawValue: String { className.hasSuffix("Scheduler") ? String(className.dropLast("Scheduler".count)) : className }

        var description: String { className }
    }

    var kind: Kind = .ddpm
    var values: [String: ConfigValue] = [:]
    var locations: [String: SourceLocation] = [:]
    /// `num_inference_steps`: the `set_timesteps` argument for inference quantities (not configuration).
    var inferenceSteps: Int?
    /// Arguments of the scheduler's `step` (`eta`, `s_churn`, …) for the step quantities; not configuration.
    var stepArguments: [String: Double] = [:]
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
            if SchedulerKeys.isStepArgument(pair.key) {
                if let value = pair.value.float, pair.value.scalar?.style == .plain {
                    spec.stepArguments[pair.key] = value
                } else {
                    diagnostics.append(.error("directive.type", "'\(pair.key)' must be a number", at: map.location(of: pair.value)))
                }
                spec.locations[pair.key] = map.place(pair.keyNode.mark)
                continue
            }
            // Unknown keys were reported by the directive's key check.
            guard SchedulerKeys.isConfigurationKey(pair.key) else { continue }
            if pair.key == SchedulerKeys.inferenceSteps {
                if let n = pair.value.int { spec.inferenceSteps = n } else {
                    diagnostics.append(.error("directive.type", "'num_inference_steps' must be an integer", at: map.location(of: pair.value)))
                }
                spec.locations[pair.key] = map.place(pair.keyNode.mark)
                continue
            }
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

    /// Builds the scheduler, or a diagnostic at the offending key.
    func makeScheduler() -> Result<any DiffusionScheduler, Diagnostic> {
        do {
            return .success(try SchedulerFactory.make(className: kind.className, config: values))
        } catch {
            return .failure(diagnostic(for: error))
        }
    }

    /// Builds the scheduler's training-time noise schedule, or a diagnostic at the offending key.
    func makeSchedule() -> Result<NoiseSchedule, Diagnostic> {
        switch makeScheduler() {
        case let .failure(diagnostic):
            return .failure(diagnostic)
        case let .success(scheduler):
            guard let scheduled = scheduler as? any NoiseScheduled else {
                return .failure(.error("directive.scheduler", "\(kind.className) has no discrete ᾱ schedule to read quantities from", at: location))
            }
            return .success(scheduled.schedule)
        }
    }

    /// A library error as a diagnostic at the key it names.
    func diagnostic(for error: SchedulerError) -> Diagnostic {
        let at = error.key.flatMap { locations[$0] } ?? location
        var notes: [String] = []
        if let suggestion = error.suggestion { notes.append("did you mean '\(suggestion)'?") }
        return .error("directive.config", error.message, at: at, notes: notes)
    }
}

