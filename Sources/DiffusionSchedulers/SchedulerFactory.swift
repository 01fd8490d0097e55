/// Builds any scheduler of this library from a diffusers class name and configuration, so a
/// directive or a `scheduler_config.json` can pick the sampler at run time.
public enum SchedulerFactory {
    /// The diffusers class names this library implements.
    public static var classNames: [String] { builders.map(\.name) }

    /// A scheduler of class `className` (e.g. `"EulerDiscreteScheduler"`) with the given options.
    ///
    /// With the default policy, keys of other diffusers scheduler classes are ignored as
    /// diffusers' `from_config` ignores them (ask ``ignoredKeys(className:config:)`` which), so
    /// Stable Diffusion 1.5's `PNDMScheduler` configuration builds a `DDIMScheduler`; a key no
    /// class has throws with a "did you mean". `.strict` refuses every key that is not the class's own.
    public static func make(
        className: String, config values: [String: ConfigValue] = [:], unknownKeys: UnknownKeyPolicy = .ignoreOtherClasses
    ) throws(SchedulerError) -> any DiffusionScheduler {
        let builder = try builder(named: className)
        switch unknownKeys {
        case .strict:
            return try builder.make(values)
        case .ignoreOtherClasses:
            let ignored = Set(ignoredKeys(of: builder, in: values).map(\.key))
            return try builder.make(values.filter { !ignored.contains($0.key) })
        }
    }

    /// A scheduler from a `scheduler_config.json` dictionary, whose `_class_name` names the class.
    ///
    /// A class this library does not port (`PNDMScheduler`) is an error that says so: pick a
    /// class with ``make(className:config:unknownKeys:)`` instead, as
    /// `DDIMScheduler.from_config(config)` does in diffusers.
    public static func make(config values: [String: ConfigValue], unknownKeys: UnknownKeyPolicy = .ignoreOtherClasses)
        throws(SchedulerError) -> any DiffusionScheduler
    {
        guard case .string(let name)? = values["_class_name"] else {
            throw SchedulerError(key: "_class_name", message: "the configuration has no '_class_name'")
        }
        return try make(className: name, config: values, unknownKeys: unknownKeys)
    }

    /// The keys of `values` that `make(className:config:)` ignores under the default policy because
    /// they belong to other diffusers scheduler classes, sorted by key; empty for an unknown class.
    public static func ignoredKeys(className: String, config values: [String: ConfigValue]) -> [IgnoredConfigurationKey] {
        guard let builder = try? builder(named: className) else { return [] }
        return ignoredKeys(of: builder, in: values)
    }

    private static func ignoredKeys(of builder: Builder, in values: [String: ConfigValue]) -> [IgnoredConfigurationKey] {
        values.keys.sorted().compactMap { key in
            guard !builder.keys.contains(key), !ConfigurationReader.metadataKeys.contains(key) else { return nil }
            let owners = SchedulerCatalog.classes(withKey: key)
            return owners.isEmpty ? nil : IgnoredConfigurationKey(key: key, className: builder.name, owners: owners)
        }
    }

    /// The builder of `className`; a diffusers class without a port, or a misspelt class, throws.
    private static func builder(named className: String) throws(SchedulerError) -> Builder {
        if let builder = builders.first(where: { $0.name == className }) { return builder }
        if SchedulerCatalog.unportedKeysByClassName[className] != nil {
            throw SchedulerError(
                key: "_class_name",
                message: "DiffusionSchedulers has no port of \(className); name a class it has, as DDIMScheduler.from_config(config) does in diffusers")
        }
        throw SchedulerError(
            key: "_class_name", message: "unknown scheduler class '\(className)'",
            suggestion: ConfigurationReader.closest(to: className, among: classNames))
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
