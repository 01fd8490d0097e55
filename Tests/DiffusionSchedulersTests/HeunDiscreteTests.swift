import Foundation
import Testing
@testable import DiffusionSchedulers

/// HeunDiscreteScheduler against diffusers 0.42.1.
@Suite struct HeunDiscreteParityTests {
    static let className = HeunDiscreteSchedulerConfiguration.className

    @Test(arguments: SolverFixtures.schedules(className))
    func timestepsAndSigmasAreBitIdentical(_ fixture: SolverScheduleCase) throws {
        try checkSchedule(fixture)
    }

    @Test(arguments: SolverFixtures.loops(className))
    func samplingLoopsMatchDiffusers(_ fixture: SolverLoopCase) throws {
        try checkLoop(fixture)
    }

    @Test func halfStepsAlternateAndTheScheduleIsInterleaved() throws {
        let s = try HeunDiscreteScheduler()
        try s.setTimesteps(3)
        #expect(s.timesteps.count == 5 && s.sigmas.count == 6)
        #expect(s.timesteps[1] == s.timesteps[2] && s.sigmas[1] == s.sigmas[2])
        var x = dummySampleDeter()
        var states: [Bool] = []
        for t in s.timesteps {
            states.append(s.stateInFirstOrder)
            x = try s.step(modelOutput: solverDummyModel(x, Double(t)), timestep: t, sample: x).prevSample
        }
        #expect(states == [true, false, true, false, true])
        #expect(s.order == 2)
    }
}
