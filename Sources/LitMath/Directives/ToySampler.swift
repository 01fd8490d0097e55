import DiffusionSchedulers
import Yams

/// A sampler of a `trajectory` or `density` directive: a scheduler of the library with its
/// `set_timesteps` argument and, for DDIM, the η of its `step`, run on toy data with the exact model.
struct ToySampler {
    /// The keys of a sampler entry that are not scheduler configuration.
    static let keys = ["label", "scheduler", "eta"]

    var label: String
    var spec: SchedulerSpec
    var steps: Int
    /// DDIM's η (0 deterministic, 1 DDPM-like) and where it was written.
    var eta: (value: Double, location: SourceLocation)?

    /// Reads `samplers`, a non-empty list of `{label, scheduler, num_inference_steps, eta, …config}`
    /// over the directive's own configuration `base`; `directive` names the directive in messages.
    static func readList(_ map: YAMLMap, base: SchedulerSpec, context: DirectiveContext, directive: String,
                         diagnostics: inout [Diagnostic]) -> [ToySampler] {
        var samplers: [ToySampler] = []
        guard let node = map.node("samplers"), let items = node.sequence, !items.isEmpty else {
            diagnostics.append(.error("directive.type", "'samplers' must be a non-empty list such as [{label: DDIM, scheduler: DDIM, num_inference_steps: 10}]",
                                      at: map.node("samplers").map(map.location(of:)) ?? map.location))
            return []
        }
        for (n, item) in items.enumerated() {
            guard let entry = YAMLMap(item, place: map.place) else {
                diagnostics.append(.error("directive.type", "each sampler must be a mapping such as {label: DDIM 10 steps, scheduler: DDIM, num_inference_steps: 10}", at: map.location(of: item)))
                continue
            }
            let before = diagnostics.count
            entry.checkKeys(keys + [SchedulerKeys.inferenceSteps], alsoAllowed: SchedulerKeys.isConfigurationKey, context: "a \(directive) sampler", into: &diagnostics)
            // A misspelt num_inference_steps is reported once, as the unknown key it is.
            let misspelt = diagnostics.count > before
            let spec = SchedulerSpec.read(entry, reserved: ["label", "eta"], over: base, context: context, into: &diagnostics)
            let label = entry.string("label", into: &diagnostics) ?? spec.kind.rawValue + (n > 0 ? " \(n + 1)" : "")
            var eta: (Double, SourceLocation)?
            if let etaNode = entry.node("eta") {
                if let value = etaNode.float, value.isFinite, value >= 0, etaNode.scalar?.style == .plain {
                    eta = (value, entry.location(of: etaNode))
                } else {
                    diagnostics.append(.error("directive.value", "'eta' must be a number ≥ 0 such as 0.5, not '\(etaNode.string ?? "a collection")'", at: entry.location(of: etaNode)))
                }
                if spec.kind.className != DDIMSchedulerConfiguration.className {
                    diagnostics.append(.error("directive.value", "'eta' is an argument of DDIMScheduler.step; \(spec.kind.className) has none",
                                              at: entry.keyLocation("eta")))
                }
            }
            guard let steps = spec.inferenceSteps else {
                if misspelt { continue }
                diagnostics.append(.error("directive.missing-key", "a \(directive) sampler needs 'num_inference_steps', the argument of set_timesteps", at: entry.location))
                continue
            }
            guard (1...1000).contains(steps) else {
                diagnostics.append(.error("directive.value", "'num_inference_steps' must be between 1 and 1000 here, not \(steps)",
                                          at: spec.locations[SchedulerKeys.inferenceSteps] ?? entry.location))
                continue
            }
            samplers.append(ToySampler(label: label, spec: spec, steps: steps, eta: eta))
        }
        return samplers
    }

    /// Builds the scheduler and runs it from `start` with `mixture`'s exact model; nil after a diagnostic.
    func run(_ mixture: GaussianMixture, start: Tensor, generator: TorchGenerator, diagnostics: inout [Diagnostic]) -> (SamplingRun, any DiffusionScheduler)? {
        let scheduler: any DiffusionScheduler
        switch spec.makeScheduler() {
        case let .success(s): scheduler = s
        case let .failure(diagnostic):
            diagnostics.append(diagnostic)
            return nil
        }
        do {
            if let eta, let ddim = scheduler as? DDIMScheduler {
                return (try mixture.sampleDDIM(config: ddim.config, steps: steps, start: start, eta: eta.value, generator: generator), scheduler)
            }
            return (try mixture.sample(scheduler: scheduler, steps: steps, start: start, generator: generator), scheduler)
        } catch {
            diagnostics.append(spec.diagnostic(for: error))
            return nil
        }
    }
}
