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

    private struct Builder: Sendable {
        let name: String
        let make: @Sendable ([String: ConfigValue]) throws(SchedulerError) -> any DiffusionScheduler
    }

    private static let builders: [Builder] = [
        Builder(name: DDPMSchedulerConfiguration.className) { values throws(SchedulerError) in
            try DDPMScheduler(config: DDPMSchedulerConfiguration(values: values))
        },
        Builder(name: DDIMSchedulerConfiguration.className) { values throws(SchedulerError) in
            try DDIMScheduler(config: DDIMSchedulerConfiguration(values: values))
        },
        Builder(name: DPMSolverMultistepSchedulerConfiguration.className) { values throws(SchedulerError) in
            try DPMSolverMultistepScheduler(config: DPMSolverMultistepSchedulerConfiguration(values: values))
        },
        Builder(name: DPMSolverSinglestepSchedulerConfiguration.className) { values throws(SchedulerError) in
            try DPMSolverSinglestepScheduler(config: DPMSolverSinglestepSchedulerConfiguration(values: values))
        },
        Builder(name: EulerDiscreteSchedulerConfiguration.className) { values throws(SchedulerError) in
            try EulerDiscreteScheduler(config: EulerDiscreteSchedulerConfiguration(values: values))
        },
        Builder(name: EulerAncestralDiscreteSchedulerConfiguration.className) { values throws(SchedulerError) in
            try EulerAncestralDiscreteScheduler(config: EulerAncestralDiscreteSchedulerConfiguration(values: values))
        },
        Builder(name: HeunDiscreteSchedulerConfiguration.className) { values throws(SchedulerError) in
            try HeunDiscreteScheduler(config: HeunDiscreteSchedulerConfiguration(values: values))
        },
        Builder(name: UniPCMultistepSchedulerConfiguration.className) { values throws(SchedulerError) in
            try UniPCMultistepScheduler(config: UniPCMultistepSchedulerConfiguration(values: values))
        },
        Builder(name: LCMSchedulerConfiguration.className) { values throws(SchedulerError) in
            try LCMScheduler(config: LCMSchedulerConfiguration(values: values))
        },
        Builder(name: FlowMatchEulerDiscreteSchedulerConfiguration.className) { values throws(SchedulerError) in
            try FlowMatchEulerDiscreteScheduler(config: FlowMatchEulerDiscreteSchedulerConfiguration(values: values))
        },
    ]
}
