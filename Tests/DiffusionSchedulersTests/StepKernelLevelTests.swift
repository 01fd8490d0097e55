import Foundation
import Testing
@testable import DiffusionSchedulers

/// The C passes of Heun, Euler ancestral, LCM and DPM-Solver singlestep give, at every
/// instruction-set level and in place, the bits of the Swift loops those schedulers ran before
/// (which the diffusers fixtures check), vector tails and NaN, ±∞ and −0 included.
@Suite struct StepKernelLevelTests {
    static let n = 1037

    /// Spread values with NaN, ±∞, −0 and a huge value planted in the vector body and the tail.
    static func values(seed: UInt64) -> [Float] {
        var values = SolverKernelLevelTests.values(n, seed: seed)
        for (i, special) in [3: Float.nan, 100: .infinity, 517: -.infinity, 700: -0.0, 1030: 3e38, 1035: .nan] {
            values[(i + Int(seed) * 7) % n] = special
        }
        return values
    }

    static let estimates: [EulerKernel.Estimate] = [
        .epsilon(sigma: 3.7), .sample, .velocity(scale: -0.96, divisor: 14.6),
    ]

    @Test(arguments: KernelLevel.available)
    func heunHalvesMatchTheSwiftLoops(_ level: KernelLevel) {
        let x = Tensor(uncheckedShape: [Self.n], scalars: Self.values(seed: 1))
        let m = Tensor(uncheckedShape: [Self.n], scalars: Self.values(seed: 2))
        for estimate in Self.estimates {
            for clip in [Float.infinity, 0.5] {
                let label = "\(estimate) clip \(clip)"
                // Euler half: x₀, d and the next sample; the C pass also keeps x.
                var d = Tensor.zeros(Self.n), x0 = d, out = d
                HeunKernel.firstOrder(estimate, clip: clip, sigma: 3.7, dt: -1.2, x, m, &d, &x0, &out)
                var cd = Tensor.zeros(Self.n), start = cd, cx0 = cd, cout = cd
                halfStep(true, estimate, clip, 3.7, -1.2, x, m, &cd, &start, &cx0, &cout, level)
                expectSameBits(cd, d, "d, \(label)")
                expectSameBits(cx0, x0, "x0, \(label)")
                expectSameBits(cout, out, "first half, \(label)")
                expectSameBits(start, x, "kept sample, \(label)")
                var inPlace = x, d2 = Tensor.zeros(Self.n), start2 = d2
                halfStep(true, estimate, clip, 3.7, -1.2, nil, m, &d2, &start2, nil, &inPlace, level)
                expectSameBits(inPlace, out, "first half in place, \(label)")
                expectSameBits(start2, x, "kept sample in place, \(label)")

                // Correction from the kept derivative and sample, at a new point.
                let y = Tensor(uncheckedShape: [Self.n], scalars: Self.values(seed: 3))
                HeunKernel.secondOrder(estimate, clip: clip, sigmaNext: 2.5, dt: -1.2, y, m, d, x, &x0, &out)
                halfStep(false, estimate, clip, 2.5, -1.2, y, m, &cd, &start, &cx0, &cout, level)
                expectSameBits(cx0, x0, "x0 of the correction, \(label)")
                expectSameBits(cout, out, "correction, \(label)")
                var corrected = y
                halfStep(false, estimate, clip, 2.5, -1.2, nil, m, &cd, &start, nil, &corrected, level)
                expectSameBits(corrected, out, "correction in place, \(label)")
            }
        }
    }

