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
    /// A `_class_name` that names no class of the library (`PNDMScheduler`, or a typo), where it
    /// was written; an error when the scheduler is built, unless a `scheduler:` picks the class.
    var unresolvedClassName: (name: String, location: SourceLocation)?
    /// Keys already reported as ignored for this class (by the `define` that wrote them), so each
    /// use of a definition does not repeat the warning.
    var reportedIgnoredKeys: Set<String> = []

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
                spec.unresolvedClassName = nil
            } else if let name = node.string, let failed = context.failedDefinitions[name] {
                // The define's own errors say what is wrong; computing with defaults instead would
                // only add wrong numbers (and wrong pin warnings) to them.
                diagnostics.append(.error("directive.scheduler", "scheduler '\(name)' has errors (see its define at line \(failed.line))",
                                          at: map.location(of: node)))
            } else {
                diagnostics.append(unknownScheduler(node.string ?? "", at: map.location(of: node), context: context))
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
            // `_class_name` picks the class, unless `scheduler:` beside it does (as
            // `DDIMScheduler.from_config(config)` overrides the class a config names).
            if pair.key == "_class_name", map.node(schedulerKey) == nil || reserved.contains(schedulerKey), let name = pair.value.string {
                if let kind = Kind(name: name) {
                    spec.kind = kind
                    spec.unresolvedClassName = nil
                } else {
                    spec.unresolvedClassName = (name, map.location(of: pair.value))
                }
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

    /// The error for a `scheduler:` name that is neither a class nor a definition made above,
    /// saying so when a `define` of that name comes further down the page.
    static func unknownScheduler(_ name: String, at location: SourceLocation, context: DirectiveContext) -> Diagnostic {
        let candidates = Kind.allCases.map(\.rawValue) + context.definitions.keys.sorted()
        var notes = ["available: \(candidates.joined(separator: ", "))"]
        if let below = context.pageDefinitions[name], below.line > location.line {
            notes = ["'\(name)' is defined below, at line \(below.line); move the define above its first use"]
        } else if let guess = Spelling.closest(to: name, in: candidates) {
            notes.insert("did you mean '\(guess)'?", at: 0)
        }
        return .error("directive.scheduler", "unknown scheduler '\(name)'", at: location, notes: notes)
    }

    /// Builds the scheduler, adding its error (once) or a warning for each key the class ignores
    /// because it belongs to another diffusers class.
    func makeScheduler(reporting diagnostics: inout [Diagnostic]) -> (any DiffusionScheduler)? {
        for warning in ignoredKeyWarnings() where !diagnostics.contains(warning) { diagnostics.append(warning) }
        switch makeScheduler() {
        case let .success(scheduler): return scheduler
        case let .failure(diagnostic):
            if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
            return nil
        }
    }

    /// One warning per key of another diffusers class that this spec's class ignores, at the key,
    /// as diffusers' `from_config` ignores them (Stable Diffusion 1.5's `skip_prk_steps` for DDIM).
    func ignoredKeyWarnings() -> [Diagnostic] {
        guard unresolvedClassName == nil else { return [] }
        return SchedulerFactory.ignoredKeys(className: kind.className, config: values)
            .filter { !reportedIgnoredKeys.contains(kind.className + "." + $0.key) }
            .map { ignored in
                .warning("directive.ignored-key", "'\(ignored.key)' is not a key of \(ignored.className); ignored",
                         at: locations[ignored.key] ?? location,
                         notes: ["it is a key of \(ignored.owners.joined(separator: ", ")); diffusers' from_config ignores it too"])
            }
    }

    /// Builds the scheduler, or a diagnostic at the offending key.
    func makeScheduler() -> Result<any DiffusionScheduler, Diagnostic> {
        if let (name, at) = unresolvedClassName {
            if SchedulerCatalog.unportedKeysByClassName[name] != nil {
                return .failure(.error("directive.scheduler", "DiffusionSchedulers has no port of \(name)", at: at, notes: [
                    "add 'scheduler: DDIM' (or another class) beside it to build this configuration with that class, as DDIMScheduler.from_config(config) does in diffusers",
                    "classes: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))",
                ]))
            }
            var notes: [String] = []
            if let guess = Spelling.closest(to: name, in: SchedulerFactory.classNames) { notes.append("did you mean '\(guess)'?") }
            notes.append("classes: \(SchedulerFactory.classNames.joined(separator: ", "))")
            return .failure(.error("directive.scheduler", "unknown scheduler class '\(name)'", at: at, notes: notes))
        }
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

