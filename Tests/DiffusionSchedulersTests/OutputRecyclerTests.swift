import Testing
@testable import DiffusionSchedulers

/// The returning `step` reuses the storage of outputs the caller has let go of, and never
/// changes an output the caller still holds.
@Suite struct OutputRecyclerTests {
    /// A scheduler of `className` with a short schedule (DPM-Solver families in their ++ form).
    static func make(_ className: String) throws -> any DiffusionScheduler {
        var values: [String: ConfigValue] = [:]
        if className.hasPrefix("DPMSolver") { values["algorithm_type"] = "dpmsolver++" }
        let scheduler = try SchedulerFactory.make(className: className, config: values)
        try scheduler.setTimesteps(8)
        return scheduler
    }

    static func start(_ scheduler: any DiffusionScheduler) -> Tensor {
        Tensor(uncheckedShape: [1, 4, 8, 8], scalars: (0..<256).map { Float($0 % 17) / 17 * scheduler.initNoiseSigma })
    }

    /// Every step's outputs, kept by the caller, still hold what that step returned after the
    /// whole loop has run (compared with a second scheduler whose outputs are copied at once).
    @Test(arguments: SchedulerFactory.classNames)
    func keptOutputsNeverChange(_ className: String) throws {
        let recycling = try Self.make(className), reference = try Self.make(className)
        let g1 = TorchGenerator(seed: 3), g2 = TorchGenerator(seed: 3)
        var x = Self.start(recycling), y = x
        var kept: [StepOutput] = [], copied: [[Float]] = []
        for t in recycling.timestepValues {
            let out = try recycling.step(
                modelOutput: solverDummyModel(try recycling.scaleModelInput(x, timestep: t), t), timestep: t, sample: x,
                generator: g1)
            kept.append(out)
            x = out.prevSample
            let expected = try reference.step(
                modelOutput: solverDummyModel(try reference.scaleModelInput(y, timestep: t), t), timestep: t, sample: y,
                generator: g2)
            copied.append(expected.prevSample.scalars.map { $0 } + (expected.predOriginalSample?.scalars.map { $0 } ?? []))
            y = expected.prevSample
        }
        for (k, out) in kept.enumerated() {
            let now = out.prevSample.scalars + (out.predOriginalSample?.scalars ?? [])
            #expect(now.map(\.bitPattern) == copied[k].map(\.bitPattern), "\(className) step \(k)")
        }
    }

    /// Elements the caller keeps as arrays (the tensors themselves let go) are copied, not
    /// overwritten, when the recycler reuses their storage.
    @Test(arguments: SchedulerFactory.classNames)
    func keptElementArraysNeverChange(_ className: String) throws {
        let recycling = try Self.make(className), reference = try Self.make(className)
        let g1 = TorchGenerator(seed: 4), g2 = TorchGenerator(seed: 4)
        var x = Self.start(recycling), y = x
        var kept: [[Float]] = [], copied: [[Float]] = []
        for t in recycling.timestepValues {
            x = try recycling.step(
                modelOutput: solverDummyModel(try recycling.scaleModelInput(x, timestep: t), t), timestep: t, sample: x,
                generator: g1
            ).prevSample
            kept.append(x.scalars)
            y = try reference.step(
                modelOutput: solverDummyModel(try reference.scaleModelInput(y, timestep: t), t), timestep: t, sample: y,
                generator: g2
            ).prevSample
            copied.append(y.scalars.map { $0 })
        }
        #expect(kept.map { $0.map(\.bitPattern) } == copied.map { $0.map(\.bitPattern) }, "\(className)")
    }

    /// A loop that lets each output go (`x = step(x).prevSample`) settles on a few buffers.
    @Test(arguments: SchedulerFactory.classNames)
    func releasedOutputsAreReused(_ className: String) throws {
        let scheduler = try Self.make(className)
        let generator = TorchGenerator(seed: 5)
        var x = Self.start(scheduler)
        for _ in 0..<3 {
            try scheduler.setTimesteps(8)
            for t in scheduler.timestepValues {
                let input = try scheduler.scaleModelInput(x, timestep: t)
                x = try scheduler.step(modelOutput: solverDummyModel(input, t), timestep: t, sample: x, generator: generator)
                    .prevSample
            }
        }
        let steps = 3 * scheduler.timestepValues.count
        let created = Self.created(scheduler)
        // Two tensors per step for the schedulers that return x₀: at most three pairs in flight.
        #expect(created > 0 && created <= 6, "\(className): \(created) new outputs over \(steps) steps")
    }

    static func created(_ scheduler: any DiffusionScheduler) -> Int {
        switch scheduler {
        case let s as DDPMScheduler: s.recycler.created
        case let s as DDIMScheduler: s.recycler.created
        case let s as DPMSolverMultistepScheduler: s.recycler.created
        case let s as DPMSolverSinglestepScheduler: s.recycler.created
        case let s as EulerDiscreteScheduler: s.recycler.created
        case let s as EulerAncestralDiscreteScheduler: s.recycler.created
        case let s as HeunDiscreteScheduler: s.recycler.created
        case let s as UniPCMultistepScheduler: s.recycler.created
        case let s as LCMScheduler: s.recycler.created
        case let s as FlowMatchEulerDiscreteScheduler: s.recycler.created
        default: Int.max
        }
    }
}
