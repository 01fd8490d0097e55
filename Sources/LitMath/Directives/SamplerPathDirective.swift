import DiffusionSchedulers
import Foundation
import Yams

/// `scheduler trajectory` with `samplers`: the discrete path of real schedulers of the library,
/// run with the exact model of 1-D toy data, drawn over the exact probability-flow paths from the
/// same starts.
///
/// ```yaml
/// title: DDIM at 5, 10 and 20 steps
/// data: {means: [-1, 1], std: [0.15, 0.15]}
/// paths: 4
/// clip_sample: false                 # configuration at the top applies to every sampler
/// timestep_spacing: trailing
/// samplers:
///   - {label: DDIM 5 steps, scheduler: DDIM, num_inference_steps: 5}
///   - {label: DDIM 20 steps, scheduler: DDIM, num_inference_steps: 20}
/// show: [exact, sampler, x0_pred]
/// y: x_t                              # or step_error
/// ```
///
/// The x axis is the training timestep t of the first sampler's schedule (``TimestepAxis``): every
/// state is placed at the t of its noise level, the exact path too, and clean data sits at t = −1,
/// where diffusers' last DDIM step lands. The y axis is x on the variance-preserving scale
/// (x/√(α² + σ²): the Euler family's x₀ + σ·ε becomes the x_t of DDIM), so every sampler and the
/// exact path share it. `x0_pred` adds each step's x̂₀: the scheduler's own `pred_original_sample`
/// where its step reports one (after clipping), else the exact model's E[x₀ | x_t], which is what
/// the model output of such a solver converts to.
///
/// `y: step_error` plots, against the step index, each step's local error (the distance between
/// the sampler's state after the step and the exact ODE solution from its state before it, over
/// the same levels) and the global error (the distance to the exact path from the start), averaged
/// over the paths on the variance-preserving scale.
enum SamplerPathDirective {
    static let keys = ["title", "caption", "data", "paths", "seed", "samplers", "show", "y", "y_scale", "scheduler"]
    static let shows = ["exact", "sampler", "x0_pred"]
    static let quantities = ["x_t", "step_error"]
    /// Points of an exact path on the plot (each a few RK4 steps from the one before).
    static let exactPoints = 120
    /// RK4 steps of the exact solution over one sampler step (local and global error).
    static let stepReferenceSteps = 200
    /// The palette index of the exact paths (the last, black in light mode).
    static let exactStyle = 7

