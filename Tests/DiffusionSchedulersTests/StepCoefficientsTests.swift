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
    /// in the kernel's operation order.
    static func multistepUpdate(_ k: DPMSolverStepCoefficients, x: Float, d: [Float]) -> Float {
        let base = k.sampleCoefficient * x + k.d0Coefficient * d[0]
        switch k.order {
        case 1: return base
        case 2: return base + k.d1Coefficient! * ((1.0 / k.r0!) * (d[0] - d[1]))
        default:
            let d10 = (1.0 / k.r0!) * (d[0] - d[1]), d11 = (1.0 / k.r1!) * (d[1] - d[2])
            let difference = d10 - d11
            return (base + k.d1Coefficient! * (d10 + (k.r0! / (k.r0! + k.r1!)) * difference))
                + k.d2Coefficient! * ((1.0 / (k.r0! + k.r1!)) * difference)
        }
    }

    @Test(arguments: [2, 3])
    func multistepStepIsItsCoefficients(order: Int) throws {
        var config = DPMSolverMultistepSchedulerConfiguration()
        config.solverOrder = order
        config.predictionType = .sample  // D = the model output: the test isolates the update
        let scheduler = try DPMSolverMultistepScheduler(config: config)
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        // Warm-up and lower_order_final (fewer than 15 steps) lower the first and last orders.
        let expectedOrders = order == 2 ? [1] + Array(repeating: 2, count: 8) + [1]
            : [1, 2] + Array(repeating: 3, count: 6) + [2, 1]
        #expect(plan.map(\.order) == expectedOrders)
        var x = try Self.sample()
        var outputs: [[Float]] = []  // newest first
        for (i, k) in plan.enumerated() {
            #expect(k.h == k.lambdaT - k.lambdaS)
            #expect((k.r0 != nil) == (k.order >= 2) && (k.r1 != nil) == (k.order == 3))
            let m = try Self.model(x, step: i)
            outputs.insert(m.scalars, at: 0)
            let out = try scheduler.step(modelOutput: m, timestep: scheduler.timesteps[i], sample: x)
            let expected = (0..<x.count).map { j in
                Self.multistepUpdate(k, x: x.scalars[j], d: outputs.prefix(k.order).map { $0[j] })
            }
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(expected))
            x = out.prevSample
        }
    }

    @Test(arguments: [2, 3])
    func singlestepStepIsItsCoefficients(order: Int) throws {
        var config = DPMSolverSinglestepSchedulerConfiguration()
        config.solverOrder = order
        config.predictionType = .sample
        let scheduler = try DPMSolverSinglestepScheduler(config: config)
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        #expect(plan.map(\.order) == scheduler.orderList)
        var x = try Self.sample()
        var samples: [[Float]] = [], outputs: [[Float]] = []  // by step
        for (i, k) in plan.enumerated() {
            let m = try Self.model(x, step: i)
            samples.append(x.scalars)
            outputs.append(m.scalars)
            let out = try scheduler.step(modelOutput: m, timestep: scheduler.timesteps[i], sample: x)
            // The update starts at the block's anchor, step i − order + 1.
            let anchor = i - k.order + 1
            #expect(k.sigmaS == scheduler.sigmas[anchor] && k.sigmaT == scheduler.sigmas[i + 1])
            let expected = (0..<x.count).map { j -> Float in
                let start = samples[anchor][j], first = outputs[anchor][j], current = outputs[i][j]
                let base = k.sampleCoefficient * start + k.d0Coefficient * first
                guard k.order > 1 else { return base }
                return base + k.d1Coefficient! * ((1.0 / k.r0!) * (current - first))
            }
            #expect(Self.bits(out.prevSample.scalars) == Self.bits(expected))
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
