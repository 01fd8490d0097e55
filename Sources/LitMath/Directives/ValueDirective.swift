import DiffusionSchedulers
/// `scheduler value`: one schedule quantity at one timestep, shown as `label = number`.
///
/// ```yaml
/// quantity: alpha_cumprod
/// t: 999
/// scheduler: sd          # a name from a `scheduler define` block, or a class
/// label: '$\bar\alpha_{999}$'
/// digits: 4
/// ```
enum ValueDirective {
    static let keys = ["quantity", "t", "label", "digits", "notation", "scheduler"]

    static func run(_ map: YAMLMap, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> (String, Double, NumberFormat)? {
        map.checkKeys(keys + DirectiveRunner.commonKeys, alsoAllowed: SchedulerKeys.isSpecKey, context: "'scheduler value'", into: &diagnostics)
        let own = Set(keys + DirectiveRunner.commonKeys).subtracting(["scheduler"])
        let spec = SchedulerSpec.read(map, reserved: own, over: nil, context: context, into: &diagnostics)
        let format = readFormat(map, diagnostics: &diagnostics)
        guard map.node("quantity") != nil else {
            diagnostics.append(.error("directive.missing-key", "'scheduler value' needs a 'quantity' key", at: map.location))
            return nil
        }
        guard let quantity = readQuantity(map, "quantity", diagnostics: &diagnostics) else { return nil }
        guard let t = map.int("t", into: &diagnostics) else {
            if map.node("t") == nil {
                diagnostics.append(.error("directive.missing-key", "'scheduler value' needs a 't' key (a timestep; negative counts from the end)", at: map.location))
            }
            return nil
        }
        var evaluator = QuantityEvaluator()
        guard let values = evaluator.values(quantity, for: spec, diagnostics: &diagnostics) else { return nil }
        let index = t < 0 ? values.count + t : t
        guard values.indices.contains(index) else {
            diagnostics.append(.error("directive.value", "timestep \(t) is outside the schedule (0…\(values.count - 1))", at: map.location(of: map.node("t")!)))
            return nil
        }
        let label = map.string("label", into: &diagnostics) ?? "\(quantity.label) at t = \(index)"
        // A whole number (a timestep) is shown as one unless the author chose digits or a notation.
        if map.node("digits") == nil, map.node("notation") == nil, NumberFormat.isWhole(values[index]) {
            return (label, values[index], NumberFormat(style: .integer))
        }
        return (label, values[index], format)
    }
}

/// `scheduler define`: names a scheduler configuration for the rest of the page.
///
/// ```yaml
/// name: sd
/// scheduler: DDPM
/// beta_schedule: scaled_linear
/// beta_start: 0.00085
/// beta_end: 0.012
/// ```
/// Later directives say `scheduler: sd`, and inline values `sd.alpha_cumprod[999]`.
enum DefineDirective {
    static func run(_ map: YAMLMap, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> (String, SchedulerSpec)? {
        map.checkKeys(["name", "scheduler", "id"], alsoAllowed: SchedulerKeys.isSpecKey, context: "'scheduler define'", into: &diagnostics)
        guard let nameNode = map.node("name") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler define' needs a 'name' key", at: map.location))
            return nil
        }
        guard let name = map.string("name", into: &diagnostics) else { return nil }
        guard let first = name.first, first.isLetter || first == "_", name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            diagnostics.append(.error("directive.value", "scheduler name '\(name)' must be an identifier (letters, digits, '_')", at: map.location(of: nameNode)))
            return nil
        }
        if context.definitions[name] != nil {
            diagnostics.append(.error("directive.duplicate-name", "scheduler '\(name)' is already defined on this page", at: map.location(of: nameNode)))
            return nil
        }
        if SchedulerSpec.Kind(name: name) != nil {
            diagnostics.append(.error("directive.value", "'\(name)' is a scheduler class; choose another name", at: map.location(of: nameNode)))
            return nil
        }
        var spec = SchedulerSpec.read(map, reserved: ["name", "id"], over: nil, context: context, into: &diagnostics)
        // Build it once now, so a bad configuration is reported at the definition. Only the scheduler:
        // flow matching has no ᾱ schedule, yet its inference sigmas and timesteps are quantities too.
        guard spec.makeScheduler(reporting: &diagnostics) != nil else { return nil }
        // The keys of other classes were reported here, at the define; its uses need not repeat it.
        spec.reportedIgnoredKeys = Set(SchedulerFactory.ignoredKeys(className: spec.kind.className, config: spec.values)
            .map { spec.kind.className + "." + $0.key })
        return (name, spec)
    }
}
