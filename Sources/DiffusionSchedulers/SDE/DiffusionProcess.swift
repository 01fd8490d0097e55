import Foundation

/// A ``DiffusionSDE`` together with the exact score of a ``GaussianMixture``: the reverse-time SDE,
/// the probability-flow ODE, and seeded solvers for both (Song et al., arXiv 2011.13456, §4.3 and §D).
///
/// Points come in as float32 tensors of shape `[N, D]` (or `[N]` when D = 1) and every trajectory
/// state goes out the same way; in between the solvers run in double precision.
public struct DiffusionProcess: Sendable {
    /// The forward SDE.
    public let sde: any DiffusionSDE
    /// The data distribution, whose noisy marginals give the exact score.
    public let mixture: GaussianMixture

    /// Pairs an SDE with the data distribution.
    public init(sde: any DiffusionSDE, mixture: GaussianMixture) {
        self.sde = sde
        self.mixture = mixture
    }

    /// The exact score ∇ log p_t(x) at time t.
    public func score(_ x: Tensor, at t: Double) throws(SchedulerError) -> Tensor {
        try mixture.predict(.score, sample: x, level: sde.noiseLevel(at: t))
    }

    /// The drift of the reverse-time SDE, f(t)·x − g(t)²·∇ log p_t(x).
    public func reverseDrift(_ x: Tensor, at t: Double) throws(SchedulerError) -> Tensor {
        try float(x, reverseDrift(mixture.points(of: x, key: "x"), at: t, scoreWeight: 1))
    }

    /// The velocity of the probability-flow ODE, dx/dt = f(t)·x − ½·g(t)²·∇ log p_t(x).
    public func probabilityFlowVelocity(_ x: Tensor, at t: Double) throws(SchedulerError) -> Tensor {
        try float(x, reverseDrift(mixture.points(of: x, key: "x"), at: t, scoreWeight: 0.5))
    }

    /// Solves the probability-flow ODE through `times` (descending to generate, ascending to encode)
    /// with one `integrator` step between consecutive times.
    public func solveProbabilityFlow(
        from x: Tensor, times: [Double], integrator: ODEIntegrator
    ) throws(SchedulerError) -> Trajectory {
        try Self.checkTimes(times)
        var y = try mixture.points(of: x, key: "x")
        var states = [x]
        states.reserveCapacity(times.count)
        let field = { (y: [Double], t: Double) throws(SchedulerError) -> [Double] in
            try self.reverseDrift(y, at: t, scoreWeight: 0.5)
        }
        for i in 1..<times.count {
            y = try integrator.step(y, at: times[i - 1], by: times[i] - times[i - 1], field)
            states.append(float(x, y))
        }
        return Trajectory(times: times, states: states)
    }

    /// Samples the reverse-time SDE through descending `times` with Euler–Maruyama:
    /// x ← x − h·[f·x − g²·∇log p] + g·√h·z, h = t_i − t_{i+1}, evaluated at t_i.
    ///
    /// Each step draws z as one `randn(N·D)` from `generator`, so a seed fixes the whole path.
    public func sampleReverseSDE(
        from x: Tensor, times: [Double], generator: TorchGenerator
    ) throws(SchedulerError) -> Trajectory {
        try Self.checkTimes(times)
        guard times[0] > times[1] else {
            throw SchedulerError(key: "times", message: "the reverse SDE runs backwards in time; times must descend")
        }
        var y = try mixture.points(of: x, key: "x")
        var states = [x]
        states.reserveCapacity(times.count)
        for i in 1..<times.count {
            let t = times[i - 1]
            let h = t - times[i]
            let drift = try reverseDrift(y, at: t, scoreWeight: 1)
            let noiseScale = try sde.diffusionCoefficient(at: t) * h.squareRoot()
            let z = generator.randn(count: y.count)
            for j in y.indices { y[j] += -h * drift[j] + noiseScale * Double(z[j]) }
            states.append(float(x, y))
        }
        return Trajectory(times: times, states: states)
    }

    /// Simulates the forward SDE dx = f·x dt + g dW through ascending `times` with Euler–Maruyama,
    /// one `randn(N·D)` per step: the noising paths of data points.
    public func sampleForwardSDE(
        from x: Tensor, times: [Double], generator: TorchGenerator
    ) throws(SchedulerError) -> Trajectory {
        try Self.checkTimes(times)
        guard times[0] < times[1] else {
            throw SchedulerError(key: "times", message: "the forward SDE runs forwards in time; times must ascend")
        }
        var y = try mixture.points(of: x, key: "x")
        var states = [x]
        states.reserveCapacity(times.count)
        for i in 1..<times.count {
            let t = times[i - 1]
            let h = times[i] - t
            let f = try sde.driftCoefficient(at: t)
            let noiseScale = try sde.diffusionCoefficient(at: t) * h.squareRoot()
            let z = generator.randn(count: y.count)
            for j in y.indices { y[j] += h * f * y[j] + noiseScale * Double(z[j]) }
            states.append(float(x, y))
        }
        return Trajectory(times: times, states: states)
    }

    /// `steps + 1` equally spaced times from `start` to `end` (either direction), both included exactly.
    public static func uniformTimes(from start: Double, to end: Double, steps: Int) throws(SchedulerError) -> [Double] {
        guard steps >= 1, steps <= 10_000_000 else {
            throw SchedulerError(key: "steps", message: "steps must be between 1 and 10000000, not \(steps)")
        }
        let times = (0...steps).map { i in i == steps ? end : start + (end - start) * Double(i) / Double(steps) }
        try checkTimes(times)
        return times
    }

    // MARK: - Internals

    /// f·x − w·g²·∇log p for flat points; w = 1 is the reverse SDE, w = ½ the probability-flow ODE.
    func reverseDrift(_ y: [Double], at t: Double, scoreWeight w: Double) throws(SchedulerError) -> [Double] {
        let f = try sde.driftCoefficient(at: t)
        let g = try sde.diffusionCoefficient(at: t)
        let score = try mixture.predict(.score, points: y, level: sde.noiseLevel(at: t))
        var out = score
        let c = w * g * g
        for i in out.indices { out[i] = f * y[i] - c * score[i] }
        return out
    }

    private func float(_ like: Tensor, _ values: [Double]) -> Tensor {
        Tensor(uncheckedShape: like.shape, scalars: values.map { Float($0) })
    }

    /// At least two finite times in [0, 1], strictly monotone.
    static func checkTimes(_ times: [Double]) throws(SchedulerError) {
        guard times.count >= 2 else {
            throw SchedulerError(key: "times", message: "times needs at least 2 entries, not \(times.count)")
        }
        for (i, t) in times.enumerated() where !(t.isFinite && t >= 0 && t <= 1) {
            throw SchedulerError(key: "times", message: "times[\(i)] must be in [0, 1], not \(t)")
        }
        let descending = times[1] < times[0]
        for i in 1..<times.count where descending ? !(times[i] < times[i - 1]) : !(times[i] > times[i - 1]) {
            throw SchedulerError(
                key: "times", message: "times must be strictly monotone, but times[\(i)] = \(times[i]) follows \(times[i - 1])")
        }
    }
}
