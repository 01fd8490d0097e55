import DiffusionSchedulers
import Foundation
import Yams

/// `scheduler density`: the density of 1-D toy data as the forward process noises it, in closed
/// form, or histograms of real samplers' final samples against the exact density.
///
/// ```yaml
/// title: The noised mixture
/// data: {means: [-1, 1], std: [0.15, 0.15]}
/// t: [0, 250, 500, 750, 999]      # timesteps of the schedule configured at the top (DDPM's by default)
/// layout: panels                  # or overlay (the default): all curves on one plot
/// ```
/// A noised Gaussian mixture is a Gaussian mixture (means α·μₖ, variances α²sₖ² + σ²), so
/// p_t(x) comes from ``GaussianMixture/logDensity(points:level:)`` at the level α = √ᾱₜ, σ = √(1 − ᾱₜ).
///
/// With `samplers` instead of `t` (each `{label, scheduler, num_inference_steps, eta, …config}`), the
/// samplers run from the same `samples` seeded noise points with the exact model, and each panel shows
/// the histogram of one sampler's final samples (as a density: count / (samples · bin width)) under
/// the exact density at the level the sampler ends on (the data itself when it ends at σ = 0).
/// Bins are shared by every sampler: equal bins from the smallest to the largest sample of all, as
/// many as `bins`, else ⌈√n⌉ for n samples per sampler (the square-root rule), at most 200. The
/// rules built for one bump (Freedman–Diaconis, Scott, Sturges) take the spread between the modes
/// of a mixture for noise and give bins wider than its modes.
enum DensityDirective {
    static let keys = ["title", "caption", "data", "t", "layout", "x_range", "points", "samplers", "samples", "seed", "bins", "scheduler"]
    static let layouts = ["overlay", "panels"]
    /// The palette index of the exact density under histograms.
    static let exactStyle = 7
    static let maximumBins = 200

    static func run(_ map: YAMLMap, id: String, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> (PlotFigure, [ValueRecord])? {
        map.checkKeys(keys + DirectiveRunner.commonKeys, alsoAllowed: SchedulerKeys.isConfigurationKey, context: "'scheduler density'", into: &diagnostics)
        let own = Set(keys + DirectiveRunner.commonKeys).subtracting(["scheduler"])
        let base = SchedulerSpec.read(map, reserved: own, over: nil, context: context, into: &diagnostics)
        let layout = map.choice("layout", layouts, into: &diagnostics)
        let points = map.int("points", into: &diagnostics) ?? 401
        if !(11...5001).contains(points) {
            diagnostics.append(.error("directive.value", "'points' must be between 11 and 5001, not \(points)", at: map.node("points").map(map.location(of:)) ?? map.location))
        }
        var range: (Double, Double)?
        if let node = map.node("x_range") {
            if let items = node.sequence, items.count == 2, let a = items[0].float, let b = items[1].float, a.isFinite, b.isFinite, a < b {
                range = (a, b)
            } else {
                diagnostics.append(.error("directive.value", "'x_range' must be two numbers, the smaller first, such as [-3, 3]", at: map.location(of: node)))
            }
        }
        let histogram = map.node("samplers") != nil
        if histogram, let t = map.node("t") {
            diagnostics.append(.error("directive.value", "'t' draws p_t and 'samplers' draws histograms of final samples: give one of them", at: map.location(of: t)))
        }
        if !histogram {
            for key in ["samples", "seed", "bins"] where map.node(key) != nil {
                diagnostics.append(.error("directive.value", "'\(key)' belongs to a density of samplers' final samples; add 'samplers'", at: map.keyLocation(key)))
            }
        }
        guard let dataNode = map.node("data") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler density' needs 'data', a 1-D Gaussian mixture such as {means: [-1, 1], std: [0.15, 0.15]}", at: map.location))
            return nil
        }
        let mixture = ExperimentDirective.readMixture(dataNode, map: map, diagnostics: &diagnostics)
        if let mixture, mixture.dimension != 1 {
            diagnostics.append(.error("directive.value", "densities are drawn for 1-D data; these means are \(mixture.dimension)-D", at: map.location(of: dataNode)))
            return nil
        }
        let result: (PlotFigure, [ValueRecord])?
        if histogram {
            result = samplerHistograms(map, base: base, mixture: mixture, layout: layout ?? "panels", range: range, points: points, id: id,
                                       context: context, diagnostics: &diagnostics)
        } else {
            result = noisedDensities(map, base: base, mixture: mixture, layout: layout ?? "overlay", range: range, points: points, id: id,
                                     diagnostics: &diagnostics)
        }
        return result
    }

