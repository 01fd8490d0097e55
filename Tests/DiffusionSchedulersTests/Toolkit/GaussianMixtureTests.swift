import Foundation
import Testing
@testable import DiffusionSchedulers

/// The closed-form posterior of a Gaussian mixture: against independent formulas, Monte Carlo and its own identities.
@Suite struct GaussianMixtureTests {
    static let levels: [NoiseLevel] = [
        try! .variancePreserving(alphaCumprod: 0.999), try! .variancePreserving(alphaCumprod: 0.5),
        try! .variancePreserving(alphaCumprod: 0.01), try! .varianceExploding(sigma: 0.3),
        try! .flowMatching(sigma: 0.7), try! .flowMatching(sigma: 1),
    ]

    @Test func eigenDecompositionReconstructsTheMatrix() {
        let a: [Double] = [4, 1, -2, 1, 3, 0.5, -2, 0.5, 5]
        let e = SymmetricEigen(symmetric: a, size: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                let rebuilt = (0..<3).reduce(0.0) { $0 + e.vectors[i * 3 + $1] * e.values[$1] * e.vectors[j * 3 + $1] }
                #expect(abs(rebuilt - a[i * 3 + j]) < 1e-12)
                let gram = (0..<3).reduce(0.0) { $0 + e.vectors[$1 * 3 + i] * e.vectors[$1 * 3 + j] }
                #expect(abs(gram - (i == j ? 1 : 0)) < 1e-12)
            }
        }
        // Trace and determinant are invariants.
        #expect(abs(e.values.reduce(0, +) - 12) < 1e-12)
        let det: Double = 4 * 14.75 - 6 - 2 * 6.5  // cofactor expansion along the first row
        #expect(abs(e.values.reduce(1, *) - det) < 1e-10)
    }

    @Test func singleGaussianMatchesTheTextbookPosterior() throws {
        // N(μ, Σ) observed through x = αx₀ + σε: E[x₀|x] = μ + αΣ(α²Σ + σ²I)⁻¹(x − αμ), with an explicit 2×2 inverse.
        let mu = [0.3, -0.4]
        let s = [[0.5, 0.2], [0.2, 0.3]]
        let mixture = try GaussianMixture(components: [GaussianComponent(weight: 2, mean: mu, covariance: s)])
        let x: [Double] = [0.1, 0.7, -1.2, 0.4]
        for level in Self.levels {
            let (a, sg) = (level.alpha, level.sigma)
            let c = [[a * a * s[0][0] + sg * sg, a * a * s[0][1]], [a * a * s[1][0], a * a * s[1][1] + sg * sg]]
            let det = c[0][0] * c[1][1] - c[0][1] * c[1][0]
            let ci = [[c[1][1] / det, -c[0][1] / det], [-c[1][0] / det, c[0][0] / det]]
            let got = try mixture.predict(.sample, points: x, level: level)
            let score = try mixture.predict(.score, points: x, level: level)
            for p in 0..<2 {
                let r = [x[2 * p] - a * mu[0], x[2 * p + 1] - a * mu[1]]
                let w = [ci[0][0] * r[0] + ci[0][1] * r[1], ci[1][0] * r[0] + ci[1][1] * r[1]]
                let want = [mu[0] + a * (s[0][0] * w[0] + s[0][1] * w[1]), mu[1] + a * (s[1][0] * w[0] + s[1][1] * w[1])]
                for i in 0..<2 {
                    #expect(abs(got[2 * p + i] - want[i]) < 1e-12, "\(level)")
                    #expect(abs(score[2 * p + i] + w[i]) < 1e-12, "\(level)")
                }
            }
        }
    }

    @Test func predictionsSatisfyTheirDefiningIdentities() throws {
        let x: [Double] = [0.2, -0.3, -1.5, 0.8, 0.9, 0.9, 0, 0]
        for level in Self.levels {
            let (a, s) = (level.alpha, level.sigma)
            let x0 = try Toy.mixture2D.predict(.sample, points: x, level: level)
            let eps = try Toy.mixture2D.predict(.epsilon, points: x, level: level)
            let v = try Toy.mixture2D.predict(.vPrediction, points: x, level: level)
            let flow = try Toy.mixture2D.predict(.flow, points: x, level: level)
            let score = try Toy.mixture2D.predict(.score, points: x, level: level)
            for i in x.indices {
                #expect(abs(a * x0[i] + s * eps[i] - x[i]) < 1e-12, "x = αx̂₀ + σε̂ at \(level)")
                #expect(abs(v[i] - (a * eps[i] - s * x0[i])) < 1e-12)
                #expect(abs(flow[i] - (eps[i] - x0[i])) < 1e-12)
                #expect(abs(score[i] + eps[i] / s) < 1e-9 * max(1, abs(score[i])), "Tweedie: ∇log p = −ε̂/σ")
            }
        }
    }

    @Test func pureNoiseGivesThePriorMean() throws {
        let level = try NoiseLevel.flowMatching(sigma: 1)
        let x0 = try Toy.mixture2D.predict(.sample, points: [3, -7, 0.5, 0.5], level: level)
        let mean = Toy.mixture2D.mean
        #expect(abs(mean[0] - (0.5 * -0.6 + 0.3 * 0.5 + 0.2 * 0.4)) < 1e-15)
        for p in 0..<2 {
            #expect(abs(x0[2 * p] - mean[0]) < 1e-12 && abs(x0[2 * p + 1] - mean[1]) < 1e-12)
        }
    }

    @Test func posteriorMeanAgreesWithMonteCarloTweedie() throws {
        // Self-normalised importance sampling of E[x₀ | x] from 100 000 prior draws, weights N(x; αx₀, σ²I).
        let draws = try Toy.mixture2D.samplePoints(count: 100_000, generator: TorchGenerator(seed: 11))
        let queries: [(NoiseLevel, [Double])] = [
            (try .variancePreserving(alphaCumprod: 0.1), [0.2, -0.5]),
            (try .variancePreserving(alphaCumprod: 0.5), [-0.4, 0.1]),
            (try .variancePreserving(alphaCumprod: 0.5), [0.35, 0.0]),
            (try .variancePreserving(alphaCumprod: 0.9), [0.4, 0.4]),
        ]
        for (level, x) in queries {
            let (a, s) = (level.alpha, level.sigma)
            var logW = [Double](repeating: 0, count: draws.count / 2)
            for i in logW.indices {
                let d0 = x[0] - a * draws[2 * i], d1 = x[1] - a * draws[2 * i + 1]
                logW[i] = -(d0 * d0 + d1 * d1) / (2 * s * s)
            }
            let top = logW.max()!
            let w = logW.map { exp($0 - top) }
            let total = w.reduce(0, +)
            let effective = total * total / w.reduce(0) { $0 + $1 * $1 }
            let exact = try Toy.mixture2D.predict(.sample, points: x, level: level)
            for c in 0..<2 {
                var estimate = 0.0
                for i in w.indices { estimate += w[i] * draws[2 * i + c] }
                estimate /= total
                var variance = 0.0
                for i in w.indices { variance += w[i] * w[i] * pow(draws[2 * i + c] - estimate, 2) }
                let standardError = variance.squareRoot() / total
                print("Tweedie MC \(level) x=\(x)[\(c)]: exact \(exact[c]) MC \(estimate) ± \(standardError) (ESS \(Int(effective)))")
                #expect(standardError < 0.005, "the Monte-Carlo check must be sharp to mean anything")
                #expect(abs(estimate - exact[c]) < 4 * standardError)
            }
        }
    }

    @Test func scoreIsTheGradientOfTheLogDensity() throws {
        let x: [Double] = [0.1, -0.2, -0.8, 0.3, 0.45, 0.55]
        for level in Self.levels.dropLast() {
            let score = try Toy.mixture2D.predict(.score, points: x, level: level)
            let h = 1e-5
            for i in x.indices {
                var up = x, down = x
                up[i] += h
                down[i] -= h
                let p = i / 2
                let difference = try (Toy.mixture2D.logDensity(points: up, level: level)[p]
                    - Toy.mixture2D.logDensity(points: down, level: level)[p]) / (2 * h)
                #expect(abs(difference - score[i]) < 1e-5 * max(1, abs(score[i])), "\(level) i=\(i)")
            }
        }
    }

    @Test func logDensityIntegratesToOne() throws {
        // A 1-D midpoint rule over a wide interval, at a noisy and a nearly clean level.
        for level in [try NoiseLevel.variancePreserving(alphaCumprod: 0.3), try .variancePreserving(alphaCumprod: 0.999)] {
            let h = 0.0005
            let grid = (0..<32_000).map { -8 + h * (Double($0) + 0.5) }
            let total = try Toy.mixture1D.logDensity(points: grid, level: level).reduce(0) { $0 + exp($1) * h }
            #expect(abs(total - 1) < 1e-9)
        }
    }

    @Test func cleanLevelIsTheIdentityAndPointMassesHaveNoScore() throws {
        let atoms = try GaussianMixture(weights: [1, 1], means: [-1, 1], standardDeviations: [0, 0])
        let clean = try NoiseLevel(alpha: 0.5, sigma: 0)
        let x: [Double] = [0.3, -0.2]
        #expect(try atoms.predict(.sample, points: x, level: clean) == [0.6, -0.4])
        #expect(try atoms.predict(.epsilon, points: x, level: clean) == [0, 0])
        #expect(try atoms.predict(.flow, points: x, level: clean) == [-0.6, 0.4])
        #expect(throws: SchedulerError.self) { try atoms.predict(.score, points: x, level: clean) }
        // With noise, point masses are fine: the posterior mean lies between the atoms.
        let noisy = try atoms.predict(.sample, points: [0.3], level: .variancePreserving(alphaCumprod: 0.5))
        #expect(noisy[0] > 0 && noisy[0] < 1)
        // A positive-definite mixture has a score at σ = 0: −(α²Σ)⁻¹·(x − αμ).
        let smooth = try GaussianMixture(weights: [1], means: [0], standardDeviations: [0.5])
        let score = try smooth.predict(.score, points: [0.5], level: NoiseLevel(alpha: 1, sigma: 0))
        #expect(abs(score[0] + 0.5 / 0.25) < 1e-12)
    }

    @Test func samplesHaveTheMixtureMomentsAndAreSeeded() throws {
        let n = 40_000
        let a = try Toy.mixture2D.sample(count: n, generator: TorchGenerator(seed: 3))
        let b = try Toy.mixture2D.sample(count: n, generator: TorchGenerator(seed: 3))
        #expect(a == b)
        #expect(a.shape == [n, 2])
        let mean = Toy.mixture2D.mean, cov = Toy.mixture2D.covariance
        for i in 0..<2 {
            let m = stride(from: i, to: a.count, by: 2).reduce(0.0) { $0 + Double(a.scalars[$1]) } / Double(n)
            #expect(abs(m - mean[i]) < 4 * (cov[i][i] / Double(n)).squareRoot())
        }
        // Component frequencies: points nearest the narrow third component's mean, roughly its weight.
        let nearThird = stride(from: 0, to: a.count, by: 2).filter {
            hypot(Double(a.scalars[$0]) - 0.4, Double(a.scalars[$0 + 1]) + 0.6) < 0.15 * 1.5
        }.count
        let expected = Double(n) * 0.2 * (1 - exp(-1.125))  // P(radius < 1.5 s) for an isotropic 2-D Gaussian
        #expect(abs(Double(nearThird) - expected) < 0.05 * expected)
    }

    @Test func exactDenoiserMatchesTheSchedulersTimesteps() throws {
        let scheduler = try DDIMScheduler()
        let model = try Toy.mixture2D.denoiser(predictionType: .vPrediction, alphasCumprod: scheduler.alphasCumprod)
        #expect(model.target == .vPrediction)
        let x = try Tensor(shape: [2, 2], scalars: [0.1, 0.2, -0.5, 0.9])
        let level = try NoiseLevel.variancePreserving(alphaCumprod: Double(scheduler.alphasCumprod[500]))
        #expect(try model(x, timestep: 500) == Toy.mixture2D.predict(.vPrediction, sample: x, level: level))
        #expect(throws: SchedulerError(key: "timestep", message: "timestep 1000 is outside 0..<1000")) {
            try model(x, timestep: 1000)
        }
        // A 1-D mixture accepts [N] and [N, 1] alike.
        let flat = try Tensor(shape: [3], scalars: [0.1, 0.2, 0.3])
        let column = try Tensor(shape: [3, 1], scalars: [0.1, 0.2, 0.3])
        let m1 = try Toy.mixture1D.denoiser(target: .score, alphasCumprod: scheduler.alphasCumprod)
        #expect(try m1(flat, timestep: 10).scalars == m1(column, timestep: 10).scalars)
    }

    @Test func fractionalAndFlowMatchingTimestepsMapToTheirLevels() throws {
        let schedule = try NoiseSchedule()
        let model = try Toy.mixture2D.denoiser(target: .epsilon, alphasCumprod: schedule.alphasCumprod)
        // Integer timesteps read ᾱ; fractional ones interpolate the VE sigma as np.interp does.
        #expect(try model.noiseLevel(timestep: 400.0) == NoiseLevel.variancePreserving(alphaCumprod: Double(schedule.alphasCumprod[400])))
        let sigma = { (i: Int) in ((1 - Double(schedule.alphasCumprod[i])) / Double(schedule.alphasCumprod[i])).squareRoot() }
        let level = try model.noiseLevel(timestep: 400.25)
        #expect(abs(level.varianceExplodingSigma - (0.75 * sigma(400) + 0.25 * sigma(401))) < 1e-12)
        #expect(abs(level.alpha * level.alpha + level.sigma * level.sigma - 1) < 1e-12)
        #expect(throws: SchedulerError(key: "timestep", message: "timestep 999.5 is outside 0..<1000")) {
            _ = try model.noiseLevel(timestep: 999.5)
        }
        #expect(throws: SchedulerError.self) { _ = try model.noiseLevel(timestep: .nan) }
        let flow = try Toy.mixture2D.flowMatchingDenoiser()
        #expect(flow.target == .flow)
        #expect(try flow.noiseLevel(timestep: 250.0) == NoiseLevel(alpha: 0.75, sigma: 0.25))
        #expect(try flow.noiseLevel(timestep: 1000.0) == NoiseLevel(alpha: 0, sigma: 1))
        let x = try Tensor(shape: [1, 2], scalars: [0.3, -0.1])
        #expect(try flow(x, timestep: 250.0) == Toy.mixture2D.predict(.flow, sample: x, level: NoiseLevel(alpha: 0.75, sigma: 0.25)))
        #expect(throws: SchedulerError.self) { _ = try Toy.mixture2D.flowMatchingDenoiser(numTrainTimesteps: 0) }
    }
}

