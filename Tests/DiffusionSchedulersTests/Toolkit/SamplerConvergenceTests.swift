import Foundation
import Testing
@testable import DiffusionSchedulers

/// Issue 4's acceptance: with the exact Gaussian-mixture model, real schedulers against the exact
/// probability-flow ODE solution from the same start.
@Suite struct SamplerConvergenceTests {
    static let stepCounts = [10, 20, 40, 80]
    static let points = 64

    /// Error of DDIM at each step count against the exact ODE solution from the same start point.
    static func ddimErrors() throws -> [Double] {
        let start = try TorchGenerator(seed: 1).randn(shape: [points, 2])
        return try stepCounts.map { steps in
            let (sample, t0) = try Toy.ddim(Toy.mixture2D, steps: steps, start: start)
            let exact = try Toy.mixture2D.probabilityFlowSolution(
                from: start, start: Toy.level(timestep: t0), end: Toy.clean, steps: 400)
            return try SampleMetrics.meanDistance(sample, exact)
        }
    }

    @Test func ddimBeatsDDPMAtTenStepsAndConvergesAtFirstOrder() throws {
        let ddim = try Self.ddimErrors()
        let start = try TorchGenerator(seed: 1).randn(shape: [Self.points, 2])
        let (ddpmSample, t0) = try Toy.ddpm(Toy.mixture2D, steps: 10, start: start, seed: 7)
        let exact = try Toy.mixture2D.probabilityFlowSolution(
            from: start, start: Toy.level(timestep: t0), end: Toy.clean, steps: 400)
        let ddpm = try SampleMetrics.meanDistance(ddpmSample, exact)
        let slope = try SampleMetrics.convergenceSlope(steps: Self.stepCounts, errors: ddim)
        print("DDIM errors \(ddim), slope \(slope); DDPM(10) error \(ddpm)")
        #expect(ddim[0] < ddpm)
        #expect(slope >= 0.9)
    }
}
