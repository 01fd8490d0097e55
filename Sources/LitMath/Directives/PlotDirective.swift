/// `scheduler plot`: schedule quantities against the training timestep (or the inference step, or
/// another quantity of the same scheduler at the same timesteps), one line per series.
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
/// `x` may be `t`, `step` (the inference step index, for `timesteps` and `inference_sigmas`),
/// `sigma`, `lambda`, `log_snr`, `snr` or `alpha_cumprod`; a series may plot its own `quantity`
/// (overriding `y`), and `t` (a list or a range, see `TimestepList`) keeps only some timesteps.
/// Keys other than the plot's own (at the top level or in a series) are scheduler
/// configuration in diffusers' names; top-level ones apply to every series.
enum PlotDirective {
    static let keys = ["title", "caption", "x", "y", "t", "x_label", "y_label", "x_scale", "y_scale", "series", "scheduler", "markers"]
    static let seriesKeys = ["label", "quantity", "scheduler", "markers"]
    /// What `x` may be: the training timestep, the inference step index, or a per-timestep
    /// quantity of the same scheduler at the same timesteps.
    static let axes = ["t", "step", "sigma", "lambda", "log_snr", "snr", "alpha_cumprod"]

    static func run(_ map: YAMLMap, id: String, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> PlotFigure? {
        let plotOwn = Set(keys + DirectiveRunner.commonKeys).subtracting(["scheduler"])
        map.checkKeys(keys + DirectiveRunner.commonKeys, alsoAllowed: SchedulerKeys.isSpecKey, context: "'scheduler plot'", into: &diagnostics)
        let base = SchedulerSpec.read(map, reserved: plotOwn, over: nil, context: context, into: &diagnostics)
        let title = map.string("title", into: &diagnostics)
        let caption = map.string("caption", into: &diagnostics)
        var xName: String?
        if map.node("x") != nil {
            guard let x = map.choice("x", axes, into: &diagnostics) else { return nil }
            xName = x
        }
        let quantity = map.node("y") == nil ? nil : readQuantity(map, "y", diagnostics: &diagnostics)
        if map.node("y") != nil, quantity == nil { return nil }
        let xScale = map.choice("x_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .linear
        let yScale = map.choice("y_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .linear
        let picked = map.node("t").flatMap { TimestepList.read($0, key: "t", in: map, diagnostics: &diagnostics) }

        struct Line {
            var label: String
            var spec: SchedulerSpec
            var markers: Bool
            var quantity: ScheduleQuantity
            var location: SourceLocation
        }
        let markers = map.bool("markers", into: &diagnostics) ?? false
        var lines: [Line] = []
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
                let spec = SchedulerSpec.read(entry, reserved: ["label", "markers", "quantity"], over: base, context: context, into: &diagnostics)
                // A series' own quantity overrides the plot's 'y'.
                let own = entry.node("quantity") == nil ? nil : readQuantity(entry, "quantity", diagnostics: &diagnostics)
                guard let chosen = own ?? quantity else {
                    if entry.node("quantity") == nil {
                        diagnostics.append(.error("directive.missing-key", "this series needs a 'quantity', as the plot has no 'y'", at: entry.location,
                                                  notes: ["quantities: \(ScheduleQuantity.allCases.map(\.rawValue).joined(separator: ", "))"]))
                    }
                    continue
                }
                let label = entry.string("label", into: &diagnostics) ?? (own.map(\.label) ?? "series \(n + 1)")
                lines.append(Line(label: label, spec: spec, markers: entry.bool("markers", into: &diagnostics) ?? markers, quantity: chosen, location: entry.location))
            }
        } else if let quantity {
            lines.append(Line(label: quantity.label, spec: base, markers: markers, quantity: quantity, location: map.location))
        } else {
            diagnostics.append(.error("directive.missing-key", "'scheduler plot' needs a 'y' key naming the quantity to plot, or series with a 'quantity' each", at: map.location,
                                      notes: ["quantities: \(ScheduleQuantity.allCases.map(\.rawValue).joined(separator: ", "))"]))
            return nil
        }
        guard !lines.isEmpty, !diagnostics.containsErrors else { return nil }

        // The axis: given, else the inference step when every series is per step, else t.
        let perStep = lines.filter { $0.quantity.isInference }
        let axis = xName ?? (perStep.count == lines.count ? "step" : "t")
        let xLocation = map.node("x").map(map.location(of:)) ?? map.location
        if axis == "step" {
            for line in lines where !line.quantity.isInference {
                diagnostics.append(.error("directive.value", "'x: step' is the inference step, but series '\(line.label)' plots '\(line.quantity.rawValue)', which is per training timestep",
                                          at: xName == nil ? line.location : xLocation,
                                          notes: ["per-step quantities: \(ScheduleQuantity.allCases.filter(\.isInference).map(\.rawValue).joined(separator: ", ")); plot the others against t"]))
            }
        } else {
            for line in perStep {
                diagnostics.append(.error("directive.value", "series '\(line.label)' plots '\(line.quantity.rawValue)', which is per inference step: it needs 'x: step', not '\(axis)'",
                                          at: xName == nil ? line.location : xLocation,
                                          notes: ["a plot's series are either all per inference step or all per training timestep"]))
            }
        }
        guard !diagnostics.containsErrors else { return nil }
        let xQuantity = ScheduleQuantity(rawValue: axis)

        var evaluator = QuantityEvaluator()
        var series: [PlotFigure.Series] = []
        for line in lines {
            guard let values = evaluator.values(line.quantity, for: line.spec, diagnostics: &diagnostics) else { continue }
            var xs = values.indices.map(Double.init)
            if let xQuantity {
                guard let axisValues = evaluator.values(xQuantity, for: line.spec, diagnostics: &diagnostics) else { continue }
                guard axisValues.count == values.count else {
                    diagnostics.append(.error("directive.value", "series '\(line.label)': '\(line.quantity.rawValue)' has \(values.count) values but '\(axis)' has \(axisValues.count)", at: line.location))
                    continue
                }
                xs = axisValues
            }
            var ys = values
            if let picked {
                var indices: [Int] = []
                for (t, location) in picked {
                    if values.indices.contains(t) { indices.append(t) } else {
                        diagnostics.append(.error("directive.value", "\(axis == "step" ? "step" : "timestep") \(t) is outside series '\(line.label)' (0…\(values.count - 1))", at: location))
                    }
                }
                xs = indices.map { xs[$0] }
                ys = indices.map { values[$0] }
            }
            // A quantity as the axis can be infinite at an end (λ where ᾱ = 0): such points cannot be placed.
            if let bad = xs.firstIndex(where: { !$0.isFinite }) {
                diagnostics.append(.warning("directive.axis", "series '\(line.label)' has \(axis) = \(xs[bad]) at t = \(picked?[bad].t ?? bad); points where \(axis) is not finite are left out",
                                            at: line.spec.location))
                let keep = xs.indices.filter { xs[$0].isFinite }
                ys = keep.map { ys[$0] }
                xs = keep.map { xs[$0] }
            }
            // The final inference sigma is 0 by construction (final_sigmas_type zero): no warning for it.
            let checked = line.quantity == .inferenceSigmas && ys.last == 0 ? Array(ys.dropLast()) : ys
            if yScale == .log, let bad = checked.firstIndex(where: { !($0 > 0) }) {
                diagnostics.append(.warning("directive.log-scale", "series '\(line.label)' has \(line.quantity.rawValue) = \(ys[bad]) at \(axis) = \(Expectations.number(xs[bad])); points that are not positive are left out of the log-scale plot",
                                            at: line.spec.location))
            }
            series.append(PlotFigure.Series(label: line.label, x: xs, y: ys, markers: line.markers))
        }
        guard series.count == lines.count, !diagnostics.containsErrors else { return nil }
        // Default labels: the quantity's, or each distinct one when the series plot several.
        var distinct: [ScheduleQuantity] = []
        for line in lines where !distinct.contains(line.quantity) { distinct.append(line.quantity) }
        let yText = distinct.map(\.label).joined(separator: ", ")
        let xText = xQuantity?.label ?? (axis == "step" ? "inference step" : "timestep t")
        var plot = PlotFigure(title: title ?? "\(yText) against \(xQuantity?.label ?? (axis == "step" ? "the inference step" : "t"))", caption: caption ?? title,
                              xLabel: map.string("x_label", into: &diagnostics) ?? xText,
                              yLabel: map.string("y_label", into: &diagnostics) ?? yText,
                              xScale: xScale, yScale: yScale, series: series, id: id)
        plot.dataXName = axis
        // A title with no caption is the caption; with one, it heads the figure.
        if caption != nil { plot.heading = title }
        return plot
    }
}