/// Bad input throws a `SchedulerError` naming the argument; nothing traps.
@Suite struct GaussianMixtureErrorTests {
    static func component(
        weight: Double = 1, mean: [Double] = [0, 0], covariance: [[Double]] = [[1, 0], [0, 1]]
    ) -> GaussianComponent {
        GaussianComponent(weight: weight, mean: mean, covariance: covariance)
    }

    @Test(arguments: [
        ([], "components"),
        ([component(weight: -1)], "components[0].weight"),
        ([component(), component(weight: .nan)], "components[1].weight"),
        ([component(weight: 0), component(weight: 0)], "components"),
        ([component(mean: [])], "components[0].mean"),
        ([component(), component(mean: [1, 2, 3])], "components[1].mean"),
        ([component(mean: [0, .infinity])], "components[0].mean"),
        ([component(covariance: [[1, 0]])], "components[0].covariance"),
        ([component(covariance: [[1, 0], [0]])], "components[0].covariance"),
        ([component(covariance: [[1, 0.5], [0.4, 1]])], "components[0].covariance"),
        ([component(covariance: [[1, 2], [2, 1]])], "components[0].covariance"),
        ([component(covariance: [[-1, 0], [0, 1]])], "components[0].covariance"),
        ([component(covariance: [[1, 0], [0, .nan]])], "components[0].covariance"),
    ] as [([GaussianComponent], String)])
    func badComponentsNameTheArgument(components: [GaussianComponent], key: String) {
        #expect {
            _ = try GaussianMixture(components: components)
        } throws: { error in
            let error = error as! SchedulerError
            return error.key == key && error.message.contains(key.split(separator: ".").first.map(String.init) ?? key)
        }
    }

    @Test func messagesSayWhatIsWrong() {
        #expect(throws: SchedulerError(
            key: "components[0].covariance",
            message: "components[0].covariance must be positive semi-definite, but has eigenvalue -0.5")
        ) {
            _ = try GaussianMixture(components: [Self.component(covariance: [[1, 0], [0, -0.5]])])
        }
        #expect(throws: SchedulerError(
            key: "weights", message: "weights, means and standardDeviations must have the same length, not 2, 1 and 1")
        ) {
            _ = try GaussianMixture(weights: [1, 1], means: [0], standardDeviations: [1])
        }
        #expect(throws: SchedulerError(
            key: "standardDeviations[0]", message: "standardDeviations[0] must be a finite number ≥ 0, not -1.0")
        ) {
            _ = try GaussianMixture(weights: [1], means: [0], standardDeviations: [-1])
        }
    }

    @Test func weightsAreNormalised() throws {
        let m = try GaussianMixture(components: [Self.component(weight: 3), Self.component(weight: 1)])
        #expect(m.components.map(\.weight) == [0.75, 0.25])
    }

    @Test func shapesAndLevelsAreChecked() throws {
        let level = try NoiseLevel.variancePreserving(alphaCumprod: 0.5)
        #expect(throws: SchedulerError(
            key: "sample", message: "sample has shape [4] but the mixture's points need shape [N, 2]")
        ) {
            _ = try Toy.mixture2D.predict(.sample, sample: Tensor(repeating: 0, shape: [4]), level: level)
        }
        #expect(throws: SchedulerError(
            key: "sample", message: "sample has shape [2, 3] but the mixture's points need shape [N, 2]")
        ) {
            _ = try Toy.mixture2D.predict(.epsilon, sample: Tensor(repeating: 0, shape: [2, 3]), level: level)
        }
        #expect(throws: SchedulerError.self) { _ = try Toy.mixture2D.predict(.sample, points: [1, 2, 3], level: level) }
        #expect(throws: SchedulerError(key: "alpha", message: "alpha and sigma cannot both be 0")) {
            _ = try NoiseLevel(alpha: 0, sigma: 0)
        }
        #expect(throws: SchedulerError.self) { _ = try NoiseLevel(alpha: -1, sigma: 1) }
        #expect(throws: SchedulerError.self) { _ = try NoiseLevel.variancePreserving(alphaCumprod: 1.5) }
        #expect(throws: SchedulerError.self) { _ = try NoiseLevel.flowMatching(sigma: 1.01) }
        #expect(throws: SchedulerError.self) { _ = try NoiseLevel.varianceExploding(sigma: 0) }
        #expect(throws: SchedulerError.self) { _ = try Toy.mixture2D.sample(count: -1, generator: TorchGenerator(seed: 0)) }
        #expect(throws: SchedulerError(key: "alphasCumprod", message: "alphasCumprod[1] must be in [0, 1], not 2.0")) {
            _ = try Toy.mixture2D.denoiser(target: .epsilon, alphasCumprod: [0.5, 2])
        }
        #expect(throws: SchedulerError.self) { _ = try Toy.mixture2D.denoiser(target: .epsilon, alphasCumprod: []) }
    }
}
