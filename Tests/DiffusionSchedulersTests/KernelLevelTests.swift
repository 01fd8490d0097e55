import Testing
@testable import DiffusionSchedulers

/// Every instruction-set level of the C kernels, the portable fallback included, gives the same
/// bits: forced level by level on the same inputs and compared with each other and with the
/// diffusers expressions evaluated in plain Swift.
@Suite struct KernelLevelTests {
    @Test func activeLevelIsOneTheCPUSupports() {
        #expect(KernelLevel.active <= KernelLevel.detected)
        #expect(KernelLevel.available.first == .portable)
        #expect(KernelLevel.available.last == KernelLevel.detected)
    }

    /// All 45 combinations of x₀ estimate, update direction and tail the kernel compiles.
    static let modes: [StepMode] = {
        var modes: [StepMode] = []
        for estimate in [StepPass.Estimate.epsilon, .sample, .vPrediction] {
            for direction in [StepPass.Direction.modelOutput, .epsilonFromSample, .epsilonFromVelocity,
                              .epsilonFromClippedEstimate, .sample] {
                for tail in [StepPass.Tail.none, .zero, .noise(std: 0.37)] {
                    modes.append(StepMode(estimate: estimate, direction: direction, tail: tail))
                }
            }
        }
        return modes
    }()

    @Test(arguments: modes)
    func stepPassIsBitIdenticalAtEveryLevel(_ mode: StepMode) {
        // Lengths around every vector width, so both whole vectors and leftovers are covered.
        let lengths = [0, 1, 7, 8, 15, 16, 17, 31, 33, 77, 1029]
        let coefficients: [(sa: Float, sb: Float, clip: Float?, a: Float, b: Float)] = [
            (0.7907, 0.6121, nil, 0.8012, 0.5984),  // a mid-schedule DDIM step
            (0.0064, 0.99998, 1, 0.0091, 0.99996),  // near t = T, with clip_sample
            (1e-20, 1, 0, 3e30, -2e-30),  // overflow, clamp to ±0, tiny products
        ]
        var random = SplitMix(seed: 0x5EED)
        for n in lengths {
            let x = random.awkwardFloats(n), m = random.awkwardFloats(n), noise = random.awkwardFloats(n)
            for c in coefficients {
                let pass = StepPass(
                    estimate: mode.estimate, direction: mode.direction, tail: mode.tail, sqrtAlpha: c.sa,
                    sqrtBeta: c.sb, clipRange: c.clip, a: c.a, b: c.b)
                let expected = (0..<n).map { i in mode.reference(pass, x[i], m[i], noise[i]) }
                for level in KernelLevel.available {
                    // Separate outputs.
                    var x0 = [Float](repeating: .nan, count: n)
                    var prev = [Float](repeating: .nan, count: n)
                    x.withUnsafeBufferPointer { xs in
                        m.withUnsafeBufferPointer { ms in
                            noise.withUnsafeBufferPointer { noiseValues in
                                x0.withUnsafeMutableBufferPointer { x0s in
                                    prev.withUnsafeMutableBufferPointer { ps in
                                        pass.run(
                                            level: level, sample: xs, modelOutput: ms, noise: .values(noiseValues),
                                            original: x0s, previous: ps)
                                    }
                                }
                            }
                        }
                    }
                    // In place, x₀ not stored.
                    var inPlace = x
                    m.withUnsafeBufferPointer { ms in
                        noise.withUnsafeBufferPointer { noiseValues in
                            inPlace.withUnsafeMutableBufferPointer { xs in
                                pass.run(
                                    level: level, sample: UnsafeBufferPointer(xs), modelOutput: ms,
                                    noise: .values(noiseValues), original: nil, previous: xs)
                            }
                        }
                    }
                    let x0Mismatches = (0..<n).filter { !sameBits(x0[$0], expected[$0].x0) }
                    let prevMismatches = (0..<n).filter { !sameBits(prev[$0], expected[$0].prev) }
                    let inPlaceMismatches = (0..<n).filter { !sameBits(inPlace[$0], expected[$0].prev) }
                    #expect(x0Mismatches.isEmpty, "x0 \(level.name) n=\(n) \(c): first at \(x0Mismatches.first ?? -1)")
                    #expect(prevMismatches.isEmpty, "prev \(level.name) n=\(n) \(c): first at \(prevMismatches.first ?? -1)")
                    #expect(inPlaceMismatches.isEmpty, "in place \(level.name) n=\(n) \(c): first at \(inPlaceMismatches.first ?? -1)")
                }
            }
        }
    }

