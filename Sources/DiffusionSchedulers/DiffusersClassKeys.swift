/// The configuration keys of diffusers scheduler classes this library does not port, so that a
/// `scheduler_config.json` written for one of them (Stable Diffusion 1.x ships `PNDMScheduler`'s)
/// can be built with a ported class the way `DDIMScheduler.from_config(pipe.scheduler.config)`
/// does: the other class's keys are recognised and ignored, while a key no class has stays an
/// error. Read from the `__init__` signatures of diffusers 0.42.1.
enum DiffusersClassKeys {
    /// Keys by diffusers class name, for the classes without a port here.
    static let unportedKeysByClassName: [String: [String]] = [
        "PNDMScheduler": [
            "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "skip_prk_steps",
            "set_alpha_to_one", "prediction_type", "timestep_spacing", "steps_offset",
        ],
        "LMSDiscreteScheduler": [
            "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "use_karras_sigmas",
            "use_exponential_sigmas", "use_beta_sigmas", "prediction_type", "timestep_spacing", "steps_offset",
        ],
        "KDPM2DiscreteScheduler": [
            "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "use_karras_sigmas",
            "use_exponential_sigmas", "use_beta_sigmas", "prediction_type", "timestep_spacing", "steps_offset",
        ],
        "KDPM2AncestralDiscreteScheduler": [
            "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "use_karras_sigmas",
            "use_exponential_sigmas", "use_beta_sigmas", "prediction_type", "timestep_spacing", "steps_offset",
        ],
        "DEISMultistepScheduler": [
            "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "solver_order",
            "prediction_type", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "algorithm_type",
            "solver_type", "lower_order_final", "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas",
            "use_flow_sigmas", "flow_shift", "timestep_spacing", "steps_offset", "use_dynamic_shifting", "time_shift_type",
        ],
        "SASolverScheduler": [
            "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "predictor_order",
            "corrector_order", "prediction_type", "tau_func", "thresholding", "dynamic_thresholding_ratio",
            "sample_max_value", "algorithm_type", "lower_order_final", "use_karras_sigmas", "use_exponential_sigmas",
            "use_beta_sigmas", "use_flow_sigmas", "flow_shift", "lambda_min_clipped", "variance_type",
            "timestep_spacing", "steps_offset",
        ],
        "EDMEulerScheduler": [
            "sigma_min", "sigma_max", "sigma_data", "sigma_schedule", "num_train_timesteps", "prediction_type", "rho",
            "final_sigmas_type",
        ],
        "EDMDPMSolverMultistepScheduler": [
            "sigma_min", "sigma_max", "sigma_data", "sigma_schedule", "num_train_timesteps", "prediction_type", "rho",
            "solver_order", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "algorithm_type",
            "solver_type", "lower_order_final", "euler_at_final", "final_sigmas_type",
        ],
    ]
}

/// What the factory does with a configuration key that is not one of the class's own.
public enum UnknownKeyPolicy: Sendable, Hashable {
    /// diffusers' `from_config`: a key of another diffusers scheduler class (`skip_prk_steps` of
    /// `PNDMScheduler` given to `DDIMScheduler`) is ignored, and ``SchedulerFactory/ignoredKeys(className:config:)``
    /// names it; a key that no class has is still an error with a "did you mean". The default.
    case ignoreOtherClasses
    /// Every key must be the class's own; another class's key is an error naming both classes.
    case strict
}

/// A configuration key that a class ignored because it belongs to other diffusers scheduler classes.
public struct IgnoredConfigurationKey: Sendable, Hashable, CustomStringConvertible {
    /// The key, e.g. `"skip_prk_steps"`.
    public var key: String
    /// The class that was built and ignored it, e.g. `"DDIMScheduler"`.
    public var className: String
    /// The diffusers classes that do have the key, sorted, e.g. `["PNDMScheduler"]`.
    public var owners: [String]

    /// A key `className` ignored, with the classes that have it.
    public init(key: String, className: String, owners: [String]) {
        self.key = key
        self.className = className
        self.owners = owners
    }

    /// `'skip_prk_steps' is a key of PNDMScheduler, not of DDIMScheduler: ignored, as diffusers' from_config ignores it`.
    public var description: String {
        "'\(key)' is a key of \(SchedulerCatalog.list(owners)), not of \(className): ignored, as diffusers' from_config ignores it"
    }
}
