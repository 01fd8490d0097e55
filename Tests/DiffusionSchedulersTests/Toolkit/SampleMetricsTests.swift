import Foundation
import Testing
@testable import DiffusionSchedulers

/// Distances between sample sets and the fitted convergence order.
@Suite struct SampleMetricsTests {
    @Test func wasserstein1DHasKnownValues() throws {
        #expect(try SampleMetrics.wasserstein1D([0, 1, 2], [0.5, 1.5, 2.5]) == 0.5)
        #expect(try SampleMetrics.wasserstein1D([3, 1, 2], [1, 2, 3]) == 0)
        // Different sizes: {0, 1} against {0}: half the mass moves by 1.
        #expect(try SampleMetrics.wasserstein1D([0, 1], [0]) == 0.5)
        // {0, 0, 3} against {1, 2}: ∫|F_a − F_b| over [0, 1), [1, 2), [2, 3) = 2/3 + (2/3 − 1/2) + (1 − 2/3).
        let value = try SampleMetrics.wasserstein1D([0, 0, 3], [1, 2])
        #expect(abs(value - 7.0 / 6) < 1e-15)
        #expect(try SampleMetrics.wasserstein1D([1, 2], [0, 0, 3]) == value)
        let a = try Tensor(shape: [3, 1], scalars: [0, 1, 2])
        let b = try Tensor(shape: [3], scalars: [1, 2, 3])
        #expect(try SampleMetrics.wasserstein1D(a, b) == 1)
    }

    @Test func slicedWassersteinOfAShiftIsTheMeanProjectedShift() throws {
        // Shifting by c moves every projection on angle θ by c·cos θ; the mean of |cos θ| over the half circle is 2/π.
        let points = try Toy.mixture2D.sample(count: 200, generator: TorchGenerator(seed: 1))
        var shifted = points
        for i in stride(from: 0, to: shifted.count, by: 2) { shifted.scalars[i] += 0.5 }
        let distance = try SampleMetrics.slicedWasserstein(points, shifted, directions: 256)
        #expect(abs(distance - 0.5 * 2 / Double.pi) < 1e-4)
        #expect(try SampleMetrics.slicedWasserstein(points, points) == 0)
    }

    @Test func meanDistanceAndSlope() throws {
        let a = try Tensor(shape: [2, 2], scalars: [0, 0, 1, 1])
        let b = try Tensor(shape: [2, 2], scalars: [3, 4, 1, 2])
        #expect(try SampleMetrics.meanDistance(a, b) == 3)
        let steps = [10, 20, 40, 80]
        let errors = steps.map { 7 * pow(Double($0), -1.5) }
        #expect(abs(try SampleMetrics.convergenceSlope(steps: steps, errors: errors) - 1.5) < 1e-12)
    }

    @Test func badArgumentsThrow() throws {
        let a = try Tensor(repeating: 0, shape: [3, 2])
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.meanDistance(a, Tensor(repeating: 0, shape: [2, 2])) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.meanDistance(Tensor(repeating: 0, shape: [0, 2]), Tensor(repeating: 0, shape: [0, 2])) }
        #expect(throws: SchedulerError(key: "a", message: "a must not be empty")) { _ = try SampleMetrics.wasserstein1D([], [1]) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.wasserstein1D([.nan], [1]) }
        #expect(throws: SchedulerError(
            key: "a", message: "a has shape [3, 2] but needs shape [N] or [N, 1] with N ≥ 1")
        ) { _ = try SampleMetrics.wasserstein1D(a, a) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.slicedWasserstein(Tensor(repeating: 0, shape: [3, 3]), a) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.slicedWasserstein(a, a, directions: 0) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.convergenceSlope(steps: [10], errors: [1]) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.convergenceSlope(steps: [10, 20], errors: [1, 0]) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.convergenceSlope(steps: [10, 10], errors: [1, 2]) }
        #expect(throws: SchedulerError.self) { _ = try SampleMetrics.convergenceSlope(steps: [10, 20], errors: [1]) }
    }
}
