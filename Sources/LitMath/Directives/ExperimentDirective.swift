import DiffusionSchedulers
import Foundation
import Yams

/// `scheduler experiment`: real samplers run on toy data whose exact denoiser is known, with
/// their error against the exact answer as the number of steps grows.
///
/// ```yaml
/// title: Error against the exact probability-flow ODE
/// data: {means: [[-1, 0], [1, 0.5]], std: [0.2, 0.15]}      # a Gaussian mixture, 1-D or 2-D
/// samplers:
///   - {label: DDIM, scheduler: DDIM, clip_sample: false}
///   - {label: DPM-Solver++ 2M, scheduler: DPMSolverMultistep}
/// steps: [10, 20, 40, 80]
/// samples: 256
/// seed: 1
/// metric: ode_error            # or: wasserstein
/// ```
/// With an `id` (say `samplers`), prose pins its numbers: `` {value}`samplers.DDIM[20] = 0.06` ``.
/// `mu`, at the top or in a sampler (which overrides the top), is diffusers' `set_timesteps(…, mu=…)`
/// argument, the resolution-dependent shift a flow-matching pipeline computes from the image size; a
/// sampler with `use_dynamic_shifting: true` needs it, and one whose class has no dynamic shifting refuses it.
/// Every sampler starts from the same seeded noise (times `init_noise_sigma`, as a pipeline scales it). `ode_error` is the mean distance of the
/// final samples to the exact probability-flow ODE solution from the same start; `wasserstein`
/// compares the final samples with fresh samples of the data (1-D Wasserstein, sliced in 2-D).
/// The page shows the error against model evaluations on log–log axes, with each sampler's
/// measured convergence slope, and a table of the errors.
enum ExperimentDirective {
    static let keys = ["title", "caption", "data", "samplers", "steps", "samples", "seed", "metric", "digits", "notation",
                       "x_scale", "y_scale", "table", "scheduler", "mu", "reference_slopes", "per_step"] + ExperimentOptions.keys
    static let samplerKeys = ["label", "scheduler", "mu"] + ExperimentOptions.keys
    static let dataKeys = ["means", "std", "weights", "covariances", "classes"]
    static let metrics = ["ode_error", "wasserstein"]

    /// One sampler as read: its label, configuration, μ and knobs.
    struct Sampler {
        var label: String
        var spec: SchedulerSpec
        var mu: Mu?
        var options: ExperimentOptions
    }

