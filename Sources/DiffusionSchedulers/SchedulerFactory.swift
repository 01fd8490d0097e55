/// Builds any scheduler of this library from a diffusers class name and configuration, so a
/// directive or a `scheduler_config.json` can pick the sampler at run time.
public enum SchedulerFactory {
    /// The diffusers class names this library implements.
    public static var classNames: [String] { builders.map(\.name) }

    /// A scheduler of class `className` (e.g. `"EulerDiscreteScheduler"`) with the given options.
    public static func make(className: String, config values: [String: ConfigValue] = [:]) throws(SchedulerError)
        -> any DiffusionScheduler
    {
        guard let builder = builders.first(where: { $0.name == className }) else {
            throw SchedulerError(
                key: "_class_name", message: "unknown scheduler class '\(className)'",
                suggestion: ConfigurationReader.closest(to: className, among: classNames))
        }
        return try builder.make(values)
    }

    /// A scheduler from a `scheduler_config.json` dictionary, whose `_class_name` names the class.
    public static func make(config values: [String: ConfigValue]) throws(SchedulerError) -> any DiffusionScheduler {
        guard case .string(let name)? = values["_class_name"] else {
            throw SchedulerError(key: "_class_name", message: "the configuration has no '_class_name'")
        }
        return try make(className: name, config: values)
    }

    /// One scheduler class: its name, its configuration keys and how to build it.
    struct Builder: Sendable {
        let name: String
        let keys: [String]
        let make: @Sendable ([String: ConfigValue]) throws(SchedulerError) -> any DiffusionScheduler

        init<S: ConfiguredScheduler>(_: S.Type) {
            name = S.Configuration.className
            keys = S.Configuration.keys
            make = { values throws(SchedulerError) in try S(config: S.Configuration(values: values)) }
        }
    }

    /// Every class of the library, once: the factory builds from it and the catalog lists it.
    static let builders: [Builder] = [
        Builder(DDPMScheduler.self), Builder(DDIMScheduler.self),
        Builder(DPMSolverMultistepScheduler.self), Builder(DPMSolverSinglestepScheduler.self),
        Builder(EulerDiscreteScheduler.self), Builder(EulerAncestralDiscreteScheduler.self),
        Builder(HeunDiscreteScheduler.self), Builder(UniPCMultistepScheduler.self),
        Builder(LCMScheduler.self), Builder(FlowMatchEulerDiscreteScheduler.self),
    ]
}

/// A scheduler built from its own configuration type (the factory's way to build any class).
protocol ConfiguredScheduler: DiffusionScheduler, SendableMetatype {
    associatedtype Configuration: SchedulerConfiguration
    init(config: Configuration) throws(SchedulerError)
}

extension DDPMScheduler: ConfiguredScheduler {}
extension DDIMScheduler: ConfiguredScheduler {}
extension DPMSolverMultistepScheduler: ConfiguredScheduler {}
extension DPMSolverSinglestepScheduler: ConfiguredScheduler {}
extension EulerDiscreteScheduler: ConfiguredScheduler {}
extension EulerAncestralDiscreteScheduler: ConfiguredScheduler {}
extension HeunDiscreteScheduler: ConfiguredScheduler {}
extension UniPCMultistepScheduler: ConfiguredScheduler {}
extension LCMScheduler: ConfiguredScheduler {}
extension FlowMatchEulerDiscreteScheduler: ConfiguredScheduler {}
