import Foundation
import Testing
@testable import DiffusionSchedulers

/// The C step kernels of the solver schedulers give the same bits at every instruction-set level
/// as the Swift reference loops (which the diffusers fixtures check), tails included.
@Suite struct SolverKernelLevelTests {
    /// Values spread over several magnitudes and signs, with a length that leaves a vector tail.
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        TorchGenerator(seed: seed).randn(count: n).enumerated().map { i, v in v * Float(1 + i % 7) }
    }

    static let conversions: [ModelConversion] = [
        .dataFromNoise(sigma: 0.731, alpha: 0.682), .identity, .dataFromVelocity(alpha: 0.682, sigma: 0.731),
        .dataFromFlow(sigma: 0.42), .noiseFromData(alpha: 0.682, sigma: 0.731),
        .noiseFromVelocity(alpha: 0.682, sigma: 0.731),
    ]

    @Test(arguments: KernelLevel.available)
    func multistepMatchesTheSwiftLoops(_ level: KernelLevel) {
        let n = 1037
        let x = Self.values(n, seed: 1), m = Self.values(n, seed: 2), h1 = Self.values(n, seed: 3)
        let noise = Self.values(n, seed: 4)
        for conversion in Self.conversions {
            for order in [1, 2] {
                for noisy in [false, true] {
                    let k = MultistepCoefficients(
                        order: order, a: 0.93, b: -0.071, c1: -0.035, r0: 1.7, noise: noisy ? 0.12 : nil)
                    var c1 = [Float](repeating: 0, count: n), out1 = c1, c2 = c1, out2 = c1
                    x.withUnsafeBufferPointer { x in
                        m.withUnsafeBufferPointer { m in
                            h1.withUnsafeBufferPointer { h in
                                noise.withUnsafeBufferPointer { z in
                                    c1.withUnsafeMutableBufferPointer { c in
                                        out1.withUnsafeMutableBufferPointer { o in
                                            ExponentialIntegratorKernel.multistep(
                                                conversion, k,
                                                SolverBuffers(
                                                    count: n, sample: x.baseAddress!, model: m.baseAddress!,
                                                    previous1: h.baseAddress, noise: noisy ? z.baseAddress : nil,
                                                    converted: c.baseAddress!, output: o.baseAddress!))
                                        }
                                    }
                                    c2.withUnsafeMutableBufferPointer { c in
                                        out2.withUnsafeMutableBufferPointer { o in
                                            ExponentialIntegratorKernel.multistep(
                                                conversion, k,
                                                SolverBuffers(
                                                    count: n, sample: x.baseAddress!, model: m.baseAddress!,
                                                    previous1: h.baseAddress, noise: noisy ? z.baseAddress : nil,
                                                    converted: c.baseAddress!, output: o.baseAddress!),
                                                level: level)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    #expect(c1.map(\.bitPattern) == c2.map(\.bitPattern), "\(conversion) order \(order)")
                    #expect(out1.map(\.bitPattern) == out2.map(\.bitPattern), "\(conversion) order \(order) noise \(noisy)")
                }
            }
        }
    }

    @Test(arguments: KernelLevel.available)
    func eulerAndFlowMatchTheSwiftLoops(_ level: KernelLevel) {
        let n = 1037
        let x = Self.values(n, seed: 5), m = Self.values(n, seed: 6), noise = Self.values(n, seed: 7)
        let estimates: [EulerKernel.Estimate] = [.epsilon(sigma: 3.7), .sample, .velocity(scale: -0.96, divisor: 14.6)]
        for estimate in estimates {
            for churn in [nil, (sNoise: Float(1.003), scale: Float(0.8))] as [(sNoise: Float, scale: Float)?] {
                var x0a = [Float](repeating: 0, count: n), outA = x0a, x0b = x0a, outB = x0a
                x.withUnsafeBufferPointer { xs in
                    m.withUnsafeBufferPointer { ms in
                        noise.withUnsafeBufferPointer { zs in
                            x0a.withUnsafeMutableBufferPointer { x0 in
                                outA.withUnsafeMutableBufferPointer { o in
                                    EulerKernel.euler(
                                        estimate, sigmaHat: 3.7, dt: -1.2, churn: churn,
                                        EulerKernel.Buffers(
                                            count: n, sample: xs.baseAddress!, model: ms.baseAddress!,
                                            noise: churn == nil ? nil : zs.baseAddress, original: x0.baseAddress!,
                                            output: o.baseAddress!))
                                }
                            }
                            x0b.withUnsafeMutableBufferPointer { x0 in
                                outB.withUnsafeMutableBufferPointer { o in
                                    EulerKernel.euler(
                                        estimate, sigmaHat: 3.7, dt: -1.2, churn: churn, count: n,
                                        sample: xs.baseAddress!, model: ms.baseAddress!, noise: zs.baseAddress,
                                        original: x0.baseAddress!, output: o.baseAddress!, level: level)
                                }
                            }
                        }
                    }
                }
                #expect(x0a.map(\.bitPattern) == x0b.map(\.bitPattern), "\(estimate)")
                #expect(outA.map(\.bitPattern) == outB.map(\.bitPattern), "\(estimate) churn \(churn != nil)")
            }
        }
        // Flow matching, out of place and in place.
        let dt: Float = -0.0371
        let reference = zip(x, m).map { $0 + dt * $1 }
        var out = [Float](repeating: 0, count: n)
        var inPlace = x
        x.withUnsafeBufferPointer { xs in
            m.withUnsafeBufferPointer { ms in
                out.withUnsafeMutableBufferPointer { sk_flow_euler_swift(level, dt, xs.baseAddress!, ms.baseAddress!, $0.baseAddress!, n) }
                inPlace.withUnsafeMutableBufferPointer {
                    sk_flow_euler_swift(level, dt, UnsafePointer($0.baseAddress!), ms.baseAddress!, $0.baseAddress!, n)
                }
            }
        }
        #expect(out.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(inPlace.map(\.bitPattern) == reference.map(\.bitPattern))
        // Every start offset within a cache line (the passes step one element at a time until the
        // output is aligned), lengths around the vector width included.
        // The model output at its own offset too (AVX-512 realigns inputs whose offset differs).
        for offset in 0..<16 {
            for modelOffset in [0, 1, 4, 13] {
                for length in [0, 1, 15, 16, 17, 47, 48, 49, 100, 333] {
                    var shifted = [Float](repeating: .nan, count: offset + length)
                    x.withUnsafeBufferPointer { xs in
                        m.withUnsafeBufferPointer { ms in
                            shifted.withUnsafeMutableBufferPointer {
                                sk_flow_euler_swift(
                                    level, dt, xs.baseAddress!, ms.baseAddress! + modelOffset, $0.baseAddress! + offset, length)
                            }
                        }
                    }
                    let expected = zip(x, m.dropFirst(modelOffset)).prefix(length).map { $0 + dt * $1 }
                    #expect(
                        shifted[offset...].map(\.bitPattern) == expected.map(\.bitPattern),
                        "offset \(offset) model offset \(modelOffset) length \(length)")
                }
            }
        }
    }

    @Test(arguments: KernelLevel.available)
    func uniPCOrdersUpToTwoMatchTheSwiftLoop(_ level: KernelLevel) {
        let n = 1037
        let x = Self.values(n, seed: 8), m = Self.values(n, seed: 9), h1 = Self.values(n, seed: 10)
        let h2 = Self.values(n, seed: 11), last = Self.values(n, seed: 12)
        let correctors: [UniPCCorrector?] = [
            nil, UniPCCorrector(order: 1, a: 0.9, b: -0.2, c: 0.31, r: [], rho: [0.5]),
            UniPCCorrector(order: 2, a: 0.9, b: -0.2, c: 0.31, r: [-1.3], rho: [0.41, 0.27]),
        ]
        let predictors = [
            UniPCPredictor(order: 1, a: 0.87, b: -0.15, c: 0.22, r: [], rho: [], zero: -0.0),
            UniPCPredictor(order: 2, a: 0.87, b: -0.15, c: 0.22, r: [-0.9], rho: [0.5], zero: 0),
        ]
        for conversion in Self.conversions { for corrector in correctors { for predictor in predictors {
            var results: [[Float]] = []
            for useC in [false, true] {
                var c = [Float](repeating: 0, count: n), xc = c, out = c
                h1.withUnsafeBufferPointer { h1 in
                    h2.withUnsafeBufferPointer { h2 in
                        x.withUnsafeBufferPointer { xs in
                            m.withUnsafeBufferPointer { ms in
                                last.withUnsafeBufferPointer { ls in
                                    c.withUnsafeMutableBufferPointer { cs in
                                        xc.withUnsafeMutableBufferPointer { xcs in
                                            out.withUnsafeMutableBufferPointer { os in
                                                var buffers = UniPCBuffers(
                                                    count: n, sample: xs.baseAddress!, model: ms.baseAddress!,
                                                    history: [h1.baseAddress!, h2.baseAddress!], lastSample: ls.baseAddress,
                                                    converted: cs.baseAddress!, corrected: xcs.baseAddress!,
                                                    output: os.baseAddress!)
                                                buffers.storeStart = true
                                                if useC {
                                                    UniPCKernel.run(conversion, corrector, predictor, buffers, level: level)
                                                } else {
                                                    UniPCKernel.run(conversion, corrector, predictor, buffers)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                results.append(c + xc + out)
            }
            // In place, as the scheduler runs it: c over h2, xc over last, out over x.
            var sharedX = x, sharedH2 = h2, sharedLast = last
            h1.withUnsafeBufferPointer { h1 in
                m.withUnsafeBufferPointer { ms in
                    sharedX.withUnsafeMutableBufferPointer { xs in
                        sharedH2.withUnsafeMutableBufferPointer { h2 in
                            sharedLast.withUnsafeMutableBufferPointer { ls in
                                var buffers = UniPCBuffers(
                                    count: n, sample: UnsafePointer(xs.baseAddress!), model: ms.baseAddress!,
                                    history: [h1.baseAddress!, UnsafePointer(h2.baseAddress!)],
                                    lastSample: UnsafePointer(ls.baseAddress!), converted: h2.baseAddress!,
                                    corrected: ls.baseAddress!, output: xs.baseAddress!)
                                buffers.storeStart = true
                                UniPCKernel.run(conversion, corrector, predictor, buffers, level: level)
                            }
                        }
                    }
                }
            }
            results.append(sharedH2 + sharedLast + sharedX)
            #expect(
                results[0].map(\.bitPattern) == results[1].map(\.bitPattern),
                "\(conversion) corrector \(corrector?.order ?? 0) predictor \(predictor.order)")
            #expect(
                results[2].map(\.bitPattern) == results[1].map(\.bitPattern),
                "in place: \(conversion) corrector \(corrector?.order ?? 0) predictor \(predictor.order)")
        } } }
    }
}

/// `sk_flow_euler` through the scheduler's module (the test target does not import the C module).
func sk_flow_euler_swift(
    _ level: KernelLevel, _ dt: Float, _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
    _ out: UnsafeMutablePointer<Float>, _ n: Int
) {
    FlowMatchEulerDiscreteScheduler.flowEuler(level: level, dt: dt, x, m, out, n)
}

/// The in-place steps give the same samples as the out-of-place ones.
@Suite struct InPlaceStepTests {
    @Test func dpmSolverInPlaceMatchesOutOfPlace() throws {
        for algorithm in [DPMSolverAlgorithmType.dpmsolverPlusPlus, .sdeDpmsolverPlusPlus] {
            var config = DPMSolverMultistepSchedulerConfiguration()
            config.algorithmType = algorithm
            config.solverOrder = 3
            let a = try DPMSolverMultistepScheduler(config: config), b = try DPMSolverMultistepScheduler(config: config)
            try a.setTimesteps(8)
            try b.setTimesteps(8)
            let ga = TorchGenerator(seed: 5), gb = TorchGenerator(seed: 5)
            var x = dummySampleDeter(), y = x
            for t in a.timesteps {
                x = try a.step(modelOutput: solverDummyModel(x, Double(t)), timestep: t, sample: x, generator: ga).prevSample
                try b.step(modelOutput: solverDummyModel(y, Double(t)), timestep: t, sample: &y, generator: gb)
            }
            #expect(x == y)
        }
    }

    @Test func eulerAndFlowInPlaceMatchOutOfPlace() throws {
        let a = try EulerDiscreteScheduler(), b = try EulerDiscreteScheduler()
        try a.setTimesteps(6)
        try b.setTimesteps(6)
        var x = dummySampleDeter(), y = x
        for t in a.timesteps {
            x = try a.step(modelOutput: solverDummyModel(x, Double(t)), timestep: t, sample: x).prevSample
            try b.step(modelOutput: solverDummyModel(y, Double(t)), timestep: t, sample: &y)
        }
        #expect(x == y)
        let f = try FlowMatchEulerDiscreteScheduler(), g = try FlowMatchEulerDiscreteScheduler()
        try f.setTimesteps(6)
        try g.setTimesteps(6)
        x = dummySampleDeter()
        y = x
        for t in f.timesteps {
            x = try f.step(modelOutput: solverDummyModel(x, Double(t)), timestep: t, sample: x).prevSample
            try g.step(modelOutput: solverDummyModel(y, Double(t)), timestep: t, sample: &y)
        }
        #expect(x == y)
    }
}
