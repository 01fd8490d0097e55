import Testing
@testable import DiffusionSchedulers

/// The public step coefficients are the numbers `step` really uses: one step rebuilt from them
/// with the kernels' float32 operation order equals `step` bit for bit.
@Suite struct StepCoefficientsTests {
    /// A small deterministic sample (24 values: more than the 16 of torch's vectorised `randn`).
    static func sample(_ offset: Float = 0) throws -> Tensor {
        try Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0 - 11) * 0.137 + offset })
    }

    /// A model output that depends on the sample, so that every term of an update matters.
    static func model(_ x: Tensor, step: Int) throws -> Tensor {
        try Tensor(shape: x.shape, scalars: x.scalars.enumerated().map { k, v in 0.8 * v + 0.05 * Float(k % 5) - 0.01 * Float(step) })
    }

    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    @Test(arguments: [0.0, 0.5, 1.0])
    func ddimStepIsItsCoefficients(eta: Double) throws {
        var config = DDIMSchedulerConfiguration()
        config.setAlphaToOne = false
        config.clipSample = false  // the rebuilt step below has no clamp
        let scheduler = try DDIMScheduler(config: config)
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan(eta: eta)
        #expect(plan.map(\.timestep) == scheduler.timesteps)
        // The last step lands past t = 0 and uses final_alpha_cumprod (ᾱ₀ without set_alpha_to_one).
        #expect(plan.last!.prevTimestep < 0 && plan.last!.alphaProdPrev == scheduler.alphasCumprod[0])
        let stepGenerator = TorchGenerator(seed: 7), noiseGenerator = TorchGenerator(seed: 7)
        var x = try Self.sample()
        for k in plan {
            #expect(k.variance == (try scheduler.variance(timestep: k.timestep, prevTimestep: k.prevTimestep)))
            let m = try Self.model(x, step: k.timestep)
            let out = try scheduler.step(
                modelOutput: m, timestep: k.timestep, sample: x, eta: eta, generator: eta > 0 ? stepGenerator : nil)
            let z = eta > 0 ? noiseGenerator.randn(count: x.count) : []
            var x0: [Float] = [], prev: [Float] = [], xtForm: [Float] = []
            for i in 0..<x.count {
                let xi = x.scalars[i], eps = m.scalars[i]
                let original = (xi - k.sqrtBetaProd * eps) / k.sqrtAlphaProd
                let mean = k.originalCoefficient * original + k.directionCoefficient * eps
                x0.append(original)
                prev.append(eta > 0 ? mean + k.std * z[i] : mean)
                let direct = k.sampleCoefficient * xi + k.epsilonCoefficient * eps
                xtForm.append(eta > 0 ? direct + k.std * z[i] : direct)
            }
            #expect(Self.bits(out.predOriginalSample.scalars) == Self.bits(x0))
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(prev))
            // The a·x_t + b·ε̂ form is the same update rewritten: equal to float32 rounding.
            for i in 0..<x.count {
                let scale = abs(k.sampleCoefficient * x.scalars[i]) + abs(k.epsilonCoefficient * m.scalars[i]) + abs(k.std)
                #expect(abs(xtForm[i] - prev[i]) <= 1e-5 * scale)
            }
            #expect(k.std == Float(eta) * TorchNumerics.sqrt(k.variance))
            x = out.prevSample
        }
    }

    @Test func ddimRejectsANegativeEta() throws {
        let scheduler = try DDIMScheduler()
        try scheduler.setTimesteps(10)
        #expect(throws: SchedulerError.self) { _ = try scheduler.stepPlan(eta: -0.5) }
        #expect((try? scheduler.stepPlan(eta: -0.5)) == nil)
        do {
            _ = try scheduler.stepCoefficients(timestep: 901, eta: -1)
            Issue.record("a negative eta was accepted")
        } catch {
            #expect(error.key == "eta")
        }
    }

    @Test(arguments: [VarianceType.fixedSmall, .fixedSmallLog, .fixedLarge])
    func ddpmStepIsItsCoefficients(varianceType: VarianceType) throws {
        var config = DDPMSchedulerConfiguration()
        config.varianceType = varianceType
        config.clipSample = false  // the rebuilt step below has no clamp
        let scheduler = try DDPMScheduler(config: config)
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        #expect(plan.last!.timestep == 0 && plan.last!.std == nil)
        let stepGenerator = TorchGenerator(seed: 11), noiseGenerator = TorchGenerator(seed: 11)
        var x = try Self.sample()
        for k in plan {
            let m = try Self.model(x, step: k.timestep)
            let out = try scheduler.step(modelOutput: m, timestep: k.timestep, sample: x, generator: stepGenerator)
            let z = k.timestep > 0 ? noiseGenerator.randn(count: x.count) : []
            var prev: [Float] = []
            for i in 0..<x.count {
                let xi = x.scalars[i]
                let original = (xi - k.sqrtBetaProd * m.scalars[i]) / k.sqrtAlphaProd
                let mean = k.originalCoefficient * original + k.currentCoefficient * xi
                prev.append(k.std.map { mean + $0 * z[i] } ?? mean + 0)
            }
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(prev))
            switch varianceType {
            case .fixedSmall: #expect(k.variance == k.posteriorVariance)
            case .fixedLarge: #expect(k.variance == k.currentBeta)
            default: #expect(k.variance != nil)
            }
            x = out.prevSample
        }
    }

    /// diffusers' multistep update with the documented D₁ (and D₂), from the public coefficients,
    /// in the kernel's operation order, plus n·z for the SDE variants.
    static func multistepUpdate(_ k: DPMSolverStepCoefficients, x: Float, d: [Float], z: Float?) -> Float {
        let base = k.sampleCoefficient * x + k.d0Coefficient * d[0]
        let value: Float
        switch k.order {
        case 1: value = base
        case 2: value = base + k.d1Coefficient! * ((1.0 / k.r0!) * (d[0] - d[1]))
        default:
            let d10 = (1.0 / k.r0!) * (d[0] - d[1]), d11 = (1.0 / k.r1!) * (d[1] - d[2])
            let difference = d10 - d11
            value = (base + k.d1Coefficient! * (d10 + (k.r0! / (k.r0! + k.r1!)) * difference))
                + k.d2Coefficient! * ((1.0 / (k.r0! + k.r1!)) * difference)
        }
        return z.map { value + k.noiseCoefficient! * $0 } ?? value
    }

    /// A DPM-Solver variant whose converted model output is the model output itself (x₀ for the
    /// `++` algorithms with `sample` prediction, ε for `dpmsolver` with `epsilon`), so that the
    /// test checks the update and not the conversion.
    struct SolverCase: Sendable, CustomTestStringConvertible {
        var order: Int
        var algorithm: DPMSolverAlgorithmType
        var solverType: DPMSolverType = .midpoint
        var testDescription: String { "\(algorithm.rawValue) order \(order) \(solverType.rawValue)" }
        var prediction: SolverPredictionType { algorithm.predictsData ? .sample : .epsilon }
    }

    @Test(arguments: [
        SolverCase(order: 2, algorithm: .dpmsolverPlusPlus), SolverCase(order: 3, algorithm: .dpmsolverPlusPlus),
        SolverCase(order: 2, algorithm: .dpmsolverPlusPlus, solverType: .heun),
        SolverCase(order: 3, algorithm: .dpmsolver), SolverCase(order: 2, algorithm: .sdeDpmsolverPlusPlus),
        SolverCase(order: 3, algorithm: .sdeDpmsolverPlusPlus), SolverCase(order: 2, algorithm: .sdeDpmsolver),
    ])
    func multistepStepIsItsCoefficients(_ c: SolverCase) throws {
        var config = DPMSolverMultistepSchedulerConfiguration()
        config.solverOrder = c.order
        config.algorithmType = c.algorithm
        config.solverType = c.solverType
        config.predictionType = c.prediction
        // diffusers refuses a zero final sigma for the ε algorithms (λ would be −∞ at the end).
        if !c.algorithm.predictsData { config.finalSigmasType = .sigmaMin }
        let scheduler = try DPMSolverMultistepScheduler(config: config)
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        // Warm-up and lower_order_final (fewer than 15 steps) lower the first and last orders.
        let expectedOrders = c.order == 2 ? [1] + Array(repeating: 2, count: 8) + [1]
            : [1, 2] + Array(repeating: 3, count: 6) + [2, 1]
        #expect(plan.map(\.order) == expectedOrders)
        let stochastic = c.algorithm.isStochastic
        let stepGenerator = TorchGenerator(seed: 3), noiseGenerator = TorchGenerator(seed: 3)
        var x = try Self.sample()
        var outputs: [[Float]] = []  // newest first
        for (i, k) in plan.enumerated() {
            #expect(k.h == k.lambdaT - k.lambdaS)
            #expect((k.r0 != nil) == (k.order >= 2) && (k.r1 != nil) == (k.order == 3))
            #expect((k.noiseCoefficient != nil) == stochastic)
            let m = try Self.model(x, step: i)
            outputs.insert(m.scalars, at: 0)
            let out = try scheduler.step(
                modelOutput: m, timestep: scheduler.timesteps[i], sample: x, generator: stochastic ? stepGenerator : nil)
            let z = stochastic ? noiseGenerator.randn(count: x.count) : []
            let expected = (0..<x.count).map { j in
                Self.multistepUpdate(
                    k, x: x.scalars[j], d: outputs.prefix(k.order).map { $0[j] }, z: stochastic ? z[j] : nil)
            }
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(expected))
            x = out.prevSample
        }
    }

    @Test(arguments: [
        SolverCase(order: 2, algorithm: .dpmsolverPlusPlus), SolverCase(order: 3, algorithm: .dpmsolverPlusPlus),
        SolverCase(order: 3, algorithm: .dpmsolverPlusPlus, solverType: .heun), SolverCase(order: 2, algorithm: .dpmsolver),
        SolverCase(order: 3, algorithm: .sdeDpmsolverPlusPlus),
    ])
    func singlestepStepIsItsCoefficients(_ c: SolverCase) throws {
        var config = DPMSolverSinglestepSchedulerConfiguration()
        config.solverOrder = c.order
        config.algorithmType = c.algorithm
        config.solverType = c.solverType
        config.predictionType = c.prediction
        // diffusers refuses a zero final sigma for the ε algorithms (λ would be −∞ at the end).
        if !c.algorithm.predictsData { config.finalSigmasType = .sigmaMin }
        let scheduler = try DPMSolverSinglestepScheduler(config: config)
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        #expect(plan.map(\.order) == scheduler.orderList)
        let stochastic = c.algorithm.isStochastic
        let stepGenerator = TorchGenerator(seed: 9), noiseGenerator = TorchGenerator(seed: 9)
        var x = try Self.sample()
        var samples: [[Float]] = [], outputs: [[Float]] = []  // by step
        for (i, k) in plan.enumerated() {
            let m = try Self.model(x, step: i)
            samples.append(x.scalars)
            outputs.append(m.scalars)
            let out = try scheduler.step(
                modelOutput: m, timestep: scheduler.timesteps[i], sample: x, generator: stochastic ? stepGenerator : nil)
            let z = stochastic ? noiseGenerator.randn(count: x.count) : []
            // The update starts at the block's anchor, step i − order + 1.
            let anchor = i - k.order + 1
            #expect(k.sigmaS == scheduler.sigmas[anchor] && k.sigmaT == scheduler.sigmas[i + 1])
            let expected = (0..<x.count).map { j -> Float in
                let start = samples[anchor][j], first = outputs[anchor][j], current = outputs[i][j]
                let base = k.sampleCoefficient * start + k.d0Coefficient * first
                var value = base
                if k.order == 3, let c2 = k.d2Coefficient {
                    // Third-order heun: D₁ and D₂ from the block's three outputs.
                    let earlier = (1.0 / k.r1!) * (outputs[i - 1][j] - first), later = (1.0 / k.r0!) * (current - first)
                    let d1 = (k.r0! * earlier - k.r1! * later) / (k.r0! - k.r1!)
                    let d2 = (2.0 * (later - earlier)) / (k.r0! - k.r1!)
                    value = (base + k.d1Coefficient! * d1) + c2 * d2
                } else if k.order > 1 {
                    value = base + k.d1Coefficient! * ((1.0 / k.r0!) * (current - first))
                }
                return stochastic ? value + k.noiseCoefficient! * z[j] : value
            }
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(expected))
            x = out.prevSample
        }
    }

    @Test(arguments: [(2, UniPCSolverType.bh2), (3, .bh2), (2, .bh1)])
    func uniPCStepIsItsCoefficients(order: Int, solverType: UniPCSolverType) throws {
        var config = UniPCMultistepSchedulerConfiguration()
        config.solverOrder = order
        config.solverType = solverType
        config.predictionType = .sample  // x₀ = the model output: the test isolates the update
        config.finalSigmasType = .sigmaMin  // bh1 at a final σ of 0 is NaN, as in diffusers
        let scheduler = try UniPCMultistepScheduler(config: config)
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        #expect(plan.first?.corrector == nil && plan.dropFirst().allSatisfy { $0.corrector != nil })
        let expectedOrders = order == 2 ? [1] + Array(repeating: 2, count: 8) + [1]
            : [1, 2] + Array(repeating: 3, count: 6) + [2, 1]
        #expect(plan.map(\.predictor.order) == expectedOrders)
        var x = try Self.sample()
        var last: [Float] = []
        var outputs: [[Float]] = []  // earlier predictions, newest first
        for (i, k) in plan.enumerated() {
            #expect(k.predictor.h == k.predictor.lambdaT - k.predictor.lambdaS)
            let m = try Self.model(x, step: i)
            let out = try scheduler.step(modelOutput: m, timestep: scheduler.timesteps[i], sample: x)
            // The corrected start of each element (diffusers keeps it as `last_sample`).
            var starts: [Float] = []
            let expected = (0..<x.count).map { j -> Float in
                let value = m.scalars[j]
                var start = x.scalars[j]
                if let c = k.corrector {
                    let m0 = outputs[0][j]
                    var inner: Float
                    if c.order == 1 {
                        inner = c.rho[0] * (value - m0) + 0
                    } else {
                        var sum = c.rho[0] * ((outputs[1][j] - m0) / c.r[0])
                        for n in 1..<(c.order - 1) { sum = sum + c.rho[n] * ((outputs[n + 1][j] - m0) / c.r[n]) }
                        inner = sum + c.rho[c.order - 1] * (value - m0)
                    }
                    start = (c.sampleCoefficient * last[j] + c.d0Coefficient * m0) + c.sumCoefficient * inner
                }
                starts.append(start)
                let p = k.predictor
                let base = p.sampleCoefficient * start + p.d0Coefficient * value
                // diffusers subtracts (α_t·B(h))·0 at order 1; −c is α_t·B(h) in the x₀ form.
                guard p.order > 1 else { return base - (-p.sumCoefficient) * 0 }
                var sum = p.rho[0] * ((outputs[0][j] - value) / p.r[0])
                for n in 1..<(p.order - 1) { sum = sum + p.rho[n] * ((outputs[n][j] - value) / p.r[n]) }
                return base + p.sumCoefficient * sum
            }
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(expected), "step \(i)")
            last = starts
            outputs.insert(m.scalars, at: 0)
            x = out.prevSample
        }
    }

    @Test(arguments: [0.0, 1.0])
    func eulerStepIsItsCoefficients(sChurn: Double) throws {
        let scheduler = try EulerDiscreteScheduler()
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan(sChurn: sChurn)
        #expect(plan.map(\.sigma) == Array(scheduler.sigmas.dropLast()))
        let stepGenerator = TorchGenerator(seed: 5), noiseGenerator = TorchGenerator(seed: 5)
        var x = try Self.sample()
        for (i, k) in plan.enumerated() {
            #expect((k.gamma > 0) == (sChurn > 0) && k.dt == k.sigmaNext - k.sigmaHat)
            let m = try Self.model(x, step: i)
            let out = try scheduler.step(
                modelOutput: m, timestep: scheduler.timesteps[i], sample: x, sChurn: sChurn, generator: stepGenerator)
            let z = k.churnStd != nil ? noiseGenerator.randn(count: x.count) : []
            let expected = (0..<x.count).map { j -> Float in
                let raised = k.churnStd.map { x.scalars[j] + (z[j] * k.sNoise) * $0 } ?? x.scalars[j]
                let original = raised - k.sigmaHat * m.scalars[j]
                return raised + ((raised - original) / k.sigmaHat) * k.dt
            }
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(expected))
            x = out.prevSample
        }
    }
}