    /// p_t at the listed timesteps.
    static func noisedDensities(_ map: YAMLMap, base: SchedulerSpec, mixture: GaussianMixture?, layout: String, range: (Double, Double)?,
                                points: Int, id: String, diagnostics: inout [Diagnostic]) -> (PlotFigure, [ValueRecord])? {
        guard let tNode = map.node("t") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler density' needs 't', a list of timesteps such as [0, 250, 500, 750, 999], or 'samplers'", at: map.location))
            return nil
        }
        guard let items = tNode.sequence, !items.isEmpty else {
            diagnostics.append(.error("directive.type", "'t' must be a list of timesteps such as [0, 250, 500, 750, 999]", at: map.location(of: tNode)))
            return nil
        }
        let schedule: NoiseSchedule
        switch base.makeSchedule() {
        case let .success(s): schedule = s
        case let .failure(diagnostic):
            diagnostics.append(diagnostic)
            return nil
        }
        let last = schedule.alphasCumprod.count - 1
        var timesteps: [Int] = []
        for item in items {
            guard let t = item.int, item.scalar?.style == .plain else {
                diagnostics.append(.error("directive.type", "each of 't' must be an integer timestep, not '\(item.string ?? "a collection")'", at: map.location(of: item)))
                continue
            }
            guard (0...last).contains(t) else {
                diagnostics.append(.error("directive.value", "timestep \(t) is outside the schedule (0…\(last))", at: map.location(of: item)))
                continue
            }
            timesteps.append(t)
        }
        guard let mixture, !diagnostics.containsErrors else { return nil }
        do {
            var levels: [NoiseLevel] = []
            for t in timesteps { levels.append(try .variancePreserving(alphaCumprod: Double(schedule.alphasCumprod[t]))) }
            let (lower, upper) = range ?? automaticRange(mixture, levels: levels)
            let grid = (0..<points).map { lower + (upper - lower) * Double($0) / Double(points - 1) }
            var series: [PlotFigure.Series] = []
            for (k, level) in levels.enumerated() {
                let density = try mixture.logDensity(points: grid, level: level).map { Foundation.exp($0) }
                series.append(PlotFigure.Series(label: "t = \(timesteps[k])", x: grid, y: density, panel: layout == "panels" ? k : nil))
            }
            var plot = PlotFigure(title: map.string("title", into: &diagnostics) ?? "Density of the noised data",
                                  caption: map.string("caption", into: &diagnostics), xLabel: "x", yLabel: "density p_t(x)",
                                  xScale: .linear, yScale: .linear, series: series, id: id)
            plot.dataXName = "x"
            if layout == "panels" { plot.panelTitles = series.map(\.label) }
            return (plot, records(series))
        } catch {
            diagnostics.append(.error("directive.density", error.message, at: map.location(of: dataNode(map))))
            return nil
        }
    }

    /// Histograms of the samplers' final samples over the exact density at their end level.
    static func samplerHistograms(_ map: YAMLMap, base: SchedulerSpec, mixture: GaussianMixture?, layout: String, range: (Double, Double)?,
                                  points: Int, id: String, context: DirectiveContext, diagnostics: inout [Diagnostic]) -> (PlotFigure, [ValueRecord])? {
        let samples = map.int("samples", into: &diagnostics) ?? 2000
        let seed = map.int("seed", into: &diagnostics) ?? 0
        if !(10...100_000).contains(samples) {
            diagnostics.append(.error("directive.value", "'samples' must be between 10 and 100000, not \(samples)", at: map.node("samples").map(map.location(of:)) ?? map.location))
        }
        if seed < 0 { diagnostics.append(.error("directive.value", "'seed' must not be negative", at: map.location(of: map.node("seed")!))) }
        var binCount: Int?
        if let node = map.node("bins"), node.string != "auto" {
            if let n = node.int, (1...500).contains(n), node.scalar?.style == .plain { binCount = n } else {
                diagnostics.append(.error("directive.value", "'bins' must be auto or an integer from 1 to 500, not '\(node.string ?? "a collection")'", at: map.location(of: node)))
            }
        }
        let samplers = ToySampler.readList(map, base: base, context: context, directive: "density", diagnostics: &diagnostics)
        guard let mixture, !diagnostics.containsErrors else { return nil }
        let start: Tensor
        do {
            start = try TorchGenerator(seed: UInt64(seed)).randn(shape: [samples, 1])
        } catch {
            diagnostics.append(.error("directive.density", error.message, at: map.location))
            return nil
        }
        var finals: [(values: [Double], end: NoiseLevel)] = []
        for (index, sampler) in samplers.enumerated() {
            guard let (run, _) = sampler.run(mixture, start: start, generator: TorchGenerator(seed: UInt64(seed) &+ 1 &+ UInt64(index)),
                                             diagnostics: &diagnostics) else { return nil }
            // On the variance-preserving scale, as the exact density below is.
            let radius = (run.endLevel.alpha * run.endLevel.alpha + run.endLevel.sigma * run.endLevel.sigma).squareRoot()
            finals.append((run.samples.scalars.map { Double($0) / radius }, run.endLevel))
        }
        let pooled = finals.flatMap(\.values)
        guard let bins = Histogram.bins(pooled, perSample: samples, count: binCount, range: range, maximum: maximumBins) else {
            diagnostics.append(.error("directive.density", "the samplers' final samples are not finite numbers", at: map.location))
            return nil
        }
        let panels = layout == "panels" && samplers.count > 1
        var series: [PlotFigure.Series] = []
        do {
            let grid = (0..<points).map { bins.lower + (bins.upper - bins.lower) * Double($0) / Double(points - 1) }
            for (index, sampler) in samplers.enumerated() {
                let panel = panels ? index : nil
                if panels || index == 0 {
                    let end = finals[index].end
                    let radius = (end.alpha * end.alpha + end.sigma * end.sigma).squareRoot()
                    let level = try NoiseLevel(alpha: end.alpha / radius, sigma: end.sigma / radius)
                    let density = try mixture.logDensity(points: grid, level: level).map { Foundation.exp($0) }
                    series.append(PlotFigure.Series(label: "\(sampler.label): exact density", x: grid, y: density, style: exactStyle,
                                                    legendLabel: index == 0 ? "exact density" : nil, panel: panel))
                }
                let heights = bins.densities(finals[index].values)
                series.append(PlotFigure.Series(label: "\(sampler.label): samples", x: bins.centres, y: heights, style: index,
                                                legendLabel: sampler.label, bars: true, panel: panel))
            }
        } catch {
            diagnostics.append(.error("directive.density", error.message, at: map.location(of: dataNode(map))))
            return nil
        }
        var plot = PlotFigure(title: map.string("title", into: &diagnostics) ?? "Final samples against the exact density",
                              caption: map.string("caption", into: &diagnostics), xLabel: "x", yLabel: "density",
                              xScale: .linear, yScale: .linear, series: series, id: id)
        plot.dataXName = "x"
        if panels { plot.panelTitles = samplers.map(\.label) }
        return (plot, records(series))
    }

    static func dataNode(_ map: YAMLMap) -> Yams.Node { map.node("data")! }

    static func records(_ series: [PlotFigure.Series]) -> [ValueRecord] {
        series.map { ValueRecord(key: $0.label, values: $0.y, positions: $0.x, positionName: "x") }
    }

    /// From the lowest to the highest component mean ± 4 standard deviations over the levels.
    static func automaticRange(_ mixture: GaussianMixture, levels: [NoiseLevel]) -> (Double, Double) {
        var lower = Double.infinity, upper = -Double.infinity
        for level in levels {
            for c in mixture.components {
                let sd = (level.alpha * level.alpha * c.covariance[0][0] + level.sigma * level.sigma).squareRoot()
                lower = min(lower, level.alpha * c.mean[0] - 4 * sd)
                upper = max(upper, level.alpha * c.mean[0] + 4 * sd)
            }
        }
        return (lower, upper)
    }
}