    static func run(_ map: YAMLMap, id: String, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> (PlotFigure, [ValueRecord])? {
        map.checkKeys(keys + DirectiveRunner.commonKeys, alsoAllowed: SchedulerKeys.isConfigurationKey,
                      context: "'scheduler trajectory' with samplers", into: &diagnostics)
        let own = Set(keys + DirectiveRunner.commonKeys).subtracting(["scheduler"])
        let base = SchedulerSpec.read(map, reserved: own, over: nil, context: context, into: &diagnostics)
        let paths = map.int("paths", into: &diagnostics) ?? 4
        let seed = map.int("seed", into: &diagnostics) ?? 0
        let quantity = map.choice("y", quantities, into: &diagnostics) ?? "x_t"
        let yScale = map.choice("y_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init)
            ?? (quantity == "step_error" ? .log : .linear)
        if !(1...50).contains(paths) {
            diagnostics.append(.error("directive.value", "'paths' must be between 1 and 50, not \(paths)", at: map.node("paths").map(map.location(of:)) ?? map.location))
        }
        if seed < 0 { diagnostics.append(.error("directive.value", "'seed' must not be negative", at: map.location(of: map.node("seed")!))) }
        var show = ["exact", "sampler"]
        if let node = map.node("show") {
            let items = node.sequence?.compactMap(\.string) ?? node.string.map { [$0] } ?? []
            if let bad = items.first(where: { !shows.contains($0) }) {
                var notes: [String] = []
                if let guess = Spelling.closest(to: bad, in: shows) { notes.append("did you mean '\(guess)'?") }
                notes.append("'show' accepts: \(shows.joined(separator: ", ")) (with samplers)")
                diagnostics.append(.error("directive.value", "'\(bad)' is not a valid 'show' with samplers", at: map.location(of: node), notes: notes))
            } else if items.isEmpty {
                diagnostics.append(.error("directive.value", "'show' must list some of \(shows.joined(separator: ", "))", at: map.location(of: node)))
            } else {
                show = items
            }
        }

        let samplers = ToySampler.readList(map, base: base, context: context, directive: "trajectory", diagnostics: &diagnostics)
        guard let dataNode = map.node("data") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler trajectory' needs 'data', a 1-D Gaussian mixture such as {means: [-1, 1], std: [0.15, 0.15]}", at: map.location))
            return nil
        }
        guard let mixture = ExperimentDirective.readMixture(dataNode, map: map, diagnostics: &diagnostics), !diagnostics.containsErrors else { return nil }
        guard mixture.dimension == 1 else {
            diagnostics.append(.error("directive.value", "sampler paths are drawn for 1-D data; these means are \(mixture.dimension)-D", at: map.location(of: dataNode)))
            return nil
        }

        let start: Tensor
        do {
            start = try TorchGenerator(seed: UInt64(seed)).randn(shape: [paths, 1])
        } catch {
            diagnostics.append(.error("directive.trajectory", error.message, at: map.location))
            return nil
        }
        // Run every sampler; the first one's ᾱ table is the t axis.
        var runs: [SamplingRun] = []
        var axis: TimestepAxis?
        for (index, sampler) in samplers.enumerated() {
            guard let (run, scheduler) = sampler.run(mixture, start: start, generator: TorchGenerator(seed: UInt64(seed) &+ 1 &+ UInt64(index)),
                                                     diagnostics: &diagnostics) else { return nil }
            if axis == nil {
                guard let scheduled = scheduler as? any NoiseScheduled else {
                    diagnostics.append(.error("directive.scheduler", "\(sampler.spec.kind.className) has no training ᾱ table to place timesteps on; put a DDPM-family sampler first",
                                              at: sampler.spec.location))
                    return nil
                }
                do {
                    axis = try TimestepAxis(alphasCumprod: scheduled.schedule.alphasCumprod)
                } catch {
                    diagnostics.append(sampler.spec.diagnostic(for: error))
                    return nil
                }
            }
            runs.append(run)
        }
        guard let axis else { return nil }

        var series: [PlotFigure.Series] = []
        var records: [ValueRecord] = []
        let count = samplers.count
        do {
            if quantity == "step_error" {
                for (index, run) in runs.enumerated() {
                    let errors = try stepErrors(run, mixture: mixture)
                    let steps = (1...errors.local.count).map(Double.init)
                    let label = samplers[index].label
                    series.append(PlotFigure.Series(label: label + ": local error", x: steps, y: errors.local, markers: true, style: index, legendLabel: label + ": local"))
                    series.append(PlotFigure.Series(label: label + ": global error", x: steps, y: errors.global, style: count + index, legendLabel: label + ": global"))
                    records.append(ValueRecord(key: label + ": local error", values: errors.local, positions: steps, positionName: "step"))
                    records.append(ValueRecord(key: label + ": global error", values: errors.global, positions: steps, positionName: "step"))
                }
            } else {
                if show.contains("exact") {
                    // Runs that start from the same points at the same level and end at the same level share one exact path.
                    var drawn: [(start: NoiseLevel, end: NoiseLevel)] = []
                    for run in runs where !drawn.contains(where: { $0.start == run.startLevel && $0.end == run.endLevel }) {
                        drawn.append((run.startLevel, run.endLevel))
                        let exact = try exactPath(run, mixture: mixture, axis: axis)
                        let suffix = drawn.count > 1 ? " from t = \(Expectations.number(exact.t[0]))" : ""
                        for p in 0..<paths {
                            var s = PlotFigure.Series(label: "exact ODE\(suffix) path \(p + 1)", x: exact.t, y: exact.values.map { $0[p] })
                            s.style = exactStyle
                            s.legendLabel = p == 0 && drawn.count == 1 ? "exact probability-flow ODE" : nil
                            series.append(s)
                        }
                    }
                }
                for (index, run) in runs.enumerated() {
                    let label = samplers[index].label
                    let t = try run.levels.map { (level: NoiseLevel) throws(SchedulerError) in try axis.timestep(of: level) }
                    if show.contains("sampler") {
                        for p in 0..<paths {
                            let y = zip(run.states, run.levels).map { Double($0.scalars[p]) / radius($1) }
                            series.append(PlotFigure.Series(label: "\(label) path \(p + 1)", x: t, y: y, markers: true, style: index, legendLabel: p == 0 ? label : nil))
                        }
                    }
                    if show.contains("x0_pred") {
                        let predicted = try predictions(run, mixture: mixture)
                        for p in 0..<paths {
                            series.append(PlotFigure.Series(label: "\(label) x̂₀ path \(p + 1)", x: Array(t.dropLast()), y: predicted.map { $0[p] },
                                                            markers: true, style: count + index, legendLabel: p == 0 ? "\(label): x̂₀" : nil))
                        }
                    }
                }
                records = series.map { ValueRecord(key: $0.label, values: $0.y, positions: $0.x) }
            }
        } catch {
            diagnostics.append(.error("directive.trajectory", error.message, at: samplers.first?.spec.location ?? map.location))
            return nil
        }
        let title = map.string("title", into: &diagnostics) ?? (quantity == "step_error" ? "Error of each step" : "Sampler paths over the exact probability-flow ODE")
        var plot = PlotFigure(title: title, caption: map.string("caption", into: &diagnostics),
                              xLabel: quantity == "step_error" ? "step" : "timestep t (−1 = clean data)",
                              yLabel: quantity == "step_error" ? "mean distance to the exact ODE" : "x_t (variance-preserving scale)",
                              xScale: .linear, yScale: yScale, series: series, id: id)
        if quantity == "step_error" { plot.dataXName = "step" } else { plot.xDescending = true }
        return (plot, records)
    }

    /// √(α² + σ²): divides a state into the variance-preserving scale. A variance-preserving level
    /// (α = √ᾱ, σ = √(1 − ᾱ)) has radius 1 up to rounding; dividing by the rounded value would move
    /// the sampler's own numbers in their last bit, so such a level gets exactly 1.
    static func radius(_ level: NoiseLevel) -> Double {
        let r = (level.alpha * level.alpha + level.sigma * level.sigma).squareRoot()
        return abs(r - 1) <= 4 * Double.ulpOfOne ? 1 : r
    }

    /// log(σ/α), the variable the exact solver steps in, floored where σ → 0.
    static func logSigma(_ level: NoiseLevel) -> Double { Foundation.log(max(level.sigma / level.alpha, 1e-6)) }

    /// The exact probability-flow path from the run's start to its end, at `exactPoints` timesteps
    /// evenly spread on the axis (the last one the run's end level itself), on the variance-preserving scale.
    static func exactPath(_ run: SamplingRun, mixture: GaussianMixture, axis: TimestepAxis) throws(SchedulerError) -> (t: [Double], values: [[Double]]) {
        let t0 = try axis.timestep(of: run.startLevel), t1 = try axis.timestep(of: run.endLevel)
        var x = run.start.scalars.map(Double.init)
        var level = run.startLevel
        var ts = [t0], values = [x.map { $0 / radius(level) }]
        for g in 1..<exactPoints {
            let t = g == exactPoints - 1 ? t1 : t0 + (t1 - t0) * Double(g) / Double(exactPoints - 1)
            let next = g == exactPoints - 1 ? run.endLevel : try axis.level(at: t)
            // Evenly spread timesteps are unevenly spread in log σ, where the solver steps: near clean
            // data one timestep spans several units of it. Steps of 0.02 in log σ (finer than those of
            // the toolkit's 1000-step solve) keep the chain as accurate as one solve.
            let steps = max(4, Int((abs(logSigma(next) - logSigma(level)) / 0.02).rounded(.up)))
            x = try mixture.probabilityFlowSolution(points: x, start: level, end: next, steps: steps)
            level = next
            ts.append(t)
            values.append(x.map { $0 / radius(level) })
        }
        return (ts, values)
    }

    /// Each step's local error (from the sampler's own previous state) and global error (from the start), mean over the points.
    static func stepErrors(_ run: SamplingRun, mixture: GaussianMixture) throws(SchedulerError) -> (local: [Double], global: [Double]) {
        var local: [Double] = [], global: [Double] = []
        var exact = run.start.scalars.map(Double.init)
        for i in 0..<(run.states.count - 1) {
            let from = run.levels[i], to = run.levels[i + 1]
            let state = run.states[i].scalars.map(Double.init), next = run.states[i + 1].scalars.map(Double.init)
            let oneStep = try mixture.probabilityFlowSolution(points: state, start: from, end: to, steps: stepReferenceSteps)
            exact = try mixture.probabilityFlowSolution(points: exact, start: from, end: to, steps: stepReferenceSteps)
            let scale = radius(to) * Double(next.count)
            local.append(zip(next, oneStep).reduce(0) { $0 + abs($1.0 - $1.1) } / scale)
            global.append(zip(next, exact).reduce(0) { $0 + abs($1.0 - $1.1) } / scale)
        }
        return (local, global)
    }

    /// x̂₀ at every step, per point: the scheduler's own estimate where it reports one, else the exact model's E[x₀ | x].
    static func predictions(_ run: SamplingRun, mixture: GaussianMixture) throws(SchedulerError) -> [[Double]] {
        var out: [[Double]] = []
        for (i, reported) in run.predictions.enumerated() {
            if let reported {
                out.append(reported.scalars.map(Double.init))
            } else {
                out.append(try mixture.predict(.sample, points: run.states[i].scalars.map(Double.init), level: run.levels[i]))
            }
        }
        return out
    }
}
