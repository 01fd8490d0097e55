import Foundation

/// The training-timestep scale of a variance-preserving schedule as a continuous axis: every noise
/// level, whatever the scheduler's coordinates, gets the (fractional) timestep t whose level it is,
/// so the discrete states of DDIM, DPM-Solver, Euler or Heun and the exact probability-flow path
/// can be drawn against one t.
///
/// Between integer timesteps the variance-exploding sigma σ/α interpolates linearly, as
/// ``ExactDenoiser/noiseLevel(timestep:)`` does (diffusers' `np.interp` of the training sigmas), so
/// `timestep(of: noiseLevel(timestep: t)) == t` for the Euler family's fractional timesteps. Below
/// t = 0 the axis goes on to clean data, σ = 0, at t = −1: the "previous timestep" of diffusers'
/// last DDIM step, whose ᾱ is `final_alpha_cumprod` = 1 with `set_alpha_to_one`; σ/α is linear in
/// t there too. Levels noisier than the last training timestep are off the axis.
public struct TimestepAxis: Sendable, Equatable {
    /// σ/α at the knots t = −1, 0, 1, …, T − 1 (the first is 0).
    let knots: [Double]

    /// The axis of the schedule with this ᾱ table; throws for an empty table or values outside (0, 1].
    public init(alphasCumprod: [Float]) throws(SchedulerError) {
        guard !alphasCumprod.isEmpty else {
            throw SchedulerError(key: "alphasCumprod", message: "alphasCumprod must not be empty")
        }
        var knots = [0.0]
        for (i, value) in alphasCumprod.enumerated() {
            let a = Double(value)
            guard a > 0, a <= 1 else {
                throw SchedulerError(key: "alphasCumprod", message: "alphasCumprod[\(i)] must be in (0, 1] for a timestep axis, not \(value)")
            }
            // As NoiseLevel.variancePreserving takes them, so the level of an integer timestep is
            // found at exactly that timestep.
            let sigma = (1 - a).squareRoot() / a.squareRoot()
            guard sigma >= knots[knots.count - 1] else {
                throw SchedulerError(key: "alphasCumprod", message: "alphasCumprod must not increase with t, but rises at \(i)")
            }
            knots.append(sigma)
        }
        self.knots = knots
    }

    /// The last timestep, T − 1.
    public var lastTimestep: Double { Double(knots.count - 2) }

    /// The variance-preserving level (α² + σ² = 1) at `timestep`, which may be fractional and runs from −1 (clean data) to T − 1.
    public func level(at timestep: Double) throws(SchedulerError) -> NoiseLevel {
        guard timestep.isFinite, timestep >= -1, timestep <= lastTimestep else {
            throw SchedulerError(key: "timestep", message: "timestep \(timestep) is outside −1…\(Int(lastTimestep))")
        }
        let position = timestep + 1
        let low = min(Int(position.rounded(.down)), knots.count - 2)
        let fraction = position - Double(low)
        let sigma = knots[low] + fraction * (knots[low + 1] - knots[low])
        let alpha = 1 / (1 + sigma * sigma).squareRoot()
        return NoiseLevel(uncheckedAlpha: alpha, sigma: sigma * alpha)
    }

    /// The timestep of `level` (any α and σ: only σ/α matters); throws for a level noisier than the last timestep.
    public func timestep(of level: NoiseLevel) throws(SchedulerError) -> Double {
        let sigma = level.alpha > 0 ? level.sigma / level.alpha : .infinity
        let top = knots[knots.count - 1]
        guard sigma <= top else {
            throw SchedulerError(
                key: "sigma",
                message: "noise level σ/α = \(sigma) is beyond the last training timestep (σ/α = \(top)), off the timestep axis")
        }
        // The first knot at or above sigma, by bisection (the knots never decrease).
        var low = 0, high = knots.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if knots[middle] < sigma { low = middle } else { high = middle }
        }
        if sigma <= knots[low] { return Double(low) - 1 }
        if sigma == knots[high] { return Double(high) - 1 }
        let width = knots[high] - knots[low]
        return Double(low) - 1 + (width > 0 ? (sigma - knots[low]) / width : 0)
    }
}
