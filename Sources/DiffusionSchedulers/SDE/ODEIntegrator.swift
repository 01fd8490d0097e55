/// A one-step method for an ODE dy/dt = f(y, t) over a batch of points stored flat.
public enum ODEIntegrator: String, Sendable, CaseIterable {
    /// Explicit Euler: first order, one evaluation per step.
    case euler
    /// Heun's method (explicit trapezoid): second order, two evaluations per step.
    case heun
    /// The classical Runge–Kutta method: fourth order, four evaluations per step.
    case rk4

    /// The order of accuracy p: the global error falls like hᵖ.
    public var order: Int {
        switch self {
        case .euler: 1
        case .heun: 2
        case .rk4: 4
        }
    }

    /// Evaluations of f per step.
    public var evaluationsPerStep: Int {
        switch self {
        case .euler: 1
        case .heun: 2
        case .rk4: 4
        }
    }

    /// One step of size `h` (negative to integrate backwards in t) from y at time t.
    func step(
        _ y: [Double], at t: Double, by h: Double, _ f: (_ y: [Double], _ t: Double) throws(SchedulerError) -> [Double]
    ) throws(SchedulerError) -> [Double] {
        switch self {
        case .euler:
            let k1 = try f(y, t)
            return Self.axpy(y, h, k1)
        case .heun:
            let k1 = try f(y, t)
            let k2 = try f(Self.axpy(y, h, k1), t + h)
            var out = y
            for i in out.indices { out[i] += h * 0.5 * (k1[i] + k2[i]) }
            return out
        case .rk4:
            let k1 = try f(y, t)
            let k2 = try f(Self.axpy(y, h / 2, k1), t + h / 2)
            let k3 = try f(Self.axpy(y, h / 2, k2), t + h / 2)
            let k4 = try f(Self.axpy(y, h, k3), t + h)
            var out = y
            for i in out.indices { out[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
            return out
        }
    }

    /// y + a·k.
    static func axpy(_ y: [Double], _ a: Double, _ k: [Double]) -> [Double] {
        var out = y
        for i in out.indices { out[i] += a * k[i] }
        return out
    }
}
