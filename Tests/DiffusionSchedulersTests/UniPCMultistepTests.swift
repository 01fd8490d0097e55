import Foundation
import Testing
@testable import DiffusionSchedulers

/// UniPCMultistepScheduler against diffusers 0.42.1.
@Suite struct UniPCMultistepParityTests {
    static let className = UniPCMultistepSchedulerConfiguration.className

    @Test(arguments: SolverFixtures.schedules(className))
    func timestepsAndSigmasAreBitIdentical(_ fixture: SolverScheduleCase) throws {
        try checkSchedule(fixture)
    }

    @Test(arguments: SolverFixtures.loops(className))
    func samplingLoopsMatchDiffusers(_ fixture: SolverLoopCase) throws {
        try checkLoop(fixture)
    }
}

/// UniPC behaviour beyond the fixtures.
@Suite struct UniPCBehaviourTests {
    @Test func twoByTwoSolveMatchesTheClosedForm() {
        // R = [[1, 1], [r, 1]]: x₁ = (b₁ − r·b₀)/(1 − r), x₀ = b₀ − x₁.
        let x = SmallLinearSolve.solve([[1, 1], [0.5, 1]], [2, 1.5])
        #expect(abs(x[0] - 1) < 1e-6 && abs(x[1] - 1) < 1e-6)
        let pivoted = SmallLinearSolve.solve([[1, 1], [3, 1]], [4, 6])
        #expect(abs(pivoted[0] - 1) < 1e-6 && abs(pivoted[1] - 3) < 1e-6)
    }

    @Test func rejectsSolverPAndShiftTerminalWithoutFlowSigmas() {
        #expect(throws: SchedulerError.self) { try UniPCMultistepSchedulerConfiguration(values: ["solver_p": "DDIMScheduler"]) }
        var config = UniPCMultistepSchedulerConfiguration()
        config.shiftTerminal = 0.1
        #expect(throws: SchedulerError.self) { try UniPCMultistepScheduler(config: config) }
        #expect(throws: SchedulerError.self) { try UniPCMultistepScheduler().setTimesteps(sigmas: [1, 0.5]) }
        #expect(throws: SchedulerError.self) {
            try UniPCMultistepSchedulerConfiguration(values: ["solver_type": "bh3"])
        }
        #expect((try? UniPCMultistepSchedulerConfiguration(values: ["solver_type": "midpoint"]))?.solverType == .bh2)
    }

    @Test func intoVariantMatchesTheAllocatingStepAcrossCorrectorAndPredictor() throws {
        let a = try UniPCMultistepScheduler(), b = try UniPCMultistepScheduler()
        try a.setTimesteps(9)
        try b.setTimesteps(9)
        var x = dummySampleDeter(), y = x
        var out = Tensor.empty
        for t in a.timesteps {
            x = try a.step(modelOutput: solverDummyModel(x, Double(t)), timestep: t, sample: x).prevSample
            try b.step(modelOutput: solverDummyModel(y, Double(t)), timestep: t, sample: y, into: &out)
            swap(&y, &out)
        }
        #expect(x == y)
        #expect(a.thisOrder == 1)
    }

    @Test func disablingTheCorrectorEverywhereGivesThePlainPredictor() throws {
        var config = UniPCMultistepSchedulerConfiguration()
        config.disableCorrector = Array(0..<10)
        let s = try UniPCMultistepScheduler(config: config)
        try s.setTimesteps(6)
        var x = dummySampleDeter()
        for t in s.timesteps { x = try s.step(modelOutput: solverDummyModel(x, Double(t)), timestep: t, sample: x).prevSample }
        let finite = x.scalars.allSatisfy { $0.isFinite }
        #expect(finite)
    }
}
