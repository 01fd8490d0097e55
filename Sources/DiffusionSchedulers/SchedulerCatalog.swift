/// What a caller can ask about the schedulers before building one: the configuration keys each
/// class accepts. A site directive uses it to tell a misspelt directive key from a real
/// `scheduler_config.json` key.
public enum SchedulerCatalog {
    /// The configuration keys of each scheduler class this library implements, by diffusers class name.
    public static let keysByClassName: [String: [String]] =
        Dictionary(uniqueKeysWithValues: SchedulerFactory.builders.map { ($0.name, $0.keys) })

    /// Every configuration key of every scheduler class.
    public static let allKeys: Set<String> = Set(keysByClassName.values.joined())

    /// Every configuration key of every diffusers scheduler class this catalog knows, including
    /// classes without a port here (`PNDMScheduler`'s `skip_prk_steps`): the keys a pasted
    /// `scheduler_config.json` may hold.
    public static let diffusersKeys: Set<String> = allKeys.union(DiffusersClassKeys.unportedKeysByClassName.values.joined())

    /// The diffusers classes that are known but not ported, with their configuration keys.
    public static var unportedKeysByClassName: [String: [String]] { DiffusersClassKeys.unportedKeysByClassName }

    /// The diffusers classes, ported or not, whose configuration has `key`, sorted by name.
    public static func classes(withKey key: String) -> [String] {
        let ported = keysByClassName.filter { $0.value.contains(key) }.map(\.key)
        let unported = DiffusersClassKeys.unportedKeysByClassName.filter { $0.value.contains(key) }.map(\.key)
        return (ported + unported).sorted()
    }

    /// `A`, `A and B`, `A, B and C`: class names in a sentence.
    static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}

/// A scheduler built on a discrete variance-preserving noise schedule (βₜ, ᾱₜ over the training
/// timesteps), which it exposes so callers can read σₜ, the log-SNR and the rest.
public protocol NoiseScheduled: DiffusionScheduler {
    /// The training-time noise schedule.
    var schedule: NoiseSchedule { get }
}

extension DDPMScheduler: NoiseScheduled {}
extension DDIMScheduler: NoiseScheduled {}
extension DPMSolverMultistepScheduler: NoiseScheduled {}
extension DPMSolverSinglestepScheduler: NoiseScheduled {}
extension EulerDiscreteScheduler: NoiseScheduled {}
extension EulerAncestralDiscreteScheduler: NoiseScheduled {}
extension HeunDiscreteScheduler: NoiseScheduled {}
extension UniPCMultistepScheduler: NoiseScheduled {}
extension LCMScheduler: NoiseScheduled {}

/// A scheduler that samples along a table of noise levels σ chosen by `set_timesteps`
/// (Karras, exponential, beta or interpolated sigmas, ending with the final sigma).
public protocol SigmaScheduled: DiffusionScheduler {
    /// The inference sigmas, one per timestep plus the final one.
    var sigmas: [Float] { get }
}

extension DPMSolverMultistepScheduler: SigmaScheduled {}
extension DPMSolverSinglestepScheduler: SigmaScheduled {}
extension EulerDiscreteScheduler: SigmaScheduled {}
extension EulerAncestralDiscreteScheduler: SigmaScheduled {}
extension HeunDiscreteScheduler: SigmaScheduled {}
extension UniPCMultistepScheduler: SigmaScheduled {}
extension FlowMatchEulerDiscreteScheduler: SigmaScheduled {}

/// A scheduler whose `set_timesteps` takes diffusers' `mu`: the resolution-dependent shift of
/// flow-matching schedules (`use_dynamic_shifting`), which pipelines compute from the image size.
public protocol DynamicShiftingScheduler: DiffusionScheduler {
    /// `set_timesteps(num_inference_steps, mu=…)`; `mu` is required when `use_dynamic_shifting` is on.
    func setTimesteps(_ numInferenceSteps: Int, mu: Double?) throws(SchedulerError)
}

extension FlowMatchEulerDiscreteScheduler: DynamicShiftingScheduler {}
extension DPMSolverMultistepScheduler: DynamicShiftingScheduler {}
extension DPMSolverSinglestepScheduler: DynamicShiftingScheduler {}
extension UniPCMultistepScheduler: DynamicShiftingScheduler {}
