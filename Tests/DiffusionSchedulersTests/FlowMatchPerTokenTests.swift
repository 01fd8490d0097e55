import Foundation
import Testing
@testable import DiffusionSchedulers

/// `solvers/flow_per_token.json`: diffusers' `step(…, per_token_timesteps=…)` of FlowMatchEulerDiscreteScheduler.
struct PerTokenFixture: Decodable, Sendable {
    let steps: [PerTokenStepCase]
    let loops: [PerTokenLoopCase]

    static let shared: PerTokenFixture = SolverFixtures.load("flow_per_token")
}

/// One per-token step on a fresh scheduler: sample and model output are `torch.randn(shape)` twice from `seed`.
struct PerTokenStepCase: Decodable, Sendable, CustomTestStringConvertible {
    let config: [String: ConfigValue]
    let call: SetTimestepsCall
    let step: Int
    let shape: [Int]
    let per_token_shape: [Int]
    let seed: UInt64
    let noise_seed: UInt64?
    let per_token_timesteps: String
    let timestep: String
    let sigmas: String
    let prev_sample: String?
    let step_index: Int?
    let error: String?
    var testDescription: String {
        "\(describe(config)) \(describe(call)) step \(step) sample \(shape) per-token \(per_token_shape)"
    }
}

/// LTX-Video's conditioning loop: per-token timesteps min(t, (1 − strength)·1000), model −x·t/(t + 1).
struct PerTokenLoopCase: Decodable, Sendable, CustomTestStringConvertible {
    let config: [String: ConfigValue]
    let call: SetTimestepsCall
    let shape: [Int]
    let seed: UInt64
    let noise_seed: UInt64?
    let strength: String
    let sigmas: String
    let result: String
    let step_index: Int
    var testDescription: String { "\(describe(config)) \(describe(call)) sample \(shape)" }
}

/// The per-token step against diffusers 0.42.1. It has no transcendental function (a division by T,
/// a comparison, a max and the Euler update), so every value must be bit-identical.
@Suite struct FlowMatchPerTokenParityTests {
    static func scheduler(_ config: [String: ConfigValue], _ call: SetTimestepsCall) throws -> FlowMatchEulerDiscreteScheduler {
        let s = try FlowMatchEulerDiscreteScheduler(config: FlowMatchEulerDiscreteSchedulerConfiguration(values: config))
        try SolverHarness.apply(call, to: s)
        return s
    }

    /// Mismatching elements and the largest error relative to max(|diffusers|, mean |diffusers|).
    static func difference(_ got: [Float], _ want: [Float]) -> (mismatches: Int, relative: Double) {
        guard got.count == want.count else { return (max(got.count, want.count), .infinity) }
        let meanAbs = want.reduce(0.0) { $0 + abs(Double($1)) } / Double(max(want.count, 1))
        var mismatches = 0, relative = 0.0
        for (a, b) in zip(got, want) where a.bitPattern != b.bitPattern {
            mismatches += 1
            relative = max(relative, abs(Double(a) - Double(b)) / max(abs(Double(b)), meanAbs, 1e-30))
        }
        return (mismatches, relative)
    }

    @Test(arguments: PerTokenFixture.shared.steps)
    func perTokenStepIsBitIdentical(_ fixture: PerTokenStepCase) throws {
        let s = try Self.scheduler(fixture.config, fixture.call)
        #expect(s.sigmas.map(\.bitPattern) == floatsFromHex(fixture.sigmas).map(\.bitPattern), "sigmas")
        let inputs = TorchGenerator(seed: fixture.seed)
        let x = try inputs.randn(shape: fixture.shape), m = try inputs.randn(shape: fixture.shape)
        let perToken = try Tensor(shape: fixture.per_token_shape, scalars: floatsFromHex(fixture.per_token_timesteps))
        let t = floatsFromHex(fixture.timestep)[0]
        let noise = { fixture.noise_seed.map { TorchGenerator(seed: $0) } }
        guard let want = fixture.prev_sample.map(floatsFromHex) else {
            #expect(throws: SchedulerError.self, "diffusers raised \(fixture.error ?? "")") {
                try s.step(modelOutput: m, timestep: t, sample: x, perTokenTimesteps: perToken, generator: noise())
            }
            return
        }
        let out = try s.step(modelOutput: m, timestep: t, sample: x, perTokenTimesteps: perToken, generator: noise())
        let (mismatches, relative) = Self.difference(out.prevSample.scalars, want)
        #expect(out.prevSample.shape == fixture.shape)
        #expect(mismatches == 0, "\(mismatches) of \(want.count) elements differ, largest relative error \(relative)")
        #expect(s.stepIndex == fixture.step_index)
        ParityReport.shared.record(
            "FlowMatchEulerDiscreteScheduler per-token step", error: relative, bitExact: mismatches == 0)

