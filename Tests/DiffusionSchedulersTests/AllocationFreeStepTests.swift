import Foundation
import Testing
@testable import DiffusionSchedulers

/// The loops the step-form tests run: every diffusers loop fixture of Heun, LCM, DPM-Solver
/// singlestep and Euler ancestral, plus configurations beyond them (odd sizes that leave vector
/// tails, fewer than 16 elements for torch's scalar `randn` path, every singlestep algorithm,
/// order and solver type, every prediction type, clipping and thresholding, other seeds).
enum AllocationFreeCases {
    static let heun = HeunDiscreteSchedulerConfiguration.className
    static let lcm = LCMSchedulerConfiguration.className
    static let singlestep = DPMSolverSinglestepSchedulerConfiguration.className
    static let ancestral = EulerAncestralDiscreteSchedulerConfiguration.className

    /// Shapes with 15 elements (scalar `randn`, no full vector) and 210 (tails at every level).
    static let shapes: [[Int]] = [[1, 1, 3, 5], [2, 3, 5, 7]]

    static let fixtures: [StepFormCase] = [heun, lcm, singlestep, ancestral].flatMap { name in
        SolverFixtures.loops(name).map(StepFormCase.init)
    }

    static let heunCases: [StepFormCase] = shapes.flatMap { shape in
        ["epsilon", "v_prediction", "sample"].flatMap { prediction in
            [false, true].flatMap { clip in
                [false, true].map { karras in
                    StepFormCase(
                        heun,
                        [
                            "prediction_type": .string(prediction), "clip_sample": .bool(clip), "clip_sample_range": 0.5,
                            "use_karras_sigmas": .bool(karras),
                        ], steps: 7, kind: clip ? "scaled" : "pipeline", shape: shape)
                }
            }
        }
    }

    static let ancestralCases: [StepFormCase] = shapes.flatMap { shape in
        ["epsilon", "v_prediction"].flatMap { prediction in
            ["linspace", "leading", "trailing"].map { spacing in
                var config: [String: ConfigValue] = [
                    "prediction_type": .string(prediction), "timestep_spacing": .string(spacing),
                ]
                if prediction == "v_prediction" && spacing == "trailing" { config["rescale_betas_zero_snr"] = true }
                return StepFormCase(ancestral, config, steps: 9, seed: UInt64(shape.count + spacing.count), shape: shape)
            }
        }
    }

    static let lcmCases: [StepFormCase] = shapes.flatMap { shape in
        ["epsilon", "sample", "v_prediction"].flatMap { prediction in
            ["none", "clip", "threshold"].flatMap { processing in
                [1, 4].map { steps in
                    var config: [String: ConfigValue] = ["prediction_type": .string(prediction)]
                    if processing == "clip" { config["clip_sample"] = true }
                    if processing == "threshold" {
                        config["thresholding"] = true
                        config["dynamic_thresholding_ratio"] = 0.9
                        config["sample_max_value"] = 2.0
                    }
                    return StepFormCase(lcm, config, steps: steps, kind: "plain", seed: UInt64(steps * 7), shape: shape)
                }
            }
        }
    }

    static let singlestepCases: [StepFormCase] = shapes.flatMap { shape in
        ["dpmsolver++", "dpmsolver", "sde-dpmsolver++"].flatMap { algorithm in
            [1, 2, 3].flatMap { order in
                ["midpoint", "heun"].flatMap { solverType in
                    ["epsilon", "v_prediction"].map { prediction in
                        let config: [String: ConfigValue] = [
                            "algorithm_type": .string(algorithm), "solver_order": .int(order),
                            "solver_type": .string(solverType), "prediction_type": .string(prediction),
                            // dpmsolver only allows sigma_min; the others alternate to cover the zero final sigma.
                            "final_sigmas_type": algorithm == "dpmsolver" || order == 2 ? "sigma_min" : "zero",
                        ]
                        return StepFormCase(singlestep, config, steps: 9, kind: "plain", seed: UInt64(order), shape: shape)
                    }
                }
            }
        }
    } + [2, 3].map { order in
        // Thresholded x₀ (the conversion runs in its own pass first).
        StepFormCase(
            singlestep,
            ["solver_order": .int(order), "thresholding": true, "sample_max_value": 0.5, "dynamic_thresholding_ratio": 0.87,
             "final_sigmas_type": "sigma_min"],
            steps: 8, kind: "plain", shape: [2, 3, 5, 7])
    }

