import Foundation

/// Distances between sample sets and the convergence order of a sampler, for experiments with an exact answer.
public enum SampleMetrics {
    /// The mean Euclidean distance between corresponding points: (1/N)·Σᵢ ‖aᵢ − bᵢ‖.
    ///
    /// Both tensors have the same shape; the first dimension counts the points and the rest form one
    /// point (`[N]` is N points of dimension 1). This is the error of a sampler against the exact
    /// probability-flow ODE solution from the same start.
    public static func meanDistance(_ a: Tensor, _ b: Tensor) throws(SchedulerError) -> Double {
        try a.checkSameShape(as: b, "a", "b")
        guard let n = a.shape.first, n > 0 else {
            throw SchedulerError(key: "a", message: "a has shape \(a.shape) but needs at least one point")
        }
        let d = a.count / n
        var total = 0.0
        for p in 0..<n {
            var squared = 0.0
            for i in 0..<d {
                let diff = Double(a.scalars[p * d + i]) - Double(b.scalars[p * d + i])
                squared += diff * diff
            }
            total += squared.squareRoot()
        }
        return total / Double(n)
    }

    /// The 1-Wasserstein distance between the empirical distributions of `a` and `b`, exactly:
    /// ∫ |F_a(x) − F_b(x)| dx over the merged sorted samples. The sets may differ in size.
    public static func wasserstein1D(_ a: [Double], _ b: [Double]) throws(SchedulerError) -> Double {
        guard !a.isEmpty else { throw SchedulerError(key: "a", message: "a must not be empty") }
        guard !b.isEmpty else { throw SchedulerError(key: "b", message: "b must not be empty") }
        if let bad = a.first(where: { !$0.isFinite }) {
            throw SchedulerError(key: "a", message: "a must hold finite values, not \(bad)")
        }
        if let bad = b.first(where: { !$0.isFinite }) {
            throw SchedulerError(key: "b", message: "b must hold finite values, not \(bad)")
        }
        let sa = a.sorted(), sb = b.sorted()
        let na = Double(sa.count), nb = Double(sb.count)
        var i = 0, j = 0
        var distance = 0.0
        var previous = min(sa[0], sb[0])
        while i < sa.count || j < sb.count {
            let next: Double
            if j >= sb.count || (i < sa.count && sa[i] <= sb[j]) { next = sa[i] } else { next = sb[j] }
            distance += abs(Double(i) / na - Double(j) / nb) * (next - previous)
            while i < sa.count && sa[i] == next { i += 1 }
            while j < sb.count && sb[j] == next { j += 1 }
            previous = next
        }
        return distance
    }

    /// The 1-Wasserstein distance between two sets of 1-D points given as tensors of shape `[N]` or `[N, 1]`.
    public static func wasserstein1D(_ a: Tensor, _ b: Tensor) throws(SchedulerError) -> Double {
        try checkPoints(a, "a", dimension: 1)
        try checkPoints(b, "b", dimension: 1)
        return try wasserstein1D(a.scalars.map { Double($0) }, b.scalars.map { Double($0) })
    }

    /// The sliced 1-Wasserstein distance between point sets of shape `[N, 2]` and `[M, 2]`: the mean of
    /// the 1-D distances of their projections on `directions` unit vectors at angles π(j + ½)/`directions`.
    ///
    /// The directions are a fixed, evenly spaced quadrature of the half circle, so the value is
    /// deterministic and converges to the integral over all directions as `directions` grows.
    public static func slicedWasserstein(_ a: Tensor, _ b: Tensor, directions: Int = 64) throws(SchedulerError) -> Double {
        try checkPoints(a, "a", dimension: 2)
        try checkPoints(b, "b", dimension: 2)
        guard directions >= 1, directions <= 100_000 else {
            throw SchedulerError(key: "directions", message: "directions must be between 1 and 100000, not \(directions)")
        }
        var total = 0.0
        for j in 0..<directions {
            let angle = Double.pi * (Double(j) + 0.5) / Double(directions)
            let (c, s) = (cos(angle), sin(angle))
            let pa = stride(from: 0, to: a.count, by: 2).map { c * Double(a.scalars[$0]) + s * Double(a.scalars[$0 + 1]) }
            let pb = stride(from: 0, to: b.count, by: 2).map { c * Double(b.scalars[$0]) + s * Double(b.scalars[$0 + 1]) }
            total += try wasserstein1D(pa, pb)
        }
        return total / Double(directions)
    }

    /// The empirical order of convergence: minus the least-squares slope of log(error) against log(steps).
    ///
    /// An error falling like C·steps⁻ᵖ gives p: about 1 for DDIM and Euler, 2 for second-order solvers.
    public static func convergenceSlope(steps: [Int], errors: [Double]) throws(SchedulerError) -> Double {
        guard steps.count == errors.count else {
            throw SchedulerError(
                key: "errors", message: "errors has \(errors.count) values but steps has \(steps.count)")
        }
        guard steps.count >= 2 else {
            throw SchedulerError(key: "steps", message: "a slope needs at least 2 step counts, not \(steps.count)")
        }
        for (i, s) in steps.enumerated() where s < 1 {
            throw SchedulerError(key: "steps", message: "steps[\(i)] must be at least 1, not \(s)")
        }
        for (i, e) in errors.enumerated() where !(e.isFinite && e > 0) {
            throw SchedulerError(key: "errors", message: "errors[\(i)] must be a finite number > 0, not \(e)")
        }
        guard Set(steps).count > 1 else {
            throw SchedulerError(key: "steps", message: "a slope needs at least 2 different step counts")
        }
        let xs = steps.map { Foundation.log(Double($0)) }, ys = errors.map { Foundation.log($0) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0
        for i in xs.indices {
            sxy += (xs[i] - mx) * (ys[i] - my)
            sxx += (xs[i] - mx) * (xs[i] - mx)
        }
        return -sxy / sxx
    }

    private static func checkPoints(_ t: Tensor, _ key: String, dimension d: Int) throws(SchedulerError) {
        let ok = (t.shape.count == 2 && t.shape[1] == d) || (d == 1 && t.shape.count == 1)
        guard ok, t.count > 0 else {
            let expected = d == 1 ? "[N] or [N, 1]" : "[N, \(d)]"
            throw SchedulerError(key: key, message: "\(key) has shape \(t.shape) but needs shape \(expected) with N ≥ 1")
        }
    }
}