        // The into and in-place forms give the same bits.
        let into = try Self.scheduler(fixture.config, fixture.call)
        var prev = Tensor.empty
        try into.step(modelOutput: m, timestep: t, sample: x, perTokenTimesteps: perToken, generator: noise(), into: &prev)
        let inPlace = try Self.scheduler(fixture.config, fixture.call)
        var y = x
        try inPlace.step(modelOutput: m, timestep: t, sample: &y, perTokenTimesteps: perToken, generator: noise())
        #expect(prev == out.prevSample && y == out.prevSample)
    }

    @Test(arguments: PerTokenFixture.shared.loops)
    func conditioningLoopIsBitIdentical(_ fixture: PerTokenLoopCase) throws {
        let s = try Self.scheduler(fixture.config, fixture.call)
        #expect(s.sigmas.map(\.bitPattern) == floatsFromHex(fixture.sigmas).map(\.bitPattern), "sigmas")
        let (batch, tokens) = (fixture.shape[0], fixture.shape[1])
        let strength = floatsFromHex(fixture.strength)
        try #require(strength.count == batch * tokens)
        var x = try TorchGenerator(seed: fixture.seed).randn(shape: fixture.shape)
        let noise = fixture.noise_seed.map { TorchGenerator(seed: $0) }
        for t in s.timesteps {
            // torch.min(t.expand(batch, tokens), (1 - strength) * 1000.0), then the negated dummy model.
            let perToken = try Tensor(shape: [batch, tokens], scalars: strength.map { Swift.min(t, (1 - $0) * 1000) })
            let model = Tensor(uncheckedShape: x.shape, scalars: x.scalars.map { -($0 * t / (t + 1)) })
            try s.step(modelOutput: model, timestep: t, sample: &x, perTokenTimesteps: perToken, generator: noise)
        }
        let (mismatches, relative) = Self.difference(x.scalars, floatsFromHex(fixture.result))
        #expect(mismatches == 0, "\(mismatches) elements differ, largest relative error \(relative)")
        #expect(s.stepIndex == fixture.step_index)
        ParityReport.shared.record(
            "FlowMatchEulerDiscreteScheduler per-token loop", error: relative, bitExact: mismatches == 0)
    }

    /// The fixtures reach the cases the brief names: tokens exactly at schedule sigmas, tokens within
    /// float32 reach of diffusers' 10⁻⁶ margin, tokens at σ = 0 (nothing below), and every sharing shape.
    @Test func fixturesCoverTheEdgeCases() throws {
        var atSigma = 0, nearMargin = 0, clean = 0
        for fixture in PerTokenFixture.shared.steps where fixture.error == nil {
            let s = try Self.scheduler(fixture.config, fixture.call)
            let trainT = Float(s.config.numTrainTimesteps)
            for t in floatsFromHex(fixture.per_token_timesteps) {
                let sigma = t / trainT
                if s.sigmas.contains(sigma) { atSigma += 1 }
                if sigma == 0 { clean += 1 }
                if s.sigmas.contains(where: { abs(Double(sigma) - 1e-6 - Double($0)) < 4e-7 }) { nearMargin += 1 }
            }
        }
        #expect(atSigma >= 50 && nearMargin >= 20 && clean >= 5, "at sigma \(atSigma), near margin \(nearMargin), clean \(clean)")
        let shapes = Set(PerTokenFixture.shared.steps.filter { $0.error == nil }.map { fixture -> String in
            let p = fixture.per_token_shape
            if p.count == 1 { return "tokens" }
            return (p[0] == 1 ? "1" : "batch") + "," + (p[1] == 1 ? "1" : "tokens")
        })
        #expect(shapes == ["tokens", "1,tokens", "batch,1", "batch,tokens"])
        #expect(PerTokenFixture.shared.steps.filter { $0.error != nil }.count >= 3)
    }
}

