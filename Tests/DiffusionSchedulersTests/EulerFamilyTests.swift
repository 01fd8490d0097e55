import Foundation
import Testing
@testable import DiffusionSchedulers

/// EulerDiscreteScheduler, EulerAncestralDiscreteScheduler and FlowMatchEulerDiscreteScheduler against diffusers 0.42.1.
@Suite struct EulerFamilyParityTests {
    static let classNames = [
        EulerDiscreteSchedulerConfiguration.className, EulerAncestralDiscreteSchedulerConfiguration.className,
        FlowMatchEulerDiscreteSchedulerConfiguration.className,
    ]

    @Test(arguments: classNames.flatMap { SolverFixtures.schedules($0) })
    func timestepsAndSigmasAreBitIdentical(_ fixture: SolverScheduleCase) throws {
        try checkSchedule(fixture)
    }

    @Test(arguments: classNames.flatMap { SolverFixtures.loops($0) })
    func samplingLoopsMatchDiffusers(_ fixture: SolverLoopCase) throws {
        try checkLoop(fixture)
    }
}

/// Behaviour of the Euler family beyond the fixtures: errors, the allocation-free variants, helpers.
@Suite struct EulerFamilyBehaviourTests {
    @Test func eulerRejectsUnknownTimestepsAndNeedsAGeneratorForChurn() throws {
        let s = try EulerDiscreteScheduler()
        try s.setTimesteps(10)
        let x = dummySampleDeter()
        #expect(throws: SchedulerError.self) { try s.step(modelOutput: x, timestep: 123.5, sample: x) }
        let t = s.timesteps[0]
        #expect(throws: SchedulerError.self) { try s.step(modelOutput: x, timestep: t, sample: x, sChurn: 1) }
        #expect(throws: SchedulerError.self) { try s.setTimesteps(sigmas: [1]) }
        var karras = EulerDiscreteSchedulerConfiguration()
        karras.useKarrasSigmas = true
        #expect(throws: SchedulerError.self) { try EulerDiscreteScheduler(config: karras).setTimesteps(timesteps: [500]) }
    }

    @Test func eulerIntoVariantMatchesTheAllocatingStep() throws {
        let a = try EulerDiscreteScheduler(), b = try EulerDiscreteScheduler()
        try a.setTimesteps(8)
        try b.setTimesteps(8)
        var x = dummySampleDeter(), y = x
        var prev = Tensor.empty, x0 = Tensor.empty
        for t in a.timesteps {
            let out = try a.step(modelOutput: solverDummyModel(x, Double(t)), timestep: t, sample: x)
            try b.step(modelOutput: solverDummyModel(y, Double(t)), timestep: t, sample: y, into: &prev, predOriginalSample: &x0)
            #expect(out.predOriginalSample == x0)
            x = out.prevSample
            swap(&y, &prev)
        }
        #expect(x == y)
    }

    @Test func eulerDecodesOriginalSampleAsSample() throws {
        let config = try EulerDiscreteSchedulerConfiguration(values: ["prediction_type": "original_sample"])
        #expect(config.predictionType == .sample)
        #expect(throws: SchedulerError.self) {
            try EulerDiscreteSchedulerConfiguration(values: ["interpolation_type": "log-linear"])
        }
    }

    @Test func ancestralRefusesSamplePredictionAndNeedsAGenerator() throws {
        var config = EulerAncestralDiscreteSchedulerConfiguration()
        config.predictionType = .sample
        let s = try EulerAncestralDiscreteScheduler(config: config)
        try s.setTimesteps(4)
        let x = dummySampleDeter()
        #expect(throws: SchedulerError.self) {
            try s.step(modelOutput: x, timestep: s.timesteps[0], sample: x, generator: TorchGenerator(seed: 0))
        }
        let e = try EulerAncestralDiscreteScheduler()
        try e.setTimesteps(4)
        #expect(throws: SchedulerError.self) { try e.step(modelOutput: x, timestep: e.timesteps[0], sample: x, generator: nil) }
    }

    @Test func flowMatchNeedsMuWhenDynamicAndComputesPipelineMu() throws {
        var config = FlowMatchEulerDiscreteSchedulerConfiguration()
        config.useDynamicShifting = true
        let s = try FlowMatchEulerDiscreteScheduler(config: config)
        #expect(throws: SchedulerError.self) { try s.setTimesteps(10) }
        try s.setTimesteps(10, mu: config.mu(imageSeqLen: 4096))
        #expect(config.mu(imageSeqLen: 256) == 0.5)
        #expect(abs(config.mu(imageSeqLen: 4096) - 1.15) < 1e-12)
        #expect(s.sigmas.last == 0)
    }

    @Test func flowMatchSetShiftChangesLaterSchedules() throws {
        let s = try FlowMatchEulerDiscreteScheduler()
        try s.setTimesteps(5)
        let unshifted = s.sigmas
        try s.setShift(3)
        try s.setTimesteps(5)
        #expect(s.sigmas[2] > unshifted[2])
        #expect(throws: SchedulerError.self) { try s.setShift(0) }
    }

    @Test func flowMatchScaleNoiseInterpolatesTowardsNoise() throws {
        let s = try FlowMatchEulerDiscreteScheduler()
        try s.setTimesteps(4)
        let x = dummySampleDeter(), n = dummyNoiseDeter()
        let noisy = try s.scaleNoise(sample: x, timesteps: [s.timesteps[0]], noise: n)
        #expect(noisy == n)  // σ = 1 at the first timestep
    }
}
