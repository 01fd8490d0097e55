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
                       "x_scale", "y_scale", "table", "scheduler", "mu"]
    static let samplerKeys = ["label", "scheduler", "mu"]
    static let dataKeys = ["means", "std", "weights", "covariances"]
    static let metrics = ["ode_error", "wasserstein"]

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
        let showTable = map.bool("table", into: &diagnostics) ?? true
        let xScale = map.choice("x_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .log
        let yScale = map.choice("y_scale", PlotFigure.Scale.allCases.map(\.rawValue), into: &diagnostics).flatMap(PlotFigure.Scale.init) ?? .log

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
        let mixture = readMixture(dataNode, map: map, diagnostics: &diagnostics)

        // Samplers.
        var samplers: [(label: String, spec: SchedulerSpec, mu: Mu?)] = []
        if let node = map.node("samplers"), let items = node.sequence, !items.isEmpty {
            for (n, item) in items.enumerated() {
                guard let entry = YAMLMap(item, place: map.place) else {
                    diagnostics.append(.error("directive.type", "each sampler must be a mapping such as {label: DDIM, scheduler: DDIM}", at: map.location(of: item)))
                    continue
                }
                entry.checkKeys(samplerKeys, alsoAllowed: SchedulerKeys.isConfigurationKey, context: "an experiment sampler", into: &diagnostics)
                let spec = SchedulerSpec.read(entry, reserved: ["label", "mu"], over: base, context: context, into: &diagnostics)
                let mu = readMu(entry, diagnostics: &diagnostics) ?? baseMu
                samplers.append((entry.string("label", into: &diagnostics) ?? spec.kind.rawValue + (n > 0 ? " \(n + 1)" : ""), spec, mu))
            }
        } else {
            diagnostics.append(.error("directive.missing-key", "'scheduler experiment' needs 'samplers', a non-empty list such as [{label: DDIM, scheduler: DDIM}]",
                                      at: map.node("samplers").map(map.location(of:)) ?? map.location))
        }
        guard !diagnostics.containsErrors, let mixture else { return nil }

        // The shared start: seeded standard normal noise, one row per sample.
        let dimension = mixture.dimension
        let start: Tensor
        let reference: Tensor?
        do {
            start = try TorchGenerator(seed: UInt64(seed)).randn(shape: [samples, dimension])
            reference = metric == "wasserstein" ? try mixture.sample(count: samples, generator: TorchGenerator(seed: UInt64(seed) &+ 7919)) : nil
        } catch {
            diagnostics.append(.error("directive.experiment", error.message, at: map.location))
            return nil
        }

        var series: [PlotFigure.Series] = []
        var records: [ValueRecord] = []
        var columns: [[Double]] = []
        for (index, sampler) in samplers.enumerated() {
            var errors: [Double] = []
            var evaluations: [Double] = []
            for n in steps {
                guard let scheduler = sampler.spec.makeScheduler(reporting: &diagnostics) else { return nil }
                do {
                    let run = try mixture.sample(scheduler: scheduler, steps: n, start: start,
                                                 generator: TorchGenerator(seed: UInt64(seed) &+ 1 &+ UInt64(index)), mu: sampler.mu?.value)
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
                            mixture: mixture, start: run.start, startLevel: [run.startLevel.alpha, run.startLevel.sigma],
                            endLevel: [run.endLevel.alpha, run.endLevel.sigma])
                        let exact = try ExactSolutions.shared.solution(for: key) { () throws(SchedulerError) in
                            try run.exactSolution(mixture)
                        }
                        value = try SampleMetrics.meanDistance(run.samples, exact)
                    }
                    if !value.isFinite, let cause = firstNonFiniteStep(run, scheduler: scheduler) {
                        nonFiniteCauses[sampler.label + "#\(errors.count)"] = cause
                    }
                    errors.append(value)
                    evaluations.append(Double(run.timesteps.count))
                } catch {
                    diagnostics.append(error.key == "mu" ? muDiagnostic(error, sampler.mu, spec: sampler.spec) : sampler.spec.diagnostic(for: error))
                    return nil
                }
            }
            var label = sampler.label
            // A slope only means something for an error that can go to zero (not a sampling-noise floor).
            if metric == "ode_error", steps.count >= 2, let slope = try? SampleMetrics.convergenceSlope(steps: evaluations.map { Int($0) }, errors: errors) {
                records.append(ValueRecord(key: sampler.label + " slope", values: [slope], positions: nil))
                label += " (slope " + NumberFormat.minusSign(String(format: "%.2f", slope)) + ")"
            }
            records.append(ValueRecord(key: sampler.label, values: errors, positions: evaluations, positionName: "nfe"))
            series.append(PlotFigure.Series(label: label, x: evaluations, y: errors, markers: true))
            columns.append(errors)
        }
        let metricName = metric == "ode_error" ? "mean distance to the exact ODE solution" : (dimension == 1 ? "Wasserstein distance to the data" : "sliced Wasserstein distance to the data")
        let title = map.string("title", into: &diagnostics) ?? "Sampler error against model evaluations"
        var table: TableFigure?
        if showTable {
            let rows = steps.indices.map { i in [Double(steps[i])] + columns.map { $0[i] } }
            table = TableFigure(caption: nil, headers: ["steps"] + samplers.map(\.label), rows: rows, format: format, id: id + "-table",
                                best: .min, bestPerRow: true)
        }
        var plot = PlotFigure(title: title, caption: map.string("caption", into: &diagnostics),
                              xLabel: "model evaluations (NFE)", yLabel: metricName, xScale: xScale, yScale: yScale, series: series, id: id)
        plot.companionTable = table
        plot.dataXName = "nfe"
        if map.node("title") != nil { plot.heading = title }
        return (plot, records, ExperimentResults(steps: steps, samplers: samplers.map(\.label), errors: columns))
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

    /// A Gaussian mixture from `{means, std | covariances, weights}`; 1-D when the means are numbers.
    static func readMixture(_ node: Yams.Node, map: YAMLMap, diagnostics: inout [Diagnostic]) -> GaussianMixture? {
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
            return try GaussianMixture(components: components)
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
        /// The start points: their shape and the bits of their elements.
        var shape: [Int]
        var start: [UInt32]
        var levels: [Double]

        init(mixture: GaussianMixture, start: Tensor, startLevel: [Double], endLevel: [Double]) {
            self.mixture = mixture
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