/// The per-token step beyond the fixtures: its relation to the plain step, and the shapes it refuses.
@Suite struct FlowMatchPerTokenBehaviourTests {
    @Test func tokensAtTheStepsSigmaTakeThePlainStepWithTheNegatedModelOutput() throws {
        // LTX-Video without conditioning: every token at the current timestep. dt is σ − σ_next here and
        // σ_next − σ in the plain step, so the negated model output gives the same bits.
        let plain = try FlowMatchEulerDiscreteScheduler(), perToken = try FlowMatchEulerDiscreteScheduler()
        try plain.setTimesteps(10)
        try perToken.setTimesteps(10)
        var x = try TorchGenerator(seed: 3).randn(shape: [2, 8, 4]), y = x
        for (i, t) in plain.timesteps.enumerated() {
            try #require(t / 1000 == plain.sigmas[i], "timestep \(t) divides back to its sigma")
            let m = solverDummyModel(x, Double(t))
            let negated = Tensor(uncheckedShape: m.shape, scalars: solverDummyModel(y, Double(t)).scalars.map { -$0 })
            try plain.step(modelOutput: m, timestep: t, sample: &x)
            try perToken.step(
                modelOutput: negated, timestep: t, sample: &y, perTokenTimesteps: Tensor(repeating: t, shape: [2, 1]))
            #expect(x == y, "after step \(i)")
        }
        #expect(perToken.stepIndex == plain.stepIndex)
    }

    @Test func aTokenWithNoSigmaBelowItStepsToZero() throws {
        let s = try FlowMatchEulerDiscreteScheduler()
        try s.setTimesteps(4)
        #expect(FlowMatchEulerDiscreteScheduler.nextSigma(below: 0 - Float(1e-6), in: s.sigmas) == 0)
        #expect(FlowMatchEulerDiscreteScheduler.nextSigma(below: 1 - Float(1e-6), in: s.sigmas) == s.sigmas[1])
        // Just above a sigma by less than the margin: that sigma is not below, the next one is.
        let threshold = s.sigmas[2] + Float(1e-6) / 2 - Float(1e-6)
        #expect(FlowMatchEulerDiscreteScheduler.nextSigma(below: threshold, in: s.sigmas) == s.sigmas[3])
    }

    @Test func shapesOutsideDiffusersBroadcastingThrowBeforeTheStepIndexMoves() throws {
        let s = try FlowMatchEulerDiscreteScheduler()
        try s.setTimesteps(10)
        let t = s.timesteps[0]
        let x = try TorchGenerator(seed: 1).randn(shape: [2, 5, 3])
        let cases: [(sample: [Int], perToken: [Int], key: String)] = [
            ([2, 5, 3], [3, 5], "per_token_timesteps"),  // batch 3 against 2
            ([2, 5, 3], [2, 4], "per_token_timesteps"),  // 4 tokens against 5
            ([2, 5, 3], [2, 5, 1], "per_token_timesteps"),
            ([2, 5, 3], [], "per_token_timesteps"),
            // torch would broadcast these to a larger result than the sample: refused here.
            ([1, 5, 3], [2, 5], "per_token_timesteps"),
            ([5, 3], [1, 5], "sample"),
            ([2, 5, 3, 1], [2, 5], "sample"),
        ]
        for c in cases {
            let sample = try Tensor(repeating: 0.5, shape: c.sample)
            let perToken = try Tensor(repeating: 500, shape: c.perToken)
            do {
                _ = try s.step(modelOutput: sample, timestep: t, sample: sample, perTokenTimesteps: perToken)
                Issue.record("\(c) did not throw")
            } catch {
                #expect(error.key == c.key, "\(c): \(error)")
            }
        }
        do {
            _ = try s.step(modelOutput: x, timestep: t, sample: try Tensor(repeating: 0, shape: [2, 5, 4]),
                           perTokenTimesteps: Tensor(repeating: 500, shape: [2, 5]))
            Issue.record("mismatched model output did not throw")
        } catch {
            #expect(error.key == "modelOutput")
        }
        #expect(s.stepIndex == nil)
    }

    @Test func stochasticSamplingNeedsAGenerator() throws {
        var config = FlowMatchEulerDiscreteSchedulerConfiguration()
        config.stochasticSampling = true
        let s = try FlowMatchEulerDiscreteScheduler(config: config)
        try s.setTimesteps(5)
        let x = try TorchGenerator(seed: 2).randn(shape: [1, 4, 4])
        do {
            _ = try s.step(modelOutput: x, timestep: s.timesteps[0], sample: x,
                           perTokenTimesteps: Tensor(repeating: 700, shape: [1, 4]))
            Issue.record("no error without a generator")
        } catch {
            #expect(error.key == "generator")
        }
    }
}
