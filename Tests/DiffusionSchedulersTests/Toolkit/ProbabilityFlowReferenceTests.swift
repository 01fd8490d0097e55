import Foundation
import Testing
@testable import DiffusionSchedulers

/// The exact probability-flow ODE solution the samplers are measured against.
@Suite struct ProbabilityFlowReferenceTests {
    /// For a single Gaussian N(μ, Σ) the PF-ODE is linear and solves in closed form:
    /// x₁ = α₁μ + (α₁²Σ + σ₁²I)^½ (α₀²Σ + σ₀²I)^−½ (x₀ − α₀μ), with commuting factors.
    @Test(arguments: [
        (try! NoiseLevel.variancePreserving(alphaCumprod: 0.01), try! NoiseLevel(alpha: 1, sigma: 0)),
        (try! NoiseLevel.flowMatching(sigma: 1), try! NoiseLevel(alpha: 1, sigma: 0)),
        (try! NoiseLevel.varianceExploding(sigma: 5), try! NoiseLevel.variancePreserving(alphaCumprod: 0.7)),
        (try! NoiseLevel(alpha: 1, sigma: 0), try! NoiseLevel.variancePreserving(alphaCumprod: 0.05)),
        (try! NoiseLevel.variancePreserving(alphaCumprod: 0.3), try! NoiseLevel.variancePreserving(alphaCumprod: 0.999_99)),
    ])
    func singleGaussianSolutionIsExact(start: NoiseLevel, end: NoiseLevel) throws {
        // Σ = R diag(a, b) Rᵀ with R a rotation by φ, so every matrix function acts on a and b.
        let (a, b, phi) = (0.09, 0.01, 0.6)
        let (c, s) = (cos(phi), sin(phi))
        let sigma = [[c * c * a + s * s * b, c * s * (a - b)], [c * s * (a - b), s * s * a + c * c * b]]
        let mu = [0.3, -0.5]
        let mixture = try GaussianMixture(components: [GaussianComponent(weight: 1, mean: mu, covariance: sigma)])
        let x: [Double] = [1.2, -0.7, -0.3, 0.4, 0.0, 0.0]
        let got = try mixture.probabilityFlowSolution(points: x, start: start, end: end, steps: 1000)
        func factor(_ lambda: Double) -> Double {
            ((end.alpha * end.alpha * lambda + end.sigma * end.sigma)
                / (start.alpha * start.alpha * lambda + start.sigma * start.sigma)).squareRoot()
        }
        let (fa, fb) = (factor(a), factor(b))
        for p in 0..<3 {
            let r = [x[2 * p] - start.alpha * mu[0], x[2 * p + 1] - start.alpha * mu[1]]
            let u = [c * r[0] + s * r[1], -s * r[0] + c * r[1]]  // Rᵀ r
            let scaled = [fa * u[0], fb * u[1]]
            let want = [end.alpha * mu[0] + c * scaled[0] - s * scaled[1], end.alpha * mu[1] + s * scaled[0] + c * scaled[1]]
            for i in 0..<2 {
                #expect(abs(got[2 * p + i] - want[i]) < 1e-8, "point \(p), \(start) → \(end)")
            }
        }
    }

    @Test func pointMassesAreReachedExactly() throws {
        // One atom: x₁ = α₁μ + (σ₁/σ₀)(x₀ − α₀μ), which at σ₁ = 0 is the atom itself.
        let atom = try GaussianMixture(weights: [1], means: [0.4], standardDeviations: [0])
        let start = try NoiseLevel.variancePreserving(alphaCumprod: 0.2)
        let clean = try NoiseLevel(alpha: 1, sigma: 0)
        let x: [Double] = [-1.3, 0.2, 2.5]
        #expect(try atom.probabilityFlowSolution(points: x, start: start, end: clean).allSatisfy { abs($0 - 0.4) < 1e-12 })
        let mid = try NoiseLevel.variancePreserving(alphaCumprod: 0.8)
        let got = try atom.probabilityFlowSolution(points: x, start: start, end: mid)
        for i in x.indices {
            let want = mid.alpha * 0.4 + mid.sigma / start.sigma * (x[i] - start.alpha * 0.4)
            #expect(abs(got[i] - want) < 1e-9)
        }
    }

    @Test func solutionConvergesAtFourthOrderInItsSteps() throws {
        let x = TorchGenerator(seed: 2).randn(count: 32).map { Double($0) }
        let start = try NoiseLevel.variancePreserving(alphaCumprod: 4e-5)
        let solve = { (steps: Int) in
            try Toy.mixture2D.probabilityFlowSolution(points: x, start: start, end: Toy.clean, steps: steps)
        }
        let (s100, s200, s400) = (try solve(100), try solve(200), try solve(400))
        let coarse = zip(s100, s200).map { abs($0 - $1) }.max()!
        let fine = zip(s200, s400).map { abs($0 - $1) }.max()!
        #expect(coarse / fine > 10, "a fourth-order method shrinks the difference about 16×")
        #expect(fine < 1e-5)
    }

    @Test func encodingThenDecodingReturnsTheStart() throws {
        let x0 = try Toy.mixture2D.samplePoints(count: 16, generator: TorchGenerator(seed: 8))
        let noisy = try NoiseLevel.variancePreserving(alphaCumprod: 0.002)
        let encoded = try Toy.mixture2D.probabilityFlowSolution(points: x0, start: Toy.clean, end: noisy, steps: 600)
        let decoded = try Toy.mixture2D.probabilityFlowSolution(points: encoded, start: noisy, end: Toy.clean, steps: 600)
        #expect(zip(x0, decoded).allSatisfy { abs($0 - $1) < 1e-6 })
        // The encoding is nothing like the data: the round trip is a real test.
        #expect(zip(x0, encoded).map { abs($0 - $1) }.max()! > 0.5)
    }

    @Test func badArgumentsThrow() throws {
        let level = try NoiseLevel.variancePreserving(alphaCumprod: 0.5)
        #expect(throws: SchedulerError(key: "steps", message: "steps must be between 1 and 10000000, not 0")) {
            _ = try Toy.mixture2D.probabilityFlowSolution(points: [0, 0], start: level, end: Toy.clean, steps: 0)
        }
        #expect(throws: SchedulerError.self) {
            _ = try Toy.mixture2D.probabilityFlowSolution(points: [0, 0, 0], start: level, end: Toy.clean)
        }
        #expect(throws: SchedulerError.self) {
            _ = try Toy.mixture2D.probabilityFlowSolution(
                from: Tensor(repeating: 0, shape: [3, 1]), start: level, end: Toy.clean)
        }
    }
}