    @Test(arguments: KernelLevel.available)
    func ancestralMatchesTheSwiftLoop(_ level: KernelLevel) {
        let x = Self.values(seed: 4), m = Self.values(seed: 5), noise = Self.values(seed: 6)
        for estimate in Self.estimates {
            var x0 = [Float](repeating: 0, count: Self.n), out = x0, cx0 = x0, cout = x0, inPlace = x
            x.withUnsafeBufferPointer { xs in
                m.withUnsafeBufferPointer { ms in
                    noise.withUnsafeBufferPointer { zs in
                        x0.withUnsafeMutableBufferPointer { x0 in
                            out.withUnsafeMutableBufferPointer { o in
                                EulerKernel.ancestral(
                                    estimate, sigma: 3.7, dt: -1.9, sigmaUp: 0.8,
                                    EulerKernel.Buffers(
                                        count: Self.n, sample: xs.baseAddress!, model: ms.baseAddress!,
                                        noise: zs.baseAddress, original: x0.baseAddress!, output: o.baseAddress!))
                            }
                        }
                        cx0.withUnsafeMutableBufferPointer { x0 in
                            cout.withUnsafeMutableBufferPointer { o in
                                EulerKernel.ancestral(
                                    estimate, sigma: 3.7, dt: -1.9, sigmaUp: 0.8, count: Self.n,
                                    sample: xs.baseAddress!, model: ms.baseAddress!, noise: zs.baseAddress!,
                                    original: x0.baseAddress, output: o.baseAddress!, level: level)
                            }
                        }
                        inPlace.withUnsafeMutableBufferPointer { xs in
                            EulerKernel.ancestral(
                                estimate, sigma: 3.7, dt: -1.9, sigmaUp: 0.8, count: Self.n,
                                sample: UnsafePointer(xs.baseAddress!), model: ms.baseAddress!, noise: zs.baseAddress!,
                                original: nil, output: xs.baseAddress!, level: level)
                        }
                    }
                }
            }
            #expect(firstDifference(cx0, x0) == nil, "x0, \(estimate)")
            #expect(firstDifference(cout, out) == nil, "\(estimate)")
            #expect(firstDifference(inPlace, out) == nil, "in place, \(estimate)")
        }
    }

    @Test(arguments: KernelLevel.available)
    func lcmMatchesTheSwiftLoop(_ level: KernelLevel) {
        let x = Self.values(seed: 7), m = Self.values(seed: 8), noise = Self.values(seed: 9)
        for prediction in [PredictionType.epsilon, .sample, .vPrediction] {
            for clip in [false, true] {
                for renoise in [nil, (signal: Float(0.83), noiseScale: Float(0.56))] as [(signal: Float, noiseScale: Float)?] {
                    let estimate = OriginalSampleEstimate(
                        prediction: prediction, alphaProd: 0.31, clipSample: clip, clipSampleRange: 0.7,
                        thresholding: false, dynamicThresholdingRatio: 0.995, sampleMaxValue: 1)
                    let pass = LCMPass(
                        prediction: prediction, sqrtAlpha: estimate.sqrtAlpha, sqrtBeta: estimate.sqrtBeta,
                        clipRange: estimate.clipRange, cOut: 0.97, cSkip: 0.013, renoise: renoise)
                    // The scheduler's former loop, element by element.
                    var denoised = [Float](repeating: 0, count: Self.n), out = denoised
                    for k in 0..<Self.n {
                        let value = 0.97 * estimate.estimate(sample: x[k], modelOutput: m[k]) + 0.013 * x[k]
                        denoised[k] = value
                        out[k] = renoise.map { $0.signal * value + $0.noiseScale * noise[k] } ?? value
                    }
                    var cDenoised = [Float](repeating: 0, count: Self.n), cOut = cDenoised, inPlace = x
                    x.withUnsafeBufferPointer { xs in
                        m.withUnsafeBufferPointer { ms in
                            noise.withUnsafeBufferPointer { zs in
                                cDenoised.withUnsafeMutableBufferPointer { d in
                                    cOut.withUnsafeMutableBufferPointer { o in
                                        pass.run(
                                            count: Self.n, sample: xs.baseAddress!, model: ms.baseAddress!,
                                            noise: zs.baseAddress, denoised: d.baseAddress, output: o.baseAddress!,
                                            level: level)
                                    }
                                }
                                inPlace.withUnsafeMutableBufferPointer { xs in
                                    pass.run(
                                        count: Self.n, sample: UnsafePointer(xs.baseAddress!), model: ms.baseAddress!,
                                        noise: zs.baseAddress, denoised: nil, output: xs.baseAddress!, level: level)
                                }
                            }
                        }
                    }
                    let label = "\(prediction) clip \(clip) renoise \(renoise != nil)"
                    #expect(firstDifference(cDenoised, denoised) == nil, "denoised, \(label)")
                    #expect(firstDifference(cOut, out) == nil, "\(label)")
                    #expect(firstDifference(inPlace, out) == nil, "in place, \(label)")
                }
            }
        }
    }