/// Equal bins over samples, by a stated rule.
struct Histogram {
    var lower: Double
    var upper: Double
    var count: Int

    var width: Double { (upper - lower) / Double(count) }
    var centres: [Double] { (0..<count).map { lower + (Double($0) + 0.5) * width } }

    /// Bins from the smallest to the largest of `pooled` (or over `range`): `count` of them, else
    /// ⌈√n⌉ with n = `perSample` (the square-root rule), at most `maximum`. Nil when a sample is not finite.
    static func bins(_ pooled: [Double], perSample n: Int, count: Int?, range: (Double, Double)?, maximum: Int) -> Histogram? {
        guard !pooled.isEmpty, pooled.allSatisfy(\.isFinite) else { return nil }
        var (lower, upper) = range ?? (pooled.min()!, pooled.max()!)
        if lower == upper { lower -= 0.5; upper += 0.5 }
        return Histogram(lower: lower, upper: upper, count: count ?? min(max(Int(Double(n).squareRoot().rounded(.up)), 1), maximum))
    }

    /// count / (values · width) per bin; values outside the bins are left out; the last bin includes its upper edge.
    func densities(_ values: [Double]) -> [Double] {
        var counts = [Int](repeating: 0, count: count)
        for v in values where v >= lower && v <= upper {
            counts[min(Int((v - lower) / width), count - 1)] += 1
        }
        return counts.map { Double($0) / (Double(values.count) * width) }
    }
}
