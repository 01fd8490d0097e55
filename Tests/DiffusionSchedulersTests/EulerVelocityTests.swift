import Foundation
import Testing
@testable import DiffusionSchedulers

/// `solvers/euler_velocity.json`: diffusers' `EulerDiscreteScheduler.get_velocity(dummy_sample_deter,
/// randn(noise_seed), timesteps)`, or the error it raised.
struct EulerVelocityCase: Decodable, Sendable, CustomTestStringConvertible {
    let config: [String: ConfigValue]
    let call: SetTimestepsCall?
    let noise_seed: UInt64
    /// Which entries of the schedule the timesteps are, when they were picked from it.
    let picks: [Int]?
    let velocity_timesteps: String
    let velocity: String?
    let error: String?

    static let all: [EulerVelocityCase] = SolverFixtures.load("euler_velocity")

    var testDescription: String {
        "\(describe(config)) \(call.map(describe) ?? "training schedule") timesteps \(floatsFromHex(velocity_timesteps))"
    }
}

/// Euler's `get_velocity` against diffusers 0.42.1: two float32 square roots (torch's, see
/// `TorchNumerics.sqrt`), two products and a difference, so every element must be bit-identical.
@Suite struct EulerVelocityParityTests {
    @Test(arguments: EulerVelocityCase.all)
    func velocityIsBitIdentical(_ fixture: EulerVelocityCase) throws {
        let s = try EulerDiscreteScheduler(config: EulerDiscreteSchedulerConfiguration(values: fixture.config))
        if let call = fixture.call { try SolverHarness.apply(call, to: s) }
        let sample = dummySampleDeter()
        let noise = try TorchGenerator(seed: fixture.noise_seed).randn(shape: sample.shape)
        // The same entries of our own schedule. Continuous timesteps (0.25·log σ) come from torch's log,
        // which the schedule parity tests allow one ulp; every other schedule is bit-identical.
        let diffusersTimesteps = floatsFromHex(fixture.velocity_timesteps)
        var timesteps = diffusersTimesteps
        if let picks = fixture.picks {
            timesteps = picks.map { s.timesteps[$0] }
            let ulps = compare(timesteps.map(Double.init), diffusersTimesteps.map(Double.init)).ulps
            #expect(ulps <= (s.config.usesContinuousTimesteps ? 1 : 0), "timesteps \(timesteps) vs \(diffusersTimesteps)")
        }
        guard let velocity = fixture.velocity else {
            do {
                _ = try s.getVelocity(sample: sample, noise: noise, timesteps: timesteps)
                Issue.record("diffusers raised '\(fixture.error ?? "")', the port did not")
            } catch {
                #expect(error.key == "timesteps", "\(error)")
            }
            return
        }
        let got = try s.getVelocity(sample: sample, noise: noise, timesteps: timesteps)
        let want = floatsFromHex(velocity)
        #expect(got.shape == sample.shape)
        let (mismatches, relative) = FlowMatchPerTokenParityTests.difference(got.scalars, want)
        #expect(mismatches == 0, "\(mismatches) of \(want.count) elements differ, largest relative error \(relative)")
        ParityReport.shared.record("EulerDiscreteScheduler get_velocity", error: relative, bitExact: mismatches == 0)
    }

    @Test func fixturesCoverBroadcastPerItemAndRefusals() {
        let ok = EulerVelocityCase.all.filter { $0.error == nil }
        #expect(ok.contains { floatsFromHex($0.velocity_timesteps).count == 1 })
        #expect(ok.contains { floatsFromHex($0.velocity_timesteps).count == 4 })
        #expect(EulerVelocityCase.all.count - ok.count >= 3)
    }

    @Test func velocityReadsAlphaAtTheStepIndexNotAtTheTimestep() throws {
        // diffusers' quirk, kept: with 10 steps, timestep 666 (step 3) reads alphas_cumprod[3].
        let s = try EulerDiscreteScheduler()
        try s.setTimesteps(10)
        let x = dummySampleDeter(), noise = dummyNoiseDeter()
        let t = s.timesteps[3]
        let v = try s.getVelocity(sample: x, noise: noise, timesteps: [t])
        let ac = s.alphasCumprod[3]
        let (a, c) = (TorchNumerics.sqrt(ac), TorchNumerics.sqrt(1 - ac))
        #expect(v.scalars[17] == a * noise.scalars[17] - c * x.scalars[17])
        #expect(Int(t) != 3 && s.alphasCumprod[Int(t)] != ac)
    }
}
