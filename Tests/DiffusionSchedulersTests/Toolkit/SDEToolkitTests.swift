import Foundation
import Testing
@testable import DiffusionSchedulers

/// VP- and VE-SDEs, their reverse SDE and probability-flow ODE, and the integrators.
@Suite struct SDEToolkitTests {
    /// The discrete schedule built with β = β(t)/T tends to the VP-SDE's ᾱ(t) at t = (i + 1)/T, error ∝ 1/T.
    @Test(arguments: [(BetaSchedule.linear, VPSDE.BetaShape.linear, 0.1, 20.0), (.scaledLinear, .scaledLinear, 0.85, 12.0)])
    func vpSDEIsTheLimitOfTheDiscreteSchedule(
        schedule: BetaSchedule, shape: VPSDE.BetaShape, betaMin: Double, betaMax: Double
    ) throws {
        let sde = try VPSDE(betaMin: betaMin, betaMax: betaMax, shape: shape)
        var errors: [Double] = []
        for t in [1000, 10_000] {
            let discrete = try NoiseSchedule(
                numTrainTimesteps: t, betaStart: betaMin / Double(t), betaEnd: betaMax / Double(t), betaSchedule: schedule)
            let matching = try VPSDE(
                numTrainTimesteps: t, betaStart: betaMin / Double(t), betaEnd: betaMax / Double(t), betaSchedule: schedule)
            #expect(matching.shape == shape)
            #expect(abs(matching.betaMin - betaMin) < 1e-12 && abs(matching.betaMax - betaMax) < 1e-12)
            var worst = 0.0
            for i in 0..<t {
                let continuous = try sde.alphaCumprod(at: VPSDE.time(forTimestep: i, numTrainTimesteps: t))
                worst = max(worst, abs(Foundation.log(continuous) - Foundation.log(Double(discrete.alphasCumprod[i]))))
            }
            errors.append(worst)
        }
        #expect(errors[0] < 0.07)
        #expect(errors[1] < errors[0] / 9, "ten times the timesteps, a tenth of the error")
    }

    /// For a linear SDE the marginal scales obey dα/dt = f·α and dσ²/dt = 2f·σ² + g²: checks f and g against α and σ.
    @Test func driftAndDiffusionGenerateTheMarginals() throws {
        let sdes: [any DiffusionSDE] = [
            try VPSDE(), try VPSDE(betaMin: 0.85, betaMax: 12, shape: .scaledLinear), try VESDE(sigmaMin: 0.01, sigmaMax: 20),
        ]
        for sde in sdes {
            for t in [0.05, 0.3, 0.5, 0.9] {
                let h = 1e-6
                let (up, down, here) = (try sde.noiseLevel(at: t + h), try sde.noiseLevel(at: t - h), try sde.noiseLevel(at: t))
                let f = try sde.driftCoefficient(at: t), g = try sde.diffusionCoefficient(at: t)
                let dAlpha = (up.alpha - down.alpha) / (2 * h)
                let dVariance = (up.sigma * up.sigma - down.sigma * down.sigma) / (2 * h)
                #expect(abs(dAlpha - f * here.alpha) < 1e-6 * max(1, abs(dAlpha)), "\(sde) t=\(t)")
                let want = 2 * f * here.sigma * here.sigma + g * g
                #expect(abs(dVariance - want) < 1e-6 * max(1, abs(want)), "\(sde) t=\(t)")
            }
        }
        let vp = try VPSDE()
        #expect(try vp.noiseLevel(at: 0) == NoiseLevel(alpha: 1, sigma: 0))
        #expect(try abs(vp.alphaCumprod(at: 1) - exp(-10.05)) < 1e-15)
        #expect(try VESDE().noiseLevel(at: 0).sigma == 0)
    }

    /// The probability-flow ODE in t (from f, g and the score) against the exact solution in θ (from the
    /// levels alone), with each integrator at its order.
    @Test func integratorsConvergeToTheExactProbabilityFlowAtTheirOrders() throws {
        let process = DiffusionProcess(sde: try VPSDE(), mixture: Toy.mixture1D)
        let start = try TorchGenerator(seed: 5).randn(shape: [64, 1])
        let exact = try Toy.mixture1D.probabilityFlowSolution(
            from: start, start: process.sde.noiseLevel(at: 1), end: process.sde.noiseLevel(at: 1e-3), steps: 600)
        let steps = [20, 40, 80, 160]
        var slopes: [ODEIntegrator: Double] = [:]
        var finest: [ODEIntegrator: Double] = [:]
        for integrator in ODEIntegrator.allCases {
            let errors = try steps.map { n in
                let path = try process.solveProbabilityFlow(
                    from: start, times: DiffusionProcess.uniformTimes(from: 1, to: 1e-3, steps: n), integrator: integrator)
                #expect(path.states.count == n + 1 && path.times.count == n + 1)
                return try SampleMetrics.meanDistance(path.final, exact)
            }
            slopes[integrator] = try SampleMetrics.convergenceSlope(steps: steps, errors: errors)
            finest[integrator] = errors[errors.count - 1]
            print("VP PF-ODE \(integrator): errors \(errors), slope \(slopes[integrator]!)")
        }
        #expect(slopes[.euler]! >= 0.8)
        #expect(slopes[.heun]! >= 1.7)
        #expect(slopes[.rk4]! >= 3.5)
        #expect(finest[.rk4]! < 1e-6)
    }

