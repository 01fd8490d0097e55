import Foundation
import Testing
@testable import DiffusionSchedulers

/// DPMSolverSinglestepScheduler against diffusers 0.42.1.
@Suite struct DPMSolverSinglestepParityTests {
    static let className = DPMSolverSinglestepSchedulerConfiguration.className

    @Test(arguments: SolverFixtures.schedules(className))
    func timestepsAndSigmasAreBitIdentical(_ fixture: SolverScheduleCase) throws {
        try checkSchedule(fixture)
    }

    @Test(arguments: SolverFixtures.loops(className))
    func samplingLoopsMatchDiffusers(_ fixture: SolverLoopCase) throws {
        try checkLoop(fixture)
    }

    @Test func orderListsFollowDiffusers() throws {
        var config = DPMSolverSinglestepSchedulerConfiguration()
        let s = try DPMSolverSinglestepScheduler(config: config)
        try s.setTimesteps(10)
        #expect(s.orderList == [1, 2, 1, 2, 1, 2, 1, 2, 1, 1])
        #expect(s.config.lowerOrderFinal)  // switched on for a zero final sigma, as diffusers does
        config.solverOrder = 3
        config.finalSigmasType = .sigmaMin
        let third = try DPMSolverSinglestepScheduler(config: config)
        try third.setTimesteps(9)
        #expect(third.orderList == [1, 2, 3, 1, 2, 3, 1, 2, 3])
        try third.setTimesteps(10)
        #expect(third.orderList == [1, 2, 3, 1, 2, 3, 1, 2, 3, 1])
    }

    @Test func dpmsolverWithThresholdingFailsAsInDiffusers() throws {
        var config = DPMSolverSinglestepSchedulerConfiguration()
        config.algorithmType = .dpmsolver
        config.finalSigmasType = .sigmaMin
        config.thresholding = true
        let s = try DPMSolverSinglestepScheduler(config: config)
        try s.setTimesteps(4)
        let x = dummySampleDeter()
        #expect(throws: SchedulerError.self) { try s.step(modelOutput: x, timestep: s.timesteps[0], sample: x) }
    }
}
