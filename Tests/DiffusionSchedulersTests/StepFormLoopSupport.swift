import Foundation
import Testing
@testable import DiffusionSchedulers

/// One sampling loop to run in every step form: the setup of a diffusers loop fixture, or a
/// configuration beyond the fixtures (other shapes, orders, algorithms, seeds).
struct StepFormCase: Sendable, CustomTestStringConvertible {
    let scheduler: String
    let config: [String: ConfigValue]
    let call: SetTimestepsCall
    /// As in the loop fixtures: plain, tail, noise, scaled (step receives the scaled sample) or pipeline.
    let kind: String
    let seed: UInt64
    let start: Int?
    let beginIndex: Bool
    let learned: Bool
    let shape: [Int]
    let label: String

    init(_ fixture: SolverLoopCase) {
        scheduler = fixture.scheduler
        config = fixture.config
        call = fixture.call
        kind = fixture.kind ?? "plain"
        seed = fixture.seed ?? 0
        start = fixture.start
        beginIndex = fixture.begin_index ?? false
        learned = fixture.learned ?? false
        shape = [4, 3, 8, 8]
        label = "fixture: " + fixture.testDescription
    }

    init(
        _ scheduler: String, _ config: [String: ConfigValue], steps: Int, kind: String = "pipeline", seed: UInt64 = 0,
        shape: [Int]
    ) {
        self.scheduler = scheduler
        self.config = config
        call = SetTimestepsCall(
            num_inference_steps: steps, mu: nil, timesteps: nil, sigmas: nil, original_inference_steps: nil, strength: nil)
        self.kind = kind
        self.seed = seed
        start = nil
        beginIndex = false
        learned = false
        self.shape = shape
        label = "\(scheduler) \(kind) seed=\(seed) shape=\(shape) \(describe(config)) n=\(steps)"
    }

    var testDescription: String { label }

    /// The loop's first sample: diffusers' `dummy_sample_deter` for its shape, else a ramp over [−1, 1).
    func initialSample() -> Tensor {
        if shape == [4, 3, 8, 8] { return dummySampleDeter() }
        let count = shape.reduce(1, *)
        return Tensor(uncheckedShape: shape, scalars: (0..<count).map { Float(2 * ($0 % 97)) / 97 - 1 })
    }
}

/// The ways a loop can call `step`.
enum StepForm: String, CaseIterable, Sendable {
    /// `step(…) -> output`: fresh tensors every step.
    case returning
    /// `step(…, into:)` writing into two buffers the loop swaps, as an allocation-free loop does.
    case into
    /// `step(…, sample: &x)`.
    case inPlace
}

/// The allocation-free step forms of the schedulers under test, behind one interface.
protocol AllocationFreeStepping: DiffusionScheduler {
    /// The `into:` form; `original` receives x₀ (LCM: `denoised`) where the scheduler has one.
    func formStep(
        _ m: Tensor, _ t: Double, _ x: Tensor, _ g: TorchGenerator, into prev: inout Tensor, original: inout Tensor
    ) throws
    /// The in-place form.
    func formStep(_ m: Tensor, _ t: Double, _ x: inout Tensor, _ g: TorchGenerator) throws
}

/// What a loop produced, per step: x_{t−1} and, where the form returns it, x₀.
struct LoopRecord {
    var samples: [[UInt32]] = []
    var originals: [[UInt32]?] = []
    /// Base addresses of the caller's buffers after each step (the sample, then the other buffers of the form).
    var callerStorage: [[UnsafeRawPointer?]] = []
    /// Base addresses of the scheduler's own buffers after each step.
    var schedulerStorage: [Set<UnsafeRawPointer>] = []
}

extension StepFormCase {
    /// A scheduler set up for this case.
    func makeScheduler() throws -> any AllocationFreeStepping {
        let scheduler = try SolverHarness.make(self.scheduler, config)
        try SolverHarness.apply(call, to: scheduler)
        return try #require(scheduler as? any AllocationFreeStepping)
    }

    /// Runs the loop on `scheduler` (timesteps already set) in `form`, drawing from `generator`.
    func run(_ form: StepForm, on scheduler: any AllocationFreeStepping, generator: TorchGenerator) throws -> LoopRecord {
        var (timesteps, sample) = try SolverHarness.start(
            scheduler, kind: kind, at: start, beginIndex: beginIndex, from: initialSample())
        var record = LoopRecord()
        var spare = Tensor.empty, original = Tensor.empty
        for t in timesteps {
            let m = try SolverHarness.modelOutput(scheduler, kind: kind, sample: &sample, at: t, learned: learned)
            switch form {
            case .returning:
                let out = try scheduler.step(modelOutput: m, timestep: t, sample: sample, generator: generator)
                sample = out.prevSample
                record.originals.append(out.predOriginalSample?.scalars.map(\.bitPattern))
            case .into:
                try scheduler.formStep(m, t, sample, generator, into: &spare, original: &original)
                swap(&sample, &spare)
                record.originals.append(original.count == 0 ? nil : original.scalars.map(\.bitPattern))
            case .inPlace:
                try scheduler.formStep(m, t, &sample, generator)
                record.originals.append(nil)
            }
            record.samples.append(sample.scalars.map(\.bitPattern))
            record.callerStorage.append([sample, spare, original].map(\.baseAddress))
            record.schedulerStorage.append(storageAddresses(of: scheduler))
        }
        return record
    }
}

extension Tensor {
    /// The address of the elements' storage (nil when empty).
    var baseAddress: UnsafeRawPointer? {
        scalars.isEmpty ? nil : scalars.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }
    }
}

/// The storage addresses of every non-empty `[Float]` a scheduler holds in its stored properties
/// (tensors, optional tensors and arrays of them included), read by reflection so the tests see
/// the scheduler's real state without hooks in it. The schedule itself (rebuilt by
/// `setTimesteps`) is left out: only per-step storage counts.
func storageAddresses(of scheduler: AnyObject) -> Set<UnsafeRawPointer> {
    let scheduleProperties: Set<String> = ["config", "schedule", "table", "timesteps", "sigmas", "lambdaT", "orderList"]
    var found = Set<UnsafeRawPointer>()
    func visit(_ value: Any) {
        if let floats = value as? [Float] {
            if !floats.isEmpty, let base = floats.withUnsafeBufferPointer({ $0.baseAddress }) {
                found.insert(UnsafeRawPointer(base))
            }
            return
        }
        for child in Mirror(reflecting: value).children { visit(child.value) }
    }
    for child in Mirror(reflecting: scheduler).children where !scheduleProperties.contains(child.label ?? "") {
        visit(child.value)
    }
    return found
}