    @Test(arguments: KernelLevel.available)
    func singlestepMatchesTheSwiftLoops(_ level: KernelLevel) {
        let x = Self.values(seed: 10), m = Self.values(seed: 11), anchor = Self.values(seed: 12)
        let m1 = Self.values(seed: 13), m2 = Self.values(seed: 14), noise = Self.values(seed: 15)
        let updates: [(order: Int, heun: Bool)] = [(1, false), (2, false), (3, false), (3, true)]
        for conversion in SolverKernelLevelTests.conversions {
            for update in updates {
                for noisy in [false, true] {
                    var k = SinglestepCoefficients(order: update.order)
                    (k.a, k.b, k.c1, k.c2, k.r0, k.r1) = (0.93, -0.071, -0.035, 0.012, 1.7, 2.9)
                    (k.q0, k.q1, k.difference, k.heun) = (0.59, 0.34, 0.25, update.heun)
                    k.noise = noisy ? 0.12 : nil
                    // The scheduler's former loops: convert, then update from the anchor (x itself at order 1).
                    var c = [Float](repeating: 0, count: Self.n), out = c
                    x.withUnsafeBufferPointer { xs in
                        m.withUnsafeBufferPointer { ms in
                            c.withUnsafeMutableBufferPointer { cs in
                                SinglestepKernel.convert(conversion, Self.n, xs.baseAddress!, ms.baseAddress!, cs.baseAddress!)
                            }
                            (update.order == 1 ? x : anchor).withUnsafeBufferPointer { a in
                                m1.withUnsafeBufferPointer { p1 in
                                    m2.withUnsafeBufferPointer { p2 in
                                        noise.withUnsafeBufferPointer { zs in
                                            c.withUnsafeBufferPointer { cs in
                                                out.withUnsafeMutableBufferPointer { o in
                                                    SinglestepKernel.update(
                                                        k, count: Self.n, anchor: a.baseAddress!, current: cs.baseAddress!,
                                                        m1: p1.baseAddress, m2: p2.baseAddress,
                                                        noise: noisy ? zs.baseAddress : nil, output: o.baseAddress!)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    let label = "\(conversion) order \(update.order) heun \(update.heun) noise \(noisy)"
                    for inPlace in [false, true] {
                        var sample = x, cc = [Float](repeating: 0, count: Self.n), cout = cc, stash = cc
                        runSinglestep(
                            conversion, k, level, sample: &sample, inPlace: inPlace, m: m, anchor: anchor, m1: m1, m2: m2,
                            noise: noisy ? noise : nil, stash: &stash, c: &cc, out: &cout)
                        let result = inPlace ? sample : cout
                        #expect(firstDifference(cc, c) == nil, "c, \(label) in place \(inPlace)")
                        #expect(firstDifference(result, out) == nil, "\(label) in place \(inPlace)")
                        if update.order == 1 { #expect(firstDifference(stash, x) == nil, "anchor copy, \(label)") }
                    }
                }
            }
        }
    }

    /// `SinglestepKernel.run` as the scheduler calls it: order 1 reads the anchor from the sample
    /// and copies it to `stash`; order 2 and third-order midpoint take the anchor's output as base.
    private func runSinglestep(
        _ conversion: ModelConversion, _ k: SinglestepCoefficients, _ level: KernelLevel, sample: inout [Float],
        inPlace: Bool, m: [Float], anchor: [Float], m1: [Float], m2: [Float], noise: [Float]?, stash: inout [Float],
        c: inout [Float], out: inout [Float]
    ) {
        let base = k.order == 3 ? m2 : m1, middle = k.order == 3 && k.heun ? m1 : nil
        var target = inPlace ? [] : out
        sample.withUnsafeMutableBufferPointer { xs in
            target.withUnsafeMutableBufferPointer { ts in
                m.withUnsafeBufferPointer { ms in
                    anchor.withUnsafeBufferPointer { a in
                        base.withUnsafeBufferPointer { b in
                            (middle ?? []).withUnsafeBufferPointer { mid in
                                (noise ?? []).withUnsafeBufferPointer { zs in
                                    stash.withUnsafeMutableBufferPointer { st in
                                        c.withUnsafeMutableBufferPointer { cs in
                                            SinglestepKernel.run(
                                                conversion, k,
                                                SinglestepBuffers(
                                                    count: Self.n, sample: UnsafePointer(xs.baseAddress!),
                                                    model: ms.baseAddress!, anchor: k.order == 1 ? nil : a.baseAddress,
                                                    base: k.order == 1 ? nil : b.baseAddress,
                                                    middle: middle == nil ? nil : mid.baseAddress,
                                                    noise: noise == nil ? nil : zs.baseAddress,
                                                    stash: k.order == 1 ? st.baseAddress : nil,
                                                    converted: cs.baseAddress!,
                                                    output: inPlace ? xs.baseAddress! : ts.baseAddress!),
                                                level: level)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if !inPlace { out = target }
    }

    /// `HeunKernel.halfStep` over tensors; `x` nil means in place (the output is the sample).
    private func halfStep(
        _ first: Bool, _ estimate: EulerKernel.Estimate, _ clip: Float, _ sigma: Float, _ dt: Float, _ x: Tensor?,
        _ m: Tensor, _ d: inout Tensor, _ start: inout Tensor, _ x0: UnsafeMutablePointer<Tensor>?,
        _ out: inout Tensor, _ level: KernelLevel
    ) {
        var original = x0?.pointee.scalars ?? []
        let source = x?.scalars
        m.scalars.withUnsafeBufferPointer { ms in
            d.scalars.withUnsafeMutableBufferPointer { ds in
                start.scalars.withUnsafeMutableBufferPointer { ss in
                    original.withUnsafeMutableBufferPointer { os in
                        out.scalars.withUnsafeMutableBufferPointer { outs in
                            let (model, derivative, kept, output) = (ms.baseAddress!, ds.baseAddress!, ss.baseAddress!, outs.baseAddress!)
                            let original = x0 == nil ? nil : os.baseAddress
                            func run(_ sample: UnsafePointer<Float>) {
                                HeunKernel.halfStep(
                                    firstOrder: first, estimate, clip: clip, sigma: sigma, dt: dt, count: Self.n,
                                    sample: sample, model: model, derivative: derivative, start: kept,
                                    original: original, output: output, level: level)
                            }
                            if let source {
                                source.withUnsafeBufferPointer { run($0.baseAddress!) }
                            } else {
                                run(UnsafePointer(output))
                            }
                        }
                    }
                }
            }
        }
        x0?.pointee.scalars = original
    }
}

extension Tensor {
    /// n zeros, one dimension.
    static func zeros(_ n: Int) -> Tensor { Tensor(uncheckedShape: [n], scalars: [Float](repeating: 0, count: n)) }
}

/// The first index where two float arrays differ in bits (any NaN matching any NaN, since the
/// payload a NaN carries depends on operand order), or nil when they agree; a length mismatch
/// counts as a difference at the shorter length.
func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
    for i in 0..<min(a.count, b.count) where a[i].bitPattern != b[i].bitPattern && !(a[i].isNaN && b[i].isNaN) {
        return i
    }
    return a.count == b.count ? nil : min(a.count, b.count)
}

func expectSameBits(_ a: Tensor, _ b: Tensor, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(firstDifference(a.scalars, b.scalars) == nil, Comment(rawValue: label), sourceLocation: sourceLocation)
}
