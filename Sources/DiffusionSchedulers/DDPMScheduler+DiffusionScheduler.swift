/// DDPM and DDIM through the shared ``DiffusionScheduler`` interface; their own typed API is unchanged.
extension DDPMScheduler: DiffusionScheduler {
    /// `"DDPMScheduler"`.
    public static var className: String { DDPMSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// One model evaluation per step.
    public var order: Int { 1 }
    /// The integer timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// The identity.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor { sample }
    /// `step` at an integer timestep; the output carries DDPM's x₀ estimate.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        let out: SchedulerOutput = try step(
            modelOutput: modelOutput, timestep: try integerTimestep(timestep), sample: sample, generator: generator)
        return StepOutput(prevSample: out.prevSample, predOriginalSample: out.predOriginalSample)
    }
}

extension DDIMScheduler: DiffusionScheduler {
    /// `"DDIMScheduler"`.
    public static var className: String { DDIMSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// One model evaluation per step.
    public var order: Int { 1 }
    /// The integer timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// The identity.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor { sample }
    /// Deterministic DDIM (η = 0) at an integer timestep; the output carries the x₀ estimate.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        let out: SchedulerOutput = try step(
            modelOutput: modelOutput, timestep: try integerTimestep(timestep), sample: sample, generator: generator)
        return StepOutput(prevSample: out.prevSample, predOriginalSample: out.predOriginalSample)
    }
}
