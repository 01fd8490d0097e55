/// The interface every scheduler of this library shares, so a sampling loop (or a site
/// directive) can swap DDPM for DPM-Solver++ or UniPC without changing anything else.
///
/// It is the subset of diffusers' `SchedulerMixin` surface that a pipeline's denoising loop
/// uses:
///
/// ```swift
/// try scheduler.setTimesteps(20)
/// var x = noise * scheduler.initNoiseSigma
/// for t in scheduler.timestepValues {
///     let input = try scheduler.scaleModelInput(x, timestep: t)
///     x = try scheduler.step(modelOutput: model(input, t), timestep: t, sample: x, generator: g).prevSample
/// }
/// ```
///
/// Timesteps cross the protocol as `Double`, which holds both the integer timesteps of the
/// DDPM family and the float32 timesteps of the Euler family exactly. Each concrete type also
/// offers diffusers' own typed API (integer or float32 timesteps, extra step arguments,
/// allocation-free `step(…, into:)` variants).
public protocol DiffusionScheduler: AnyObject {
    /// diffusers' class name, e.g. `"DPMSolverMultistepScheduler"`.
    static var className: String { get }
    /// The configuration as diffusers' `scheduler_config.json` keys.
    var configValues: [String: ConfigValue] { get }
    /// diffusers' `order`: model evaluations per step of the schedule (2 for Heun, 1 otherwise).
    var order: Int { get }
    /// The standard deviation of the initial noise the loop starts from (`init_noise_sigma`).
    var initNoiseSigma: Float { get }
    /// The timesteps to iterate, in order, as numbers; the values passed to the model and to `step`.
    var timestepValues: [Double] { get }
    /// `set_timesteps(num_inference_steps)`.
    func setTimesteps(_ numInferenceSteps: Int) throws(SchedulerError)
    /// `scale_model_input`: the model's input at `timestep` (the identity for most schedulers).
    func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor
    /// One reverse step from `timestep`; `generator` supplies the noise of stochastic samplers.
    func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput
}

/// A scheduler that tracks its position in the schedule with a step index, as diffusers'
/// sigma-based schedulers do (`step_index`, `begin_index`, `set_begin_index`).
public protocol StepIndexedScheduler: DiffusionScheduler {
    /// The index of the next step, or nil before the first `step` / `scaleModelInput`.
    var stepIndex: Int? { get }
    /// The index the first step starts from, if `setBeginIndex` was called since `setTimesteps`.
    var beginIndex: Int? { get }
    /// `set_begin_index`: start at this index instead of looking the first timestep up (img2img).
    func setBeginIndex(_ index: Int) throws(SchedulerError)
}

/// What a step returns through ``DiffusionScheduler``: the next sample and, where diffusers
/// returns one, the scheduler's estimate of x₀ (`pred_original_sample`, or LCM's `denoised`).
public struct StepOutput: Sendable, Equatable {
    /// x_{t−1}, the sample to feed the model at the next timestep.
    public var prevSample: Tensor
    /// The x₀ estimate, for the schedulers whose diffusers output has one; nil otherwise.
    public var predOriginalSample: Tensor?

    /// Bundles the tensors.
    public init(prevSample: Tensor, predOriginalSample: Tensor? = nil) {
        self.prevSample = prevSample
        self.predOriginalSample = predOriginalSample
    }
}

extension Tensor {
    /// Storage the fused step loops overwrite completely before reading, so zero-filling it would be wasted work.
    static func uninitializedScalars(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Makes `self` a tensor of `shape` with `count` elements, keeping its storage when it already fits.
    mutating func prepare(shape: [Int], count: Int) {
        if scalars.count != count || self.shape != shape {
            let claim = self.claim
            self = Tensor(uncheckedShape: shape, scalars: Self.uninitializedScalars(count))
            self.claim = claim
        }
    }

    /// An empty placeholder for an output that `prepare` will size.
    static var empty: Tensor { Tensor(uncheckedShape: [0], scalars: []) }

    /// The storage of a `step(…, into:)`: sizes `output` and `original` like this sample (keeping
    /// storage that already fits) and lends the sample, x₀'s and the next sample's elements to
    /// `body`; nothing runs for an empty sample.
    func withStepStorage(
        into output: inout Tensor, original: inout Tensor,
        _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>) -> Void
    ) {
        original.prepare(shape: shape, count: count)
        withStepStorage(into: &output) { x, out in
            original.scalars.withUnsafeMutableBufferPointer { body(x, $0.baseAddress, out) }
        }
    }

    /// The storage of a `step(…, into:)` without x₀: sizes `output` like this sample and lends both.
    func withStepStorage(
        into output: inout Tensor, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    ) {
        output.prepare(shape: shape, count: count)
        scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { out in
                if let x = x.baseAddress, let out = out.baseAddress { body(x, out) }
            }
        }
    }

    /// The storage of an in-place step: the sample's elements, as both what the pass reads and
    /// where it writes (each element is read before it is written).
    mutating func withInPlaceStepStorage(_ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        scalars.withUnsafeMutableBufferPointer { x in
            if let x = x.baseAddress { body(UnsafePointer(x), x) }
        }
    }
}

/// Converts a protocol timestep to the integer timestep of a DDPM-family schedule.
func integerTimestep(_ value: Double, key: String = "timestep") throws(SchedulerError) -> Int {
    guard value.isFinite, value.rounded() == value, abs(value) < 1e15 else {
        throw SchedulerError(key: key, message: "\(key) \(value) is not an integer timestep")
    }
    return Int(value)
}

extension Optional where Wrapped == Tensor {
    /// Moves the tensor out, leaving nil, so the caller holds the only reference and can write
    /// into its storage without a copy.
    mutating func takeValue() -> Tensor? {
        defer { self = nil }
        return self
    }
}

/// The identity of a tensor a returning `step` handed out; see ``OutputRecycler``.
final class OutputClaim: Sendable {}

/// Lets the returning `step` reuse the storage of tensors it returned earlier, once the caller
/// has let go of them.
///
/// Without it, a loop `x = try scheduler.step(…).prevSample` allocates fresh sample-sized tensors
/// every step, and for latents of 256 KB and more glibc returns the freed ones to the kernel, so
/// every step page-faults its outputs in again (about 150 µs on 1×4×128×128, more than
/// diffusers' whole step). The recycler keeps the last few tensors it handed out; one whose
/// claim has no other owner is no longer held as a tensor by anyone, and its storage is written
/// again. Writes go through the array's copy-on-write check, so storage a caller still holds
/// through a copy of `scalars` is copied rather than overwritten: reuse is a guess that can only
/// cost a copy, never change a value the caller sees.
struct OutputRecycler {
    private var handedOut: [Tensor] = []
    /// Enough for the steps that return two tensors, with the caller holding the last pair.
    private static let limit = 6
    /// How many tensors `take` could not find a released one for (tests read it).
    private(set) var created = 0

    /// A tensor whose storage no caller holds any more, or an empty one with a fresh claim.
    mutating func take() -> Tensor {
        for i in handedOut.indices where isKnownUniquelyReferenced(&handedOut[i].claim) {
            return handedOut.remove(at: i)
        }
        var fresh = Tensor.empty
        fresh.claim = OutputClaim()
        created += 1
        return fresh
    }

    /// Keeps a reference to `tensor`, which the step returns, and returns it.
    mutating func handOut(_ tensor: Tensor) -> Tensor {
        handedOut.append(tensor)
        if handedOut.count > Self.limit { handedOut.removeFirst() }
        return tensor
    }
}
