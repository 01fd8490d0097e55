import DiffusionSchedulers
import Foundation
import Yams

/// The knobs of an experiment sampler beyond its scheduler configuration — the `step` arguments a
/// pipeline passes (`eta`, `s_churn`…), classifier-free guidance, the img2img `strength` and the
/// slope fit — read from the experiment (defaults) and from each sampler (overrides).
struct ExperimentOptions {
    /// A number as written, with the location of its key (where the library's refusal points).
    struct Number {
        var value: Double
        var location: SourceLocation
    }

    /// `guidance: {class: c, scale: w}`.
    struct Guidance {
        var guidedClass: Int
        var scale: Double
        var location: SourceLocation
    }

    /// `fit`: which points the legend's slope goes through.
    enum Fit {
        /// Every point.
        case all
        /// The points with NFE in [from, to].
        case range(from: Double, to: Double, location: SourceLocation)
        /// The points before the error floor (see ``ExperimentDirective/fittedRange(nfe:errors:fit:)``).
        case auto
    }

    var eta: Number?
    var sChurn: Number?
    var sTmin: Number?
    var sTmax: Number?
    var sNoise: Number?
    var strength: Number?
    var guidance: Guidance?
    var fit: Fit?

    /// The keys read here, at the top of an experiment and in a sampler.
    static let keys = ["eta", "s_churn", "s_tmin", "s_tmax", "s_noise", "strength", "guidance", "fit"]
    /// The step arguments, by key, with the range each accepts.
    private static var stepArguments: [(key: String, path: WritableKeyPath<ExperimentOptions, Number?>, rule: String, ok: (Double) -> Bool)] { [
        ("eta", \.eta, "a number ≥ 0 such as 0.5", { $0.isFinite && $0 >= 0 }),
        ("s_churn", \.sChurn, "a number ≥ 0 such as 40", { $0.isFinite && $0 >= 0 }),
        ("s_tmin", \.sTmin, "a number ≥ 0 such as 0.05", { $0.isFinite && $0 >= 0 }),
        ("s_tmax", \.sTmax, "a number > 0 such as 50, or .inf", { !$0.isNaN && $0 > 0 }),
        ("s_noise", \.sNoise, "a number ≥ 0 such as 1.003", { $0.isFinite && $0 >= 0 }),
        ("strength", \.strength, "a number in (0, 1] such as 0.6", { $0.isFinite && $0 > 0 && $0 <= 1 }),
    ] }

    /// Reads the knobs of `map`; those it does not set come from `base` (the experiment's).
    static func read(_ map: YAMLMap, over base: ExperimentOptions?, into diagnostics: inout [Diagnostic]) -> ExperimentOptions {
        var options = base ?? ExperimentOptions()
        for argument in stepArguments {
            guard let node = map.node(argument.key) else { continue }
            guard let value = node.float, node.scalar?.style == .plain, argument.ok(value) else {
                diagnostics.append(.error("directive.value", "'\(argument.key)' must be \(argument.rule), not '\(node.string ?? "a collection")'",
                                          at: map.location(of: node)))
                continue
            }
            options[keyPath: argument.path] = Number(value: value, location: map.keyLocation(argument.key))
        }
        if let node = map.node("guidance") { options.guidance = readGuidance(node, map: map, into: &diagnostics) }
        if let node = map.node("fit") {
            options.fit = readFit(node, map: map, into: &diagnostics)
            options.fitKeyLocation = map.keyLocation("fit")
        }
        return options
    }

    private static func readGuidance(_ node: Yams.Node, map: YAMLMap, into diagnostics: inout [Diagnostic]) -> Guidance? {
        guard let entry = YAMLMap(node, place: map.place) else {
            diagnostics.append(.error("directive.type", "'guidance' must be a mapping such as {class: 1, scale: 7.5}", at: map.location(of: node)))
            return nil
        }
        entry.checkKeys(["class", "scale"], context: "'guidance'", into: &diagnostics)
        guard let classNode = entry.node("class"), let scaleNode = entry.node("scale") else {
            diagnostics.append(.error("directive.missing-key", "'guidance' needs 'class' and 'scale', such as {class: 1, scale: 7.5}", at: entry.location))
            return nil
        }
        guard let guidedClass = classNode.int else {
            diagnostics.append(.error("directive.type", "'class' must be an integer class label, not '\(classNode.string ?? "a collection")'", at: entry.location(of: classNode)))
            return nil
        }
        guard let scale = scaleNode.float, scaleNode.scalar?.style == .plain, scale.isFinite else {
            diagnostics.append(.error("directive.type", "'scale' must be a finite number such as 7.5, not '\(scaleNode.string ?? "a collection")'", at: entry.location(of: scaleNode)))
            return nil
        }
        return Guidance(guidedClass: guidedClass, scale: scale, location: map.keyLocation("guidance"))
    }

    private static func readFit(_ node: Yams.Node, map: YAMLMap, into diagnostics: inout [Diagnostic]) -> Fit? {
        if let word = node.scalar?.string, node.scalar?.style == .plain {
            switch word {
            case "all": return .all
            case "auto": return .auto
            default: break
            }
        }
        guard let entry = YAMLMap(node, place: map.place) else {
            diagnostics.append(.error("directive.type", "'fit' must be 'all', 'auto' or a range of NFE such as {from: 20, to: 80}, not '\(node.string ?? "a collection")'",
                                      at: map.location(of: node)))
            return nil
        }
        entry.checkKeys(["from", "to"], context: "'fit'", into: &diagnostics)
        var bounds: [Double] = []
        for key in ["from", "to"] {
            guard let value = entry.node(key) else {
                diagnostics.append(.error("directive.missing-key", "'fit' needs '\(key)', such as {from: 20, to: 80}", at: entry.location))
                return nil
            }
            guard let number = value.float, value.scalar?.style == .plain, number.isFinite, number > 0 else {
                diagnostics.append(.error("directive.type", "'\(key)' must be a positive number of model evaluations, not '\(value.string ?? "a collection")'",
                                          at: entry.location(of: value)))
                return nil
            }
            bounds.append(number)
        }
        guard bounds[0] < bounds[1] else {
            diagnostics.append(.error("directive.value", "'fit' must go from a smaller NFE to a larger one, not from \(Expectations.number(bounds[0])) to \(Expectations.number(bounds[1]))",
                                      at: map.location(of: node)))
            return nil
        }
        return .range(from: bounds[0], to: bounds[1], location: map.keyLocation("fit"))
    }

    /// The options the library's run takes, with the img2img start when `strength` is set.
    func sampling(originalSamples: Tensor?) -> SamplingOptions {
        var options = SamplingOptions()
        if let eta { options.eta = eta.value }
        if let sChurn { options.sChurn = sChurn.value }
        if let sTmin { options.sTmin = sTmin.value }
        if let sTmax { options.sTmax = sTmax.value }
        if let sNoise { options.sNoise = sNoise.value }
        if let strength {
            options.strength = strength.value
            options.originalSamples = originalSamples
        }
        return options
    }

    /// Where `fit` was written, when it was.
    var fitLocation: SourceLocation? { fit == nil ? nil : fitKeyLocation }
    /// The location of the `fit` key that set `fit`.
    var fitKeyLocation: SourceLocation?

    /// Where the library's refusal of one of these knobs points: the key the error names.
    func location(forKey key: String?) -> SourceLocation? {
        switch key {
        case "eta": eta?.location
        case "s_churn": sChurn?.location ?? sTmin?.location ?? sTmax?.location ?? sNoise?.location
        case "strength": strength?.location
        case "classes", "class", "scale": guidance?.location
        default: nil
        }
    }
}
