/// `scheduler plot`: schedule quantities against the training timestep, one line per series.
///
/// ```yaml
/// title: Signal left after t steps
/// x: t
/// y: alpha_cumprod
/// y_scale: log
/// series:
///   - {label: linear, scheduler: DDPM, beta_schedule: linear}
///   - {label: cosine, beta_schedule: squaredcos_cap_v2}
/// ```
/// Keys other than the plot's own (at the top level or in a series) are scheduler
/// configuration in diffusers' names; top-level ones apply to every series.
enum PlotDirective {
    static let keys = ["title", "caption", "x", "y", "x_label", "y_label", "x_scale", "y_scale", "series", "scheduler", "markers"]
    static let seriesKeys = ["label", "scheduler", "markers"]

    static func run(_ map: YAMLMap, id: String, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> PlotFigure? {
        let plotOwn = Set(keys + DirectiveRunner.commonKeys).subtracting(["scheduler"])
        map.checkKeys(keys + DirectiveRunner.commonKeys, alsoAllowed: SchedulerKeys.isSpecKey, context: "'scheduler plot'", into: &diagnostics)
        let base = SchedulerSpec.read(map, reserved: plotOwn, over: nil, context: context, into: &diagnostics)
        let title = map.string("title", into: &diagnostics)
        let caption = map.string("caption", into: &diagnostics)
        if let x = map.choice("x", ["t"], into: &diagnostics), x != "t" { return nil }
        guard map.node("y") != nil else {
            diagnostics.append(.error("directive.missing-key", "'scheduler plot' needs a 'y' key naming the quantity to plot", at: map.location,
                                      notes: ["quantities: \(ScheduleQuantity.allCases.map(\.rawValue).joined(separator: ", "))"]))
            return nil
        }
        let quantity = readQuantity(map, "y", diagnostics: &diagnostics)
        let xScale = map.choice("x_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .linear
        let yScale = map.choice("y_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .linear

        let markers = map.bool("markers", into: &diagnostics) ?? false
        var specs: [(label: String, spec: SchedulerSpec, markers: Bool)] = []
        if let seriesNode = map.node("series") {
            guard let items = seriesNode.sequence else {
                diagnostics.append(.error("directive.type", "'series' must be a list of mappings", at: map.location(of: seriesNode)))
                return nil
            }
            for (n, item) in items.enumerated() {
                guard let entry = YAMLMap(item, place: map.place) else {
                    diagnostics.append(.error("directive.type", "each entry of 'series' must be a mapping such as {label: linear, beta_schedule: linear}", at: map.location(of: item)))
                    continue
                }
                entry.checkKeys(seriesKeys, alsoAllowed: SchedulerKeys.isSpecKey, context: "a plot series", into: &diagnostics)
                let spec = SchedulerSpec.read(entry, reserved: ["label", "markers"], over: base, context: context, into: &diagnostics)
                let label = entry.string("label", into: &diagnostics) ?? "series \(n + 1)"
                specs.append((label, spec, entry.bool("markers", into: &diagnostics) ?? markers))
            }
        } else {
            specs.append((quantity?.label ?? "", base, markers))
        }
        guard let quantity else { return nil }

        var evaluator = QuantityEvaluator()
        var series: [PlotFigure.Series] = []
        for (label, spec, marked) in specs {
            guard let values = evaluator.values(quantity, for: spec, diagnostics: &diagnostics) else { continue }
            // The final inference sigma is 0 by construction (final_sigmas_type zero): no warning for it.
            let checked = quantity == .inferenceSigmas && values.last == 0 ? Array(values.dropLast()) : values
            if yScale == .log, let bad = checked.firstIndex(where: { !($0 > 0) }) {
                diagnostics.append(.warning("directive.log-scale", "series '\(label)' has \(quantity.rawValue) = \(values[bad]) at t = \(bad); points that are not positive are left out of the log-scale plot",
                                            at: spec.location))
            }
            series.append(PlotFigure.Series(label: label, x: values.indices.map(Double.init), y: values, markers: marked))
        }
        guard series.count == specs.count else { return nil }
        return PlotFigure(title: title ?? "\(quantity.label) against t", caption: caption ?? title,
                          xLabel: map.string("x_label", into: &diagnostics) ?? (quantity.isInference ? "inference step" : "timestep t"),
                          yLabel: map.string("y_label", into: &diagnostics) ?? quantity.label,
                          xScale: xScale, yScale: yScale, series: series, id: id)
    }
}
