import DiffusionSchedulers
import Foundation
import Yams

/// `scheduler trajectory`: paths of x_t from noise to data on 1-D toy data, under the reverse
/// SDE (Euler–Maruyama) and under the probability-flow ODE (RK4), from the same starting points.
///
/// ```yaml
/// title: From noise to data
/// data: {means: [-1, 1], std: [0.15, 0.15]}
/// paths: 6
/// steps: 500
/// seed: 0
/// beta_min: 0.1          # the VP-SDE β(t) = β_min + t (β_max − β_min), t ∈ [0, 1]
/// beta_max: 20
/// ```
/// The ODE paths are deterministic and never cross; the SDE paths jitter and can change sides.
enum TrajectoryDirective {
    static let keys = ["title", "caption", "data", "paths", "steps", "seed", "beta_min", "beta_max", "t_end", "show"]

    static func run(_ map: YAMLMap, id: String, diagnostics: inout [Diagnostic]) -> PlotFigure? {
        // 'samplers' is listed so that a stray scheduler key's note points to where schedulers go
        // (a trajectory with samplers is a SamplerPathDirective).
        map.checkKeys(keys + ["samplers"] + DirectiveRunner.commonKeys, context: "'scheduler trajectory'", into: &diagnostics)
        let paths = map.int("paths", into: &diagnostics) ?? 6
        let steps = map.int("steps", into: &diagnostics) ?? 500
        let seed = map.int("seed", into: &diagnostics) ?? 0
        func number(_ key: String, _ fallback: Double) -> Double {
            guard let node = map.node(key) else { return fallback }
            guard let value = node.float, value.isFinite else {
                diagnostics.append(.error("directive.type", "'\(key)' must be a number", at: map.location(of: node)))
                return fallback
            }
            return value
        }
        let betaMin = number("beta_min", 0.1), betaMax = number("beta_max", 20), tEnd = number("t_end", 1e-3)
        var show = ["ode", "sde"]
        if let node = map.node("show") {
            let items = node.sequence?.compactMap(\.string) ?? node.string.map { [$0] } ?? []
            if items.isEmpty || items.contains(where: { !["ode", "sde"].contains($0) }) {
                diagnostics.append(.error("directive.value", "'show' must be ode, sde or [ode, sde]", at: map.location(of: node)))
            } else {
                show = items
            }
        }
        if !(1...50).contains(paths) {
            diagnostics.append(.error("directive.value", "'paths' must be between 1 and 50, not \(paths)", at: map.node("paths").map(map.location(of:)) ?? map.location))
        }
        if !(2...20_000).contains(steps) {
            diagnostics.append(.error("directive.value", "'steps' must be between 2 and 20000, not \(steps)", at: map.node("steps").map(map.location(of:)) ?? map.location))
        }
        if !(tEnd > 0 && tEnd < 1) {
            diagnostics.append(.error("directive.value", "'t_end' must be between 0 and 1 (exclusive)", at: map.node("t_end").map(map.location(of:)) ?? map.location))
        }
        if seed < 0 { diagnostics.append(.error("directive.value", "'seed' must not be negative", at: map.location(of: map.node("seed")!))) }
        guard let dataNode = map.node("data") else {
            diagnostics.append(.error("directive.missing-key", "'scheduler trajectory' needs 'data', a 1-D Gaussian mixture such as {means: [-1, 1], std: [0.15, 0.15]}", at: map.location))
            return nil
        }
        guard let mixture = ExperimentDirective.readMixture(dataNode, map: map, diagnostics: &diagnostics), !diagnostics.containsErrors else { return nil }
        guard mixture.dimension == 1 else {
            diagnostics.append(.error("directive.value", "trajectories are drawn for 1-D data; these means are \(mixture.dimension)-D", at: map.location(of: dataNode)))
            return nil
        }
        do {
            let sde = try VPSDE(betaMin: betaMin, betaMax: betaMax)
            let process = DiffusionProcess(sde: sde, mixture: mixture)
            let times = try DiffusionProcess.uniformTimes(from: 1, to: tEnd, steps: steps)
            let start = try TorchGenerator(seed: UInt64(seed)).randn(shape: [paths, 1])
            var series: [PlotFigure.Series] = []
            if show.contains("ode") {
                let ode = try process.solveProbabilityFlow(from: start, times: times, integrator: .rk4)
                series += Self.paths(of: ode, count: paths, name: "probability-flow ODE", style: 0)
            }
            if show.contains("sde") {
                let sdePath = try process.sampleReverseSDE(from: start, times: times, generator: TorchGenerator(seed: UInt64(seed) &+ 1))
                series += Self.paths(of: sdePath, count: paths, name: "reverse SDE", style: 1)
            }
            var plot = PlotFigure(title: map.string("title", into: &diagnostics) ?? "Paths from noise to data",
                                  caption: map.string("caption", into: &diagnostics),
                                  xLabel: "time t (1 = noise, 0 = data)", yLabel: "x_t", xScale: .linear, yScale: .linear,
                                  series: series, id: id)
            plot.xDescending = true
            plot.heading = map.node("title") == nil ? nil : plot.title
            return plot
        } catch {
            diagnostics.append(.error("directive.trajectory", error.message, at: error.key.flatMap { map.node($0) }.map(map.location(of:)) ?? map.location))
            return nil
        }
    }

    /// One series per path; only the first of each kind appears in the legend.
    static func paths(of trajectory: Trajectory, count: Int, name: String, style: Int) -> [PlotFigure.Series] {
        (0..<count).map { p in
            var series = PlotFigure.Series(label: "\(name) \(p + 1)", x: trajectory.times, y: trajectory.states.map { Double($0.scalars[p]) })
            series.style = style
            series.legendLabel = p == 0 ? name : nil
            return series
        }
    }
}