    @Test func noiseDrawnInsideThePassIsTorchRandn() {
        // The fused draw (chunked, the last 16 redrawn at the end) equals randn followed by the pass,
        // and leaves the generator where randn would: around chunk sizes, tails, and fewer than 16.
        var random = SplitMix(seed: 77)
        for n in [1, 15, 16, 17, 2047, 2048, 2049, 2063, 4111, 10_000] {
            let x = (0..<n).map { _ in Float(Int64(bitPattern: random.next()) >> 40) / Float(1 << 23) }
            let m = (0..<n).map { _ in Float(Int64(bitPattern: random.next()) >> 40) / Float(1 << 23) }
            let pass = StepPass(
                estimate: .epsilon, direction: .sample, tail: .noise(std: 0.1), sqrtAlpha: 0.8, sqrtBeta: 0.6,
                clipRange: 1, a: 0.7, b: 0.3)
            let reference = TorchGenerator(seed: 9)
            let noise = reference.randn(count: n)
            let expected = (0..<n).map { i in StepMode(estimate: .epsilon, direction: .sample, tail: .noise(std: 0.1))
                .reference(pass, x[i], m[i], noise[i]).prev }
            for level in KernelLevel.available {
                let generator = TorchGenerator(seed: 9)
                var values = x
                m.withUnsafeBufferPointer { ms in
                    values.withUnsafeMutableBufferPointer { xs in
                        pass.run(
                            level: level, sample: UnsafeBufferPointer(xs), modelOutput: ms,
                            noise: .generator(generator), original: nil, previous: xs)
                    }
                }
                let mismatches = zip(values, expected).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(mismatches == 0, "\(level.name) n=\(n)")
                // The generator ends where randn(n) leaves one, cached normal included.
                let after = TorchGenerator(seed: 9)
                _ = after.randn(count: n)
                #expect(generator.randn(count: 1) == after.randn(count: 1), "cached normal, \(level.name) n=\(n)")
                #expect(generator.random32() == after.random32(), "engine, \(level.name) n=\(n)")
            }
        }
    }

    @Test func boxMullerIsBitIdenticalAtEveryLevel() {
        // Every float uniform torch can draw is k · 2⁻²⁴. Take every k at both ends (u → 0 and
        // u → 1 stress log's and sincos's range reduction) and every 61st in between, each in
        // both halves of a block (the log lanes and the sincos lanes).
        let edge = 1 << 16, top = 1 << 24
        let ks = Array(0..<edge) + Array(stride(from: edge, to: top - edge, by: 61)) + Array((top - edge)..<top)
        var buffer = [Float](repeating: 0, count: (ks.count + 7) / 8 * 16)
        for (index, k) in ks.enumerated() {
            let u = Float(k) * (1.0 / 16_777_216.0)
            buffer[index / 8 * 16 + index % 8] = u
            buffer[index / 8 * 16 + index % 8 + 8] = u
        }
        let results = KernelLevel.available.map { level in
            var values = buffer
            values.withUnsafeMutableBufferPointer { TorchGenerator.normalFill(blocks: $0, level: level) }
            return values
        }
        for (level, values) in zip(KernelLevel.available, results).dropFirst() {
            let mismatches = zip(results[0], values).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(mismatches == 0, "\(level.name) vs portable")
        }
        #expect(results[0].allSatisfy { $0.isFinite })
    }

    @Test(arguments: Fixtures.randn)
    func randnMatchesTorchAtEveryLevel(_ fixture: RandnFixture) {
        for level in KernelLevel.available {
            let generator = TorchGenerator(seed: fixture.seed)
            generator.kernelLevel = level
            var values: [Float] = []
            for count in fixture.calls { values += generator.randn(count: count) }
            #expect(fnv1a64(values) == fixture.fnv1a, "\(level.name)")
        }
    }

    @Test func randnAgreesAcrossLevelsOverManyReloads() {
        // Sizes that straddle the 624-word state refresh, the 2048-value chunks and the 16-value tail.
        let calls = [16, 17, 623, 624, 625, 2047, 2048, 2049, 5, 100_003, 1, 4096, 31]
        var reference: [Float]?
        for level in KernelLevel.available {
            let generator = TorchGenerator(seed: 2024)
            generator.kernelLevel = level
            var values: [Float] = []
            for count in calls { values += generator.randn(count: count) }
            values.append(Float(bitPattern: generator.random32()))  // and the engine ends in the same state
            if let reference {
                let mismatches = zip(values, reference).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(values.count == reference.count && mismatches == 0, "\(level.name) vs portable")
            } else {
                reference = values
            }
        }
    }