    static let all: [StepFormCase] = fixtures + heunCases + ancestralCases + lcmCases + singlestepCases
}

extension HeunDiscreteScheduler: AllocationFreeStepping {
    func formStep(
        _ m: Tensor, _ t: Double, _ x: Tensor, _ g: TorchGenerator, into prev: inout Tensor, original: inout Tensor
    ) throws {
        try step(modelOutput: m, timestep: Float(t), sample: x, into: &prev, predOriginalSample: &original)
    }
    func formStep(_ m: Tensor, _ t: Double, _ x: inout Tensor, _ g: TorchGenerator) throws {
        try step(modelOutput: m, timestep: Float(t), sample: &x)
    }
}

extension EulerAncestralDiscreteScheduler: AllocationFreeStepping {
    func formStep(
        _ m: Tensor, _ t: Double, _ x: Tensor, _ g: TorchGenerator, into prev: inout Tensor, original: inout Tensor
    ) throws {
        try step(modelOutput: m, timestep: Float(t), sample: x, generator: g, into: &prev, predOriginalSample: &original)
    }
    func formStep(_ m: Tensor, _ t: Double, _ x: inout Tensor, _ g: TorchGenerator) throws {
        try step(modelOutput: m, timestep: Float(t), sample: &x, generator: g)
    }
}

extension LCMScheduler: AllocationFreeStepping {
    func formStep(
        _ m: Tensor, _ t: Double, _ x: Tensor, _ g: TorchGenerator, into prev: inout Tensor, original: inout Tensor
    ) throws {
        try step(modelOutput: m, timestep: Int(t), sample: x, generator: g, into: &prev, denoised: &original)
    }
    func formStep(_ m: Tensor, _ t: Double, _ x: inout Tensor, _ g: TorchGenerator) throws {
        try step(modelOutput: m, timestep: Int(t), sample: &x, generator: g)
    }
}

extension DPMSolverSinglestepScheduler: AllocationFreeStepping {
    func formStep(
        _ m: Tensor, _ t: Double, _ x: Tensor, _ g: TorchGenerator, into prev: inout Tensor, original: inout Tensor
    ) throws {
        try step(modelOutput: m, timestep: Int(t), sample: x, generator: g, into: &prev)
    }
    func formStep(_ m: Tensor, _ t: Double, _ x: inout Tensor, _ g: TorchGenerator) throws {
        try step(modelOutput: m, timestep: Int(t), sample: &x, generator: g)
    }
}

