import Foundation
import Testing
@testable import DiffusionSchedulers

/// LCMScheduler against diffusers 0.42.1.
@Suite struct LCMSchedulerParityTests {
    static let className = LCMSchedulerConfiguration.className

    @Test(arguments: SolverFixtures.schedules(className))
    func timestepsAreIdentical(_ fixture: SolverScheduleCase) throws {
        try checkSchedule(fixture)
    }

    @Test(arguments: SolverFixtures.loops(className))
    func samplingLoopsMatchDiffusers(_ fixture: SolverLoopCase) throws {
        try checkLoop(fixture)
    }

    @Test func boundaryConditionsAtTheEnds() throws {
        let s = try LCMScheduler()
        let (skip0, out0) = s.boundaryConditionScalings(timestep: 0)
        #expect(skip0 == 1 && out0 == 0)  // the consistency function is the identity at t = 0
        let (skip, out) = s.boundaryConditionScalings(timestep: 999)
        #expect(skip < 1e-7 && abs(out - 1) < 1e-6)
        #expect(throws: SchedulerError.self) { try s.setTimesteps(60) }  // more than original_inference_steps
        #expect(throws: SchedulerError.self) { try s.setTimesteps(timesteps: [10, 20]) }
    }
}