    static func run(_ map: YAMLMap, id: String, context: DirectiveContext, diagnostics: inout [Diagnostic],
                    nonFiniteCauses: inout [String: String]) -> (PlotFigure, [ValueRecord], ExperimentResults)? {
        map.checkKeys(keys + DirectiveRunner.commonKeys, alsoAllowed: SchedulerKeys.isConfigurationKey, context: "'scheduler experiment'", into: &diagnostics)
        let own = Set(keys + DirectiveRunner.commonKeys).subtracting(["scheduler"])
        let base = SchedulerSpec.read(map, reserved: own, over: nil, context: context, into: &diagnostics)
        let format = readFormat(map, diagnostics: &diagnostics)
        let metric = map.choice("metric", metrics, into: &diagnostics) ?? "ode_error"
        let samples = map.int("samples", into: &diagnostics) ?? 256
        let seed = map.int("seed", into: &diagnostics) ?? 0
        if !(2...100_000).contains(samples) {
            diagnostics.append(.error("directive.value", "'samples' must be between 2 and 100000, not \(samples)", at: map.node("samples").map(map.location(of:)) ?? map.location))
        }
        if seed < 0 {
            diagnostics.append(.error("directive.value", "'seed' must not be negative", at: map.location(of: map.node("seed")!)))
        }
        let baseMu = readMu(map, diagnostics: &diagnostics)
        let baseOptions = ExperimentOptions.read(map, over: nil, into: &diagnostics)
        let showTable = map.bool("table", into: &diagnostics) ?? true
        let xScale = map.choice("x_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .log
        let yScale = map.choice("y_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .log
        let referenceSlopes = readReferenceSlopes(map, diagnostics: &diagnostics)
        let perStep = readPerStep(map, metric: metric, diagnostics: &diagnostics)

        // Steps.
        var steps: [Int] = []
        if let node = map.node("steps") {
            if let items = node.sequence {
                for item in items {
                    if let n = item.int, (1...10_000).contains(n) { steps.append(n) } else {
                        diagnostics.append(.error("directive.value", "each of 'steps' must be an integer from 1 to 10000, not '\(item.string ?? "…")'", at: map.location(of: item)))
                    }
                }
            } else {
                diagnostics.append(.error("directive.type", "'steps' must be a list such as [10, 20, 40, 80]", at: map.location(of: node)))
            }
        } else {
            diagnostics.append(.error("directive.missing-key", "'scheduler experiment' needs 'steps', a list such as [10, 20, 40, 80]", at: map.location))
        }
        if steps.count != Set(steps).count {
            diagnostics.append(.error("directive.value", "'steps' has a repeated value", at: map.node("steps").map(map.location(of:)) ?? map.location))
        }
        steps.sort()

        // Data.
        guard let dataNode = map.node("data") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler experiment' needs 'data', a Gaussian mixture such as {means: [-1, 1], std: [0.3, 0.3]}", at: map.location))
            return nil
        }
        let data = readData(dataNode, map: map, diagnostics: &diagnostics)

        // Samplers.
        var samplers: [Sampler] = []
        if let node = map.node("samplers"), let items = node.sequence, !items.isEmpty {
            for (n, item) in items.enumerated() {
                guard let entry = YAMLMap(item, place: map.place) else {
                    diagnostics.append(.error("directive.type", "each sampler must be a mapping such as {label: DDIM, scheduler: DDIM}", at: map.location(of: item)))
                    continue
                }
                entry.checkKeys(samplerKeys, alsoAllowed: SchedulerKeys.isConfigurationKey, context: "an experiment sampler", into: &diagnostics)
                let spec = SchedulerSpec.read(entry, reserved: Set(samplerKeys).subtracting(["scheduler"]), over: base, context: context, into: &diagnostics)
                // A step argument that came with a `define` would be silently ignored here: say so instead
                // (the experiment's own knobs are read from the sampler entry and the top of the block).
                if let key = spec.stepArguments.keys.sorted().first(where: { entry.node($0) == nil && map.node($0) == nil }) {
                    diagnostics.append(.error("directive.step-argument", "'\(key)' comes from a 'define', which 'scheduler experiment' does not read step arguments from",
                                              at: spec.locations[key] ?? entry.location,
                                              notes: ["write '\(key)' in the experiment's sampler entry or at the top of the experiment"]))
                }
                let mu = readMu(entry, diagnostics: &diagnostics) ?? baseMu
                let options = ExperimentOptions.read(entry, over: baseOptions, into: &diagnostics)
                samplers.append(Sampler(label: entry.string("label", into: &diagnostics) ?? spec.kind.rawValue + (n > 0 ? " \(n + 1)" : ""),
                                        spec: spec, mu: mu, options: options))
            }
        } else {
            diagnostics.append(.error("directive.missing-key", "'scheduler experiment' needs 'samplers', a non-empty list such as [{label: DDIM, scheduler: DDIM}]",
                                      at: map.node("samplers").map(map.location(of:)) ?? map.location))
        }
        if metric != "ode_error", let fit = ([baseOptions] + samplers.map(\.options)).lazy.compactMap(\.fitLocation).first {
            diagnostics.append(.error("directive.value", "'fit' needs 'metric: ode_error': slopes are fitted to errors that can go to zero", at: fit))
        }
        if let data, data.classes == nil, let guided = samplers.lazy.compactMap(\.options.guidance).first {
            diagnostics.append(.error("directive.missing-key", "'guidance' needs class labels: add 'classes' to 'data', one per mean, such as [0, 1, 1]", at: guided.location))
        }
        guard !diagnostics.containsErrors, let data else { return nil }
        let mixture = data.mixture

        // The shared start: seeded standard normal noise, one row per sample.
        let dimension = mixture.dimension
        let start: Tensor
        let reference: Tensor?
        var originalSamples: Tensor?
        do {
            start = try TorchGenerator(seed: UInt64(seed)).randn(shape: [samples, dimension])
            reference = metric == "wasserstein" ? try mixture.sample(count: samples, generator: TorchGenerator(seed: UInt64(seed) &+ 7919)) : nil
            if samplers.contains(where: { $0.options.strength != nil }) {
                // img2img's clean images: samples of the data, drawn apart from the noise.
                originalSamples = try mixture.sample(count: samples, generator: TorchGenerator(seed: UInt64(seed) &+ 104_729))
            }
        } catch {
            diagnostics.append(.error("directive.experiment", error.message, at: map.location))
            return nil
        }

        var series: [PlotFigure.Series] = []
        var records: [ValueRecord] = []
        var columns: [[Double]] = []
        var nfeColumns: [(label: String, values: [Double])] = []
        var stepSeries: [PlotFigure.Series] = []
        var stepColumns: [(header: String, values: [Double])] = []
        for (index, sampler) in samplers.enumerated() {
            let model: any ExactModel
            do {
                model = try sampler.options.guidance.map { (g) throws(SchedulerError) -> any ExactModel in
                    try GuidedGaussianMixture(mixture: mixture, classes: data.classes ?? [], guidedClass: g.guidedClass, scale: g.scale)
                } ?? mixture
            } catch {
                diagnostics.append(.error("directive.data", error.message, at: sampler.options.guidance?.location ?? map.location))
                return nil
            }
            let options = sampler.options.sampling(originalSamples: originalSamples)
            var errors: [Double] = []
            var evaluations: [Double] = []
            // The step counts, then the decomposed one (its run is not a point of the curve unless listed).
            for n in steps + (perStep.map { [$0] } ?? []) {
                guard let scheduler = sampler.spec.makeScheduler(reporting: &diagnostics) else { return nil }
                do {
                    let run = try model.sample(scheduler: scheduler, steps: n, start: start,
                                               generator: TorchGenerator(seed: UInt64(seed) &+ 1 &+ UInt64(index)), mu: sampler.mu?.value,
                                               options: options)
                    if evaluations.count == steps.count {
                        let decomposition = try run.stepErrors(model)
                        let positions = decomposition.local.indices.map { Double($0 + 1) }
                        records.append(ValueRecord(key: sampler.label + " per-step error", values: decomposition.local, positions: positions, positionName: "step"))
                        records.append(ValueRecord(key: sampler.label + " per-step share", values: decomposition.shares, positions: positions, positionName: "step"))
                        stepSeries.append(PlotFigure.Series(label: sampler.label, x: positions, y: decomposition.local, markers: true))
                        stepColumns.append((sampler.label + " local error", decomposition.local))
                        stepColumns.append((sampler.label + " share of final error", decomposition.shares))
                        continue
                    }
                    let value: Double
                    if let reference {
                        value = dimension == 1 ? try SampleMetrics.wasserstein1D(run.samples, reference) : try SampleMetrics.slicedWasserstein(run.samples, reference)
                    } else {
                        // The exact solution depends only on where the run starts and ends; runs of
                        // different samplers often share both, so each reference ODE is solved once.
                        // Variance-exploding samplers start from the noise times their init_noise_sigma,
                        // so the start points are part of the key as well as the levels.
                        // Experiments on one page or several often share the data and the seed too,
                        // so the solutions are remembered for the whole process (see ExactSolutions).
                        let key = ExactSolutions.Key(
                            mixture: mixture, guidance: model as? GuidedGaussianMixture, start: run.start,
                            startLevel: [run.startLevel.alpha, run.startLevel.sigma], endLevel: [run.endLevel.alpha, run.endLevel.sigma])
                        let exact = try ExactSolutions.shared.solution(for: key) { () throws(SchedulerError) in
                            try run.exactSolution(model)
                        }
                        value = try SampleMetrics.meanDistance(run.samples, exact)
                    }
                    if !value.isFinite, let cause = firstNonFiniteStep(run, scheduler: scheduler) {
                        nonFiniteCauses[sampler.label + "#\(errors.count)"] = cause
                    }
                    errors.append(value)
                    evaluations.append(Double(run.timesteps.count))
                } catch {
                    if error.key == "mu" {
                        diagnostics.append(muDiagnostic(error, sampler.mu, spec: sampler.spec))
                    } else if let at = sampler.options.location(forKey: error.key) {
                        diagnostics.append(.error("directive.config", error.message, at: at))
                    } else {
                        diagnostics.append(sampler.spec.diagnostic(for: error))
                    }
                    return nil
                }
            }
            var label = sampler.label
            // A slope only means something for an error that can go to zero (not a sampling-noise floor).
            if metric == "ode_error", steps.count >= 2 {
                if let range = fittedRange(nfe: evaluations, errors: errors, fit: sampler.options.fit ?? .all) {
                    if let slope = try? SampleMetrics.convergenceSlope(steps: range.map { Int(evaluations[$0]) }, errors: range.map { errors[$0] }) {
                        records.append(ValueRecord(key: sampler.label + " slope", values: [slope], positions: nil))
                        let from = Expectations.number(evaluations[range.lowerBound]), to = Expectations.number(evaluations[range.upperBound - 1])
                        label += " (slope " + NumberFormat.minusSign(String(format: "%.2f", slope)) + ", NFE \(from)–\(to))"
                    }
                } else if case let .range(from, to, location)? = sampler.options.fit {
                    diagnostics.append(.error("directive.value", "'fit' from \(Expectations.number(from)) to \(Expectations.number(to)) holds fewer than 2 of the sampler's NFE (\(evaluations.map(Expectations.number).joined(separator: ", ")))",
                                              at: location))
                    return nil
                }
            }
            records.append(ValueRecord(key: sampler.label, values: errors, positions: evaluations, positionName: "nfe"))
            series.append(PlotFigure.Series(label: label, x: evaluations, y: errors, markers: true))
            columns.append(errors)
            if evaluations != steps.map(Double.init) { nfeColumns.append((sampler.label, evaluations)) }
        }
        series += referenceLines(referenceSlopes, through: series)
        let metricName = metric == "ode_error" ? "mean distance to the exact ODE solution" : (dimension == 1 ? "Wasserstein distance to the data" : "sliced Wasserstein distance to the data")
        let title = map.string("title", into: &diagnostics) ?? "Sampler error against model evaluations"
        var table: TableFigure?
        if showTable {
            // Rows by step count; a sampler whose NFE is not its step count (Heun, singlestep orders, img2img)
            // gets a column of its NFE, so the table and the plot's x say the same thing.
            let rows = steps.indices.map { i in [Double(steps[i])] + columns.map { $0[i] } + nfeColumns.map { $0.values[i] } }
            table = TableFigure(caption: nil, headers: ["steps"] + samplers.map(\.label) + nfeColumns.map { "NFE (\($0.label))" }, rows: rows,
                                format: format, id: id + "-table", best: .min, bestPerRow: true,
                                countColumns: nfeColumns.isEmpty ? nil : Array((1 + columns.count)..<(1 + columns.count + nfeColumns.count)))
        }
        var plot = PlotFigure(title: title, caption: map.string("caption", into: &diagnostics),
                              xLabel: "model evaluations (NFE)", yLabel: metricName, xScale: xScale, yScale: yScale, series: series, id: id)
        plot.companionTable = table
        plot.dataXName = "nfe"
        if let perStep {
            var stepPlot = PlotFigure(title: "Error introduced by each step at \(perStep) steps", caption: nil,
                                      xLabel: "step", yLabel: "local error against the exact ODE from the step's start",
                                      xScale: .linear, yScale: .log, series: stepSeries, id: id + "-per-step")
            stepPlot.dataXName = "step"
            let count = stepColumns.map(\.values.count).max() ?? 0
            stepPlot.companionTable = TableFigure(
                caption: nil, headers: ["step"] + stepColumns.map(\.header),
                rows: (0..<count).map { i in [Double(i + 1)] + stepColumns.map { i < $0.values.count ? $0.values[i] : .nan } },
                format: format, id: id + "-per-step-table", blankNaN: true)
            plot.companionPlots = [stepPlot]
        }
        if map.node("title") != nil { plot.heading = title }
        return (plot, records, ExperimentResults(steps: steps, samplers: samplers.map(\.label), errors: columns))
    }

    /// The indices of the points the slope is fitted through: every point, those with NFE in a
    /// range, or (`auto`) those before an error floor. Auto drops the last point while its segment's
    /// slope is under half the slope fitted through the points before it (a floor flattens the
    /// curve; rounding noise at the floor makes successive slopes collapse), keeping at least 2.
    /// Nil when fewer than 2 points remain.
    static func fittedRange(nfe: [Double], errors: [Double], fit: ExperimentOptions.Fit) -> Range<Int>? {
        var range = nfe.indices
        switch fit {
        case .all:
            break
        case let .range(from, to, _):
            guard let first = nfe.firstIndex(where: { $0 >= from }) else { return nil }
            let last = nfe.lastIndex(where: { $0 <= to }) ?? -1
            guard last >= first else { return nil }
            range = first..<(last + 1)
        case .auto:
            var end = nfe.count
            while end >= 3 {
                let before = 0..<(end - 1)
                guard let slope = try? SampleMetrics.convergenceSlope(steps: before.map { Int(nfe[$0]) }, errors: before.map { errors[$0] }),
                      errors[end - 1] > 0, errors[end - 2] > 0
                else { break }
                let last = -log(errors[end - 1] / errors[end - 2]) / log(nfe[end - 1] / nfe[end - 2])
                if last < 0.5 * slope { end -= 1 } else { break }
            }
            range = 0..<end
        }
        return range.count >= 2 ? range : nil
    }

    /// Dashed lines of slope −p for each p of `reference_slopes`, over the plot's NFE range, through the
    /// geometric mean of the samplers' errors at the smallest NFE (so they sit among the curves).
    static func referenceLines(_ slopes: [Double], through series: [PlotFigure.Series]) -> [PlotFigure.Series] {
        let xs = series.flatMap(\.x)
        guard let low = xs.min(), let high = xs.max(), high > low else { return [] }
        let anchors = series.compactMap { s in s.x.firstIndex(of: low).map { s.y[$0] } }.filter { $0 > 0 && $0.isFinite }
        guard !anchors.isEmpty else { return [] }
        let anchor = exp(anchors.map(log).reduce(0, +) / Double(anchors.count))
        return slopes.enumerated().map { k, p in
            let label = "order " + Expectations.number(p)
            // The last two palette entries are dashed (dotted and dash-dot) and rarely taken by samplers.
            return PlotFigure.Series(label: label, x: [low, high], y: [anchor, anchor * pow(high / low, -p)],
                                     style: SVGPlotRenderer.palette.count - 1 - k % 2, legendLabel: label)
        }
    }

    /// `reference_slopes`: a list of positive numbers (empty when absent).
    static func readReferenceSlopes(_ map: YAMLMap, diagnostics: inout [Diagnostic]) -> [Double] {
        guard let node = map.node("reference_slopes") else { return [] }
        guard let items = node.sequence, !items.isEmpty else {
            diagnostics.append(.error("directive.type", "'reference_slopes' must be a list of orders such as [1, 2]", at: map.location(of: node)))
            return []
        }
        var slopes: [Double] = []
        for item in items {
            guard let p = item.float, item.scalar?.style == .plain, p.isFinite, p > 0 else {
                diagnostics.append(.error("directive.value", "each of 'reference_slopes' must be a positive number, not '\(item.string ?? "a collection")'", at: map.location(of: item)))
                continue
            }
            slopes.append(p)
        }
        return slopes
    }

    /// `per_step`: the step count whose run is decomposed step by step (ODE error only).
    static func readPerStep(_ map: YAMLMap, metric: String, diagnostics: inout [Diagnostic]) -> Int? {
        guard let node = map.node("per_step") else { return nil }
        guard let n = node.int, (1...1000).contains(n) else {
            diagnostics.append(.error("directive.value", "'per_step' must be a step count from 1 to 1000, not '\(node.string ?? "a collection")'", at: map.location(of: node)))
            return nil
        }
        guard metric == "ode_error" else {
            diagnostics.append(.error("directive.value", "'per_step' needs 'metric: ode_error': a step's error is measured against the exact ODE", at: map.location(of: node)))
            return nil
        }
        return n

    }

    /// Which step of a run first left a non-finite sample, and why when the cause is plain: two
    /// equal sigmas in a row make the step in λ zero (h = 0), and a higher-order update divides by
    /// it (`final_sigmas_type: sigma_min` after Karras sigmas ending at σ_min, say).
    static func firstNonFiniteStep(_ run: SamplingRun, scheduler: any DiffusionScheduler) -> String? {
        guard let k = run.states.firstIndex(where: { $0.scalars.contains { !$0.isFinite } }), k > 0 else { return nil }
        var text = "step \(k) of \(run.timesteps.count) (timestep \(Expectations.number(run.timesteps[k - 1]))) first gave a non-finite sample"
        if let sigmas = (scheduler as? any SigmaScheduled)?.sigmas, k < sigmas.count {
            let from = Double(sigmas[k - 1]), to = Double(sigmas[k])
            let digits = NumberFormat(digits: 4)
            text += ", going from σ = \(digits.string(from, unicode: false)) to σ = \(digits.string(to, unicode: false))"
            if from == to {
                text += ": the two sigmas are equal, so the step in λ is h = 0, which a higher-order update divides by"
            }
        }
        return text
    }

    /// A `mu` as written: its value and where its key is.
    struct Mu {
        var value: Double
        var location: SourceLocation
    }

    /// `mu`, when the mapping has one: a finite number.
    static func readMu(_ map: YAMLMap, diagnostics: inout [Diagnostic]) -> Mu? {
        guard let node = map.node("mu") else { return nil }
        guard let value = node.float, node.scalar?.style == .plain, value.isFinite else {
            diagnostics.append(.error("directive.type", "'mu' must be a finite number such as 1.15, not '\(node.string ?? "a collection")'", at: map.location(of: node)))
            return nil
        }
        return Mu(value: value, location: map.keyLocation("mu"))
    }

    /// The library's refusal of a sampler's μ (or its absence), at the `mu` that was passed, else at
    /// the `use_dynamic_shifting` that asked for one.
    static func muDiagnostic(_ error: SchedulerError, _ mu: Mu?, spec: SchedulerSpec) -> Diagnostic {
        if let mu { return .error("directive.config", error.message, at: mu.location) }
        return .error("directive.config", error.message, at: spec.locations["use_dynamic_shifting"] ?? spec.location,
                      notes: ["add 'mu' to the sampler or to the experiment: the value a pipeline passes to set_timesteps (Flux and SD3 compute it from the image size)"])
    }

    /// The experiment's data: the mixture and, for guidance, the class of each component.
    struct Data {
        var mixture: GaussianMixture
        var classes: [Int]?
    }

    /// A Gaussian mixture from `{means, std | covariances, weights}`; 1-D when the means are numbers.
    static func readMixture(_ node: Yams.Node, map: YAMLMap, diagnostics: inout [Diagnostic]) -> GaussianMixture? {
        readData(node, map: map, diagnostics: &diagnostics)?.mixture
    }

    /// The mixture of ``readMixture(_:map:diagnostics:)`` with the `classes` of its components, if given.
    static func readData(_ node: Yams.Node, map: YAMLMap, diagnostics: inout [Diagnostic]) -> Data? {
        guard let data = YAMLMap(node, place: map.place) else {
            diagnostics.append(.error("directive.type", "'data' must be a mapping such as {means: [-1, 1], std: [0.3, 0.3]}", at: map.location(of: node)))
            return nil
        }
        data.checkKeys(dataKeys, context: "experiment 'data'", into: &diagnostics)
        guard let meansNode = data.node("means"), let meanItems = meansNode.sequence, !meanItems.isEmpty else {
            diagnostics.append(.error("directive.missing-key", "'data' needs 'means', a list of numbers (1-D) or of points (2-D)", at: data.location))
            return nil
        }
        var means: [[Double]] = []
        for item in meanItems {
            if let x = item.float { means.append([x]) } else if let point = item.sequence?.compactMap(\.float), point.count == item.sequence?.count, !point.isEmpty {
                means.append(point)
            } else {
                diagnostics.append(.error("directive.type", "a mean must be a number or a list of numbers", at: data.location(of: item)))
                return nil
            }
        }
        let count = means.count
        func numbers(_ key: String) -> [Double]? {
            guard let node = data.node(key) else { return nil }
            if let x = node.float { return Array(repeating: x, count: count) }
            guard let values = node.sequence?.compactMap(\.float), values.count == node.sequence?.count else {
                diagnostics.append(.error("directive.type", "'\(key)' must be a number or a list of \(count) numbers", at: data.location(of: node)))
                return nil
            }
            guard values.count == count else {
                diagnostics.append(.error("directive.value", "'\(key)' has \(values.count) values but there are \(count) means", at: data.location(of: node)))
                return nil
            }
            return values
        }
        let weights = numbers("weights") ?? Array(repeating: 1.0 / Double(count), count: count)
        var classes: [Int]?
        if let classNode = data.node("classes") {
            guard let items = classNode.sequence, items.allSatisfy({ $0.int != nil }) else {
                diagnostics.append(.error("directive.type", "'classes' must be a list of integer class labels, one per mean, such as [0, 1, 1]", at: data.location(of: classNode)))
                return nil
            }
            guard items.count == count else {
                diagnostics.append(.error("directive.value", "'classes' has \(items.count) labels but there are \(count) means", at: data.location(of: classNode)))
                return nil
            }
            classes = items.compactMap(\.int)
        }
        var components: [GaussianComponent] = []
        if let covNode = data.node("covariances") {
            guard let items = covNode.sequence, items.count == count else {
                diagnostics.append(.error("directive.value", "'covariances' must list one matrix per mean", at: data.location(of: covNode)))
                return nil
            }
            for (k, item) in items.enumerated() {
                let rows = item.sequence?.map { $0.sequence?.compactMap(\.float) ?? [] } ?? []
                components.append(GaussianComponent(weight: weights[k], mean: means[k], covariance: rows))
            }
        } else {
            guard let std = numbers("std") else {
                if data.node("std") == nil {
                    diagnostics.append(.error("directive.missing-key", "'data' needs 'std' (a number or one per mean) or 'covariances'", at: data.location))
                }
                return nil
            }
            if let bad = std.first(where: { !($0 > 0) || !$0.isFinite }) {
                diagnostics.append(.error("directive.value", "each 'std' must be a positive number, not \(bad)", at: data.location(of: data.node("std")!)))
                return nil
            }
            for k in 0..<count { components.append(GaussianComponent(weight: weights[k], mean: means[k], standardDeviation: std[k])) }
        }
        do {
            return Data(mixture: try GaussianMixture(components: components), classes: classes)
        } catch {
            diagnostics.append(.error("directive.data", "invalid mixture: \(error.message)", at: data.location))
            return nil
        }
    }
}

/// The exact probability-flow solutions the `experiment` directives have solved in this process,
/// by mixture, start points and start and end levels: a few hundred RK4 steps for every point,
/// the most expensive part of a cold build, and the same for every sampler (and experiment)
/// that starts from the same noise at the same level. Bounded, so a long `serve` session does
/// not grow without end.
final class ExactSolutions: @unchecked Sendable {
    struct Key: Hashable {
        var mixture: GaussianMixture
        /// The guided model the reference ODE integrates, when the sampler was guided.
        var guidance: GuidedGaussianMixture?
        /// The start points: their shape and the bits of their elements.
        var shape: [Int]
        var start: [UInt32]
        var levels: [Double]

        init(mixture: GaussianMixture, guidance: GuidedGaussianMixture? = nil, start: Tensor, startLevel: [Double], endLevel: [Double]) {
            self.mixture = mixture
            self.guidance = guidance
            shape = start.shape
            self.start = start.scalars.map(\.bitPattern)
            levels = startLevel + endLevel
        }

        /// The mixture takes part in equality only (it is not hashable); the start points vary more.
        func hash(into hasher: inout Hasher) {
            hasher.combine(start)
            hasher.combine(levels)
        }
    }

    static let shared = ExactSolutions()
    private let lock = NSLock()
    private var solutions: [Key: Tensor] = [:]
    private var order: [Key] = []
    private let limit = 64

    func solution(for key: Key, solve: () throws(SchedulerError) -> Tensor) throws(SchedulerError) -> Tensor {
        lock.lock()
        let known = solutions[key]
        lock.unlock()
        if let known { return known }
        let solved = try solve()
        lock.lock()
        defer { lock.unlock() }
        if solutions[key] == nil {
            solutions[key] = solved
            order.append(key)
            if order.count > limit { solutions[order.removeFirst()] = nil }
        }
        return solved
    }
}