/// Heun, LCM, DPM-Solver singlestep and Euler ancestral: the `into:` and in-place steps give the
/// bits of the returning `step` (which the diffusers fixtures check) over whole loops, and a
/// sampling loop that keeps its buffers allocates nothing per step once they exist.
@Suite struct AllocationFreeStepTests {
    @Test(arguments: AllocationFreeCases.all)
    func everyFormGivesTheSameBitsOverAWholeLoop(_ loop: StepFormCase) throws {
        let records = try StepForm.allCases.map { form in
            try loop.run(form, on: loop.makeScheduler(), generator: TorchGenerator(seed: loop.seed))
        }
        let (returning, into, inPlace) = (records[0], records[1], records[2])
        #expect(!returning.samples.isEmpty)
        #expect(into.samples.count == returning.samples.count && inPlace.samples.count == returning.samples.count)
        for (step, expected) in returning.samples.enumerated() {
            #expect(firstMismatch(into.samples[step], expected) == nil, "into: differs after step \(step)")
            #expect(firstMismatch(inPlace.samples[step], expected) == nil, "in place differs after step \(step)")
            let (x0, expectedX0) = (into.originals[step], returning.originals[step])
            #expect((x0 == nil) == (expectedX0 == nil) && firstMismatch(x0 ?? [], expectedX0 ?? []) == nil,
                "x₀ of into: differs after step \(step)")
        }
        // The schedulers whose step returns x₀ (LCM: denoised) return it in both forms, so the
        // comparison above is not between two missing values.
        let hasOriginal = loop.scheduler != AllocationFreeCases.singlestep
        #expect(returning.originals.allSatisfy { ($0 != nil) == hasOriginal })
    }

    @Test(arguments: AllocationFreeCases.all)
    func aSecondLoopAllocatesNoNewStorage(_ loop: StepFormCase) throws {
        for form in [StepForm.into, .inPlace] {
            let scheduler = try loop.makeScheduler()
            let first = try loop.run(form, on: scheduler, generator: TorchGenerator(seed: loop.seed))
            try SolverHarness.apply(loop.call, to: scheduler)
            let second = try loop.run(form, on: scheduler, generator: TorchGenerator(seed: loop.seed))
            #expect(
                second.samples.count == first.samples.count
                    && firstMismatch(second.samples.flatMap { $0 }, first.samples.flatMap { $0 }) == nil,
                "\(form): the second loop computes something else")

            // The scheduler's buffers of the second loop are those the first one left.
            let kept = try #require(first.schedulerStorage.last)
            if loop.scheduler != AllocationFreeCases.lcm {
                // Heun's derivative and start, singlestep's history and anchor, the ancestral noise.
                #expect(!kept.isEmpty, "the scheduler's buffers were not found")
            }
            for (step, addresses) in second.schedulerStorage.enumerated() {
                #expect(addresses.isSubset(of: kept), "\(form): scheduler storage allocated at step \(step)")
            }
            // The loop's own buffers, once the first step sized them, stay where they are: a write
            // into one the scheduler still held would have copied it. (Scaled loops replace the sample.)
            guard loop.kind != "scaled", let established = second.callerStorage.first else { continue }
            let buffers = Set(established.compactMap { $0 })
            for (step, addresses) in second.callerStorage.enumerated() {
                switch form {
                case .inPlace: #expect(addresses[0] == established[0], "in place: the sample moved at step \(step)")
                default: #expect(Set(addresses.compactMap { $0 }) == buffers, "into: a buffer moved at step \(step)")
                }
            }
        }
    }
}

/// The in-place steps check everything before they write: a refused step leaves the sample as it was.
@Suite struct InPlaceStepRefusalTests {
    @Test func refusedStepsLeaveTheSampleAlone() throws {
        let x = dummySampleDeter()
        let ancestral = try EulerAncestralDiscreteScheduler()
        try ancestral.setTimesteps(4)
        var a = x
        #expect(throws: SchedulerError.self) {
            try ancestral.step(modelOutput: x, timestep: ancestral.timesteps[0], sample: &a, generator: nil)
        }
        #expect(a == x)

        let lcm = try LCMScheduler()
        try lcm.setTimesteps(4)
        var b = x
        #expect(throws: SchedulerError.self) { try lcm.step(modelOutput: x, timestep: lcm.timesteps[0], sample: &b) }
        #expect(b == x)

        var config = DPMSolverSinglestepSchedulerConfiguration()
        config.algorithmType = .sdeDpmsolverPlusPlus
        let sde = try DPMSolverSinglestepScheduler(config: config)
        try sde.setTimesteps(4)
        var c = x
        #expect(throws: SchedulerError.self) { try sde.step(modelOutput: x, timestep: sde.timesteps[0], sample: &c) }
        #expect(c == x)

        // Heun's correction must see the size its Euler half ran on.
        let heun = try HeunDiscreteScheduler()
        try heun.setTimesteps(4)
        var d = x
        try heun.step(modelOutput: x, timestep: heun.timesteps[0], sample: &d)
        #expect(!heun.stateInFirstOrder)
        var small = try Tensor(repeating: 0.5, shape: [1, 3, 8, 8])
        let before = small
        #expect(throws: SchedulerError.self) {
            try heun.step(modelOutput: before, timestep: heun.timesteps[1], sample: &small)
        }
        #expect(small == before)
    }
}

/// The first index where two arrays differ, or nil when they are equal; a length mismatch counts
/// as a difference at the shorter length.
func firstMismatch<T: Equatable>(_ a: [T], _ b: [T]) -> Int? {
    for i in 0..<min(a.count, b.count) where a[i] != b[i] { return i }
    return a.count == b.count ? nil : min(a.count, b.count)
}