    @Test(arguments: Fixtures.steps)
    func schedulerStepsAreBitIdenticalAtEveryLevel(_ fixture: StepCase) throws {
        var hashes: [[String]] = []
        for level in KernelLevel.available {
            let scheduler = try TestScheduler(
                name: fixture.scheduler, config: fixture.config, steps: fixture.num_inference_steps)
            scheduler.setKernelLevel(level)
            let generator = TorchGenerator(seed: fixture.seed)
            generator.kernelLevel = level
            let sample = dummySampleDeter()
            var levelHashes: [String] = []
            var output = SchedulerOutput(prevSample: sample, predOriginalSample: sample)
            for expected in fixture.steps {
                let m = dummyModel(sample, expected.timestep, learned: scheduler.learned)
                // The reusing form, so that path is covered against the fixtures too.
                try scheduler.step(
                    m, expected.timestep, sample, eta: fixture.eta ?? 0,
                    clipped: fixture.use_clipped_model_output ?? false, generator: generator, into: &output)
                #expect(relativeError(output.prevSample, expected.prev_sample) <= 1e-6)
                #expect(relativeError(output.predOriginalSample, expected.pred_original_sample) <= 1e-6)
                levelHashes.append(fnv1a64(output.prevSample.scalars) + fnv1a64(output.predOriginalSample.scalars))
            }
            hashes.append(levelHashes)
        }
        #expect(Set(hashes).count == 1)
    }
}

/// One combination of the step kernel's modes, with the diffusers expression it must equal.
struct StepMode: CustomTestStringConvertible, Sendable {
    let estimate: StepPass.Estimate
    let direction: StepPass.Direction
    let tail: StepPass.Tail
    var testDescription: String { "\(estimate) \(direction) \(tail)" }

    /// The element in plain Swift: one float32 rounding per operation, in diffusers' order.
    func reference(_ p: StepPass, _ x: Float, _ m: Float, _ noise: Float) -> (x0: Float, prev: Float) {
        let sa = p.sqrtAlpha, sb = p.sqrtBeta
        let estimated: Float =
            switch estimate {
            case .epsilon: (x - sb * m) / sa
            case .sample: m
            case .vPrediction: sa * x - sb * m
            }
        let x0 = TorchNumerics.clamp(estimated, p.clipRange.map { -$0 } ?? -.infinity, p.clipRange ?? .infinity)
        let y: Float =
            switch direction {
            case .modelOutput: m
            case .epsilonFromSample: (x - sa * m) / sb
            case .epsilonFromVelocity: sa * m + sb * x
            case .epsilonFromClippedEstimate: (x - sa * x0) / sb
            case .sample: x
            }
        let value = p.a * x0 + p.b * y
        switch tail {
        case .none: return (x0, value)
        case .zero: return (x0, value + 0)
        case .noise(let std): return (x0, value + std * noise)
        }
    }
}

/// Equal bit patterns, or both NaN. x86 picks which NaN payload survives from the operand
/// order, which the compiler may swap for commutative operations; torch promises nothing about
/// payloads either, so any NaN matches any NaN.
func sameBits(_ a: Float, _ b: Float) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
}

/// A small deterministic generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mostly ordinary latent-sized values, with zeros of both signs, infinities, NaN,
    /// subnormals and extremes mixed in.
    mutating func awkwardFloats(_ n: Int) -> [Float] {
        (0..<n).map { _ in
            let r = next()
            switch r % 16 {
            case 0: return [0, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNormalMagnitude,
                            .greatestFiniteMagnitude, -1e-30, 1][Int(r >> 8) % 10]
            case 1: return Float(bitPattern: UInt32(truncatingIfNeeded: r >> 16))  // any bit pattern
            default: return Float(Double(Int64(bitPattern: r) >> 11) / Double(1 << 52) * 3)
            }
        }
    }
}

extension TestScheduler {
    func setKernelLevel(_ level: KernelLevel) {
        switch self {
        case .ddpm(let s): s.kernelLevel = level
        case .ddim(let s): s.kernelLevel = level
        }
    }

    func step(
        _ m: Tensor, _ t: Int, _ x: Tensor, eta: Double, clipped: Bool, generator: TorchGenerator,
        into output: inout SchedulerOutput
    ) throws {
        switch self {
        case .ddpm(let s): try s.step(modelOutput: m, timestep: t, sample: x, generator: generator, into: &output)
        case .ddim(let s):
            try s.step(
                modelOutput: m, timestep: t, sample: x, eta: eta, useClippedModelOutput: clipped,
                generator: generator, into: &output)
        }
    }
}