    @Test func veProbabilityFlowReachesTheExactSolutionAtSigmaZero() throws {
        let process = DiffusionProcess(sde: try VESDE(sigmaMin: 0.01, sigmaMax: 20), mixture: Toy.mixture1D)
        let start = try Tensor(shape: [32, 1], scalars: TorchGenerator(seed: 5).randn(count: 32).map { $0 * 20 })
        let exact = try Toy.mixture1D.probabilityFlowSolution(
            from: start, start: process.sde.noiseLevel(at: 1), end: Toy.clean, steps: 600)
        let path = try process.solveProbabilityFlow(
            from: start, times: DiffusionProcess.uniformTimes(from: 1, to: 0, steps: 160), integrator: .rk4)
        #expect(try SampleMetrics.meanDistance(path.final, exact) < 1e-6)
    }

    /// Euler–Maruyama on the reverse SDE turns noise into the data distribution (1-D Wasserstein).
    @Test func reverseSDESamplesTheData() throws {
        let n = 2000
        let mixture = Toy.mixture1D
        let process = DiffusionProcess(sde: try VPSDE(), mixture: mixture)
        let noise = try TorchGenerator(seed: 9).randn(shape: [n, 1])
        let data = try mixture.sample(count: n, generator: TorchGenerator(seed: 10))
        let times = try DiffusionProcess.uniformTimes(from: 1, to: 1e-3, steps: 100)
        let path = try process.sampleReverseSDE(from: noise, times: times, generator: TorchGenerator(seed: 4))
        let again = try process.sampleReverseSDE(from: noise, times: times, generator: TorchGenerator(seed: 4))
        #expect(path == again)
        let sampled = try SampleMetrics.wasserstein1D(path.final, data)
        let unsampled = try SampleMetrics.wasserstein1D(noise, data)
        print("reverse SDE W1 to data \(sampled), noise W1 to data \(unsampled)")
        #expect(unsampled > 0.3)
        #expect(sampled < 0.04)
        // The deterministic flow from the same noise lands on the data distribution too.
        let flow = try process.solveProbabilityFlow(from: noise, times: times, integrator: .heun)
        #expect(try SampleMetrics.wasserstein1D(flow.final, data) < 0.04)
    }

    /// Euler–Maruyama on the forward SDE reproduces the noisy marginal's mean and variance.
    @Test func forwardSDEReachesTheMarginal() throws {
        let n = 4000
        let mixture = Toy.mixture1D
        for sde in [try VPSDE(), try VESDE(sigmaMin: 0.01, sigmaMax: 5)] as [any DiffusionSDE] {
            let process = DiffusionProcess(sde: sde, mixture: mixture)
            let x0 = try mixture.sample(count: n, generator: TorchGenerator(seed: 21))
            let times = try DiffusionProcess.uniformTimes(from: 0, to: 0.5, steps: 200)
            let path = try process.sampleForwardSDE(from: x0, times: times, generator: TorchGenerator(seed: 22))
            let level = try sde.noiseLevel(at: 0.5)
            let m = mixture.mean[0], v = mixture.covariance[0][0]
            let wantMean = level.alpha * m
            let wantVariance = level.alpha * level.alpha * v + level.sigma * level.sigma
            let values = path.final.scalars.map { Double($0) }
            let mean = values.reduce(0, +) / Double(n)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            #expect(abs(mean - wantMean) < 4 * (wantVariance / Double(n)).squareRoot(), "\(sde)")
            #expect(abs(variance / wantVariance - 1) < 0.1, "\(sde)")
        }
    }

    @Test func badArgumentsThrow() throws {
        let process = DiffusionProcess(sde: try VPSDE(), mixture: Toy.mixture1D)
        let x = try Tensor(repeating: 0, shape: [4])
        let g = TorchGenerator(seed: 0)
        #expect(throws: SchedulerError(key: "times", message: "times needs at least 2 entries, not 1")) {
            _ = try process.solveProbabilityFlow(from: x, times: [1], integrator: .euler)
        }
        #expect(throws: SchedulerError(key: "times", message: "times[1] must be in [0, 1], not 1.5")) {
            _ = try process.solveProbabilityFlow(from: x, times: [1, 1.5], integrator: .euler)
        }
        #expect(throws: SchedulerError(
            key: "times", message: "times must be strictly monotone, but times[2] = 0.7 follows 0.5")
        ) {
            _ = try process.solveProbabilityFlow(from: x, times: [1, 0.5, 0.7], integrator: .euler)
        }
        #expect(throws: SchedulerError.self) { _ = try process.sampleReverseSDE(from: x, times: [0, 1], generator: g) }
        #expect(throws: SchedulerError.self) { _ = try process.sampleForwardSDE(from: x, times: [1, 0], generator: g) }
        #expect(throws: SchedulerError.self) {
            _ = try process.solveProbabilityFlow(from: Tensor(repeating: 0, shape: [2, 2]), times: [1, 0.5], integrator: .rk4)
        }
        #expect(throws: SchedulerError(key: "t", message: "time t must be in [0, 1], not -0.1")) {
            _ = try VPSDE().beta(at: -0.1)
        }
        #expect(throws: SchedulerError.self) { _ = try VPSDE(betaMin: -1) }
        #expect(throws: SchedulerError.self) { _ = try VPSDE(betaMin: 0, betaMax: 0) }
        #expect(throws: SchedulerError.self) { _ = try VESDE(sigmaMin: 1, sigmaMax: 0.5) }
        #expect {
            _ = try VPSDE(betaSchedule: .squaredcosCapV2)
        } throws: { error in
            (error as? SchedulerError)?.key == "beta_schedule" && (error as? SchedulerError)?.suggestion == nil
        }
        #expect(throws: SchedulerError.self) { _ = try DiffusionProcess.uniformTimes(from: 1, to: 0, steps: 0) }
        #expect(try DiffusionProcess.uniformTimes(from: 1, to: 0, steps: 4) == [1, 0.75, 0.5, 0.25, 0])
    }
}
