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

    /// Every fixture configuration (orders 1–3, bh1/bh2, ε/x₀/v/flow, thresholding, disabled
    /// correctors, flow sigmas) run as a plain loop three ways: allocating, `into:` with the
    /// caller swapping two buffers, and in place. The in-place form recycles the dropped
    /// prediction and the last corrected sample; none of it may change a bit.
    @Test(arguments: SolverFixtures.loops(UniPCMultistepParityTests.className).filter { ($0.kind ?? "plain") == "plain" })
    func allocatingIntoAndInPlaceLoopsAreBitIdentical(_ fixture: SolverLoopCase) throws {
        let schedulers = try (0..<3).map { _ in
            let s = try #require(try SolverHarness.make(fixture) as? UniPCMultistepScheduler)
            try SolverHarness.apply(fixture.call, to: s)
            return s
        }
        var allocated = dummySampleDeter(), into = allocated, inPlace = allocated
        var spare = Tensor.empty
        for t in schedulers[0].timesteps {
            allocated = try schedulers[0].step(
                modelOutput: solverDummyModel(allocated, Double(t)), timestep: t, sample: allocated
            ).prevSample
            try schedulers[1].step(modelOutput: solverDummyModel(into, Double(t)), timestep: t, sample: into, into: &spare)
            swap(&into, &spare)
            try schedulers[2].step(modelOutput: solverDummyModel(inPlace, Double(t)), timestep: t, sample: &inPlace)
        }
        #expect(allocated.scalars.map(\.bitPattern) == into.scalars.map(\.bitPattern))
        #expect(allocated.scalars.map(\.bitPattern) == inPlace.scalars.map(\.bitPattern))
    }

    /// A second-order in-place loop settles on a fixed set of buffers: after the first steps
    /// every step writes into storage the scheduler already owns (and the caller's sample).
    @Test func inPlaceLoopsStopAllocating() throws {
        let s = try UniPCMultistepScheduler()
        var x = dummySampleDeter()
        let home = x.scalars.withUnsafeBufferPointer { $0.baseAddress }
        for round in 0..<2 {
            try s.setTimesteps(12)
            var seen: [Set<UnsafePointer<Float>?>] = []
            for t in s.timesteps {
                let m = solverDummyModel(x, Double(t))
                try s.step(modelOutput: m, timestep: t, sample: &x)
                seen.append(Set(s.storageAddresses))
            }
            #expect(x.scalars.withUnsafeBufferPointer { $0.baseAddress } == home, "round \(round): the sample moved")
            // From the third step on, the history and the kept sample live in the same three buffers.
            let steady = seen.dropFirst(2).reduce(Set<UnsafePointer<Float>?>()) { $0.union($1) }
            #expect(steady.count == 3, "round \(round): \(steady.count) buffers")
        }
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
