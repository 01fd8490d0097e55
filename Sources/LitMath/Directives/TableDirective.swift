import DiffusionSchedulers

/// `scheduler table`: schedule quantities at chosen timesteps, one column per quantity.
///
/// ```yaml
/// caption: The linear schedule at a few timesteps
/// beta_schedule: linear
/// t: [0, 250, 500, 750, 999]      # or a range: {from: 0, to: 999, every: 250}
/// columns:
///   - {label: "$\\beta_t$", quantity: beta}
///   - {label: "$\\bar\\alpha_t$", quantity: alpha_cumprod}
///   - {label: "cosine $\\bar\\alpha_t$", quantity: alpha_cumprod, beta_schedule: squaredcos_cap_v2}
/// digits: 4
/// ```
/// Labels may contain math. Other keys are scheduler configuration (as in `plot`).
enum TableDirective {
    static let keys = ["caption", "t", "columns", "digits", "notation", "scheduler", "t_label", "best"]
    static let columnKeys = ["label", "quantity", "scheduler"]

    static func run(_ map: YAMLMap, id: String, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> TableFigure? {
        let own = Set(keys + DirectiveRunner.commonKeys).subtracting(["scheduler"])
        map.checkKeys(keys + DirectiveRunner.commonKeys, alsoAllowed: SchedulerKeys.isSpecKey, context: "'scheduler table'", into: &diagnostics)
        let base = SchedulerSpec.read(map, reserved: own, over: nil, context: context, into: &diagnostics)
        let format = readFormat(map, diagnostics: &diagnostics)

        guard let tNode = map.node("t") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler table' needs a 't' key: \(TimestepList.example)", at: map.location))
            return nil
        }
        guard let timesteps = TimestepList.read(tNode, key: "t", in: map, diagnostics: &diagnostics) else { return nil }
        guard let columnsNode = map.node("columns") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler table' needs a 'columns' list, e.g. [{label: beta, quantity: beta}]", at: map.location))
            return nil
        }
        guard let columnItems = columnsNode.sequence, !columnItems.isEmpty else {
            diagnostics.append(.error("directive.type", "'columns' must be a non-empty list", at: map.location(of: columnsNode)))
            return nil
        }
        var headers = [map.string("t_label", into: &diagnostics) ?? "$t$"]
        var columns: [[Double]] = []
        var evaluator = QuantityEvaluator()
        for item in columnItems {
            // A bare quantity name is a column with the default label.
            if let name = item.scalar?.string {
                guard let quantity = ScheduleQuantity(name: name) else {
                    let names = ScheduleQuantity.allCases.map(\.rawValue)
                    diagnostics.append(.error("directive.quantity", "unknown quantity '\(name)'", at: map.location(of: item),
                                              notes: (Spelling.closest(to: name, in: names).map { ["did you mean '\($0)'?"] } ?? []) + ["quantities: \(names.joined(separator: ", "))"]))
                    continue
                }
                headers.append(quantity.label)
                if let values = evaluator.values(quantity, for: base, diagnostics: &diagnostics) { columns.append(values) }
                continue
            }
            guard let entry = YAMLMap(item, place: map.place) else {
                diagnostics.append(.error("directive.type", "each column must be a quantity name or a mapping such as {label: β, quantity: beta}", at: map.location(of: item)))
                continue
            }
            entry.checkKeys(columnKeys, alsoAllowed: SchedulerKeys.isSpecKey, context: "a table column", into: &diagnostics)
            guard entry.node("quantity") != nil else {
                diagnostics.append(.error("directive.missing-key", "a table column needs a 'quantity' key", at: entry.location))
                continue
            }
            let spec = SchedulerSpec.read(entry, reserved: ["label", "quantity"], over: base, context: context, into: &diagnostics)
            guard let quantity = readQuantity(entry, "quantity", diagnostics: &diagnostics) else { continue }
            headers.append(entry.string("label", into: &diagnostics) ?? quantity.label)
            if let values = evaluator.values(quantity, for: spec, diagnostics: &diagnostics) { columns.append(values) }
        }
        guard !diagnostics.containsErrors, columns.count == columnItems.count else { return nil }
        var rows: [[Double]] = []
        for (t, location) in timesteps {
            guard columns.allSatisfy({ $0.indices.contains(t) }) else {
                diagnostics.append(.error("directive.value", "timestep \(t) is outside the schedule (0…\((columns.map(\.count).min() ?? 1) - 1))", at: location))
                continue
            }
            rows.append([Double(t)] + columns.map { $0[t] })
        }
        guard !diagnostics.containsErrors else { return nil }
        let best = map.choice("best", TableFigure.Best.allCases.map(\.rawValue), into: &diagnostics).flatMap(TableFigure.Best.init)
        return TableFigure(caption: map.string("caption", into: &diagnostics), headers: headers, rows: rows, format: format, id: id, best: best)
    }
}

/// The diffusers configuration keys a directive may set, so that directive keys can be
/// checked for typos without rejecting real `scheduler_config.json` keys.
enum SchedulerKeys {
    static func isConfigurationKey(_ key: String) -> Bool {
        key.hasPrefix("_") || key == inferenceSteps || SchedulerCatalog.diffusersKeys.contains(key)
    }

    /// The `set_timesteps` argument, for the inference quantities.
    static let inferenceSteps = "num_inference_steps"

    /// Whether `key` is an argument of a scheduler's `step` (`eta`, `s_churn`, …), which the step
    /// quantities take.
    static func isStepArgument(_ key: String) -> Bool { StepQuantities.arguments[key] != nil }

    /// Configuration or step argument: the keys a table, plot or value may set beside its own.
    static func isSpecKey(_ key: String) -> Bool { isConfigurationKey(key) || isStepArgument(key) }

    /// Every key of every diffusers scheduler class DiffusionSchedulers knows (ported or not).
    static var known: Set<String> { SchedulerCatalog.diffusersKeys }
}
