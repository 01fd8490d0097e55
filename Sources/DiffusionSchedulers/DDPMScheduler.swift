/// diffusers' `DDPMScheduler` (Ho et al. 2020, arXiv 2006.11239), option for option.
///
/// Matches `diffusers/schedulers/scheduling_ddpm.py` of diffusers 0.42.1: schedules and
/// timesteps are bit-identical, and `step` keeps torch's float32 operation order.
/// A reference type like its Python original: `setTimesteps` changes which timestep comes next.
public final class DDPMScheduler {
    /// The options this scheduler was built from.
    public let config: DDPMSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps.
    public let schedule: NoiseSchedule
    /// The timesteps of the reverse process, descending; all T of them until `setTimesteps` is called.
    public private(set) var timesteps: [Int]
    /// The number of inference steps of the last `setTimesteps(_:)`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// Whether the timesteps came from `setTimesteps(timesteps:)`.
    public private(set) var customTimesteps = false

    /// The standard deviation of the initial noise, 1 for DDPM.
    public let initNoiseSigma: Float = 1

    /// Builds the scheduler; throws when an option is out of range.
    public init(config: DDPMSchedulerConfiguration = DDPMSchedulerConfiguration()) throws(SchedulerError) {
        try SampleProcessing.validate(
            clipSampleRange: config.clipSampleRange, thresholding: config.thresholding,
            dynamicThresholdingRatio: config.dynamicThresholdingRatio, sampleMaxValue: config.sampleMaxValue,
            stepsOffset: config.stepsOffset)
        self.config = config
        self.schedule = try config.noiseSchedule()
        self.timesteps = Array((0..<config.numTrainTimesteps).reversed())
    }

    /// βₜ.
    public var betas: [Float] { schedule.betas }
    /// αₜ = 1 − βₜ.
    public var alphas: [Float] { schedule.alphas }
    /// ᾱₜ.
    public var alphasCumprod: [Float] { schedule.alphasCumprod }

    /// `set_timesteps(num_inference_steps)`: picks `n` timesteps with the configured spacing.
    public func setTimesteps(_ n: Int) throws(SchedulerError) {
        timesteps = try InferenceTimesteps.make(
            numInferenceSteps: n, numTrainTimesteps: config.numTrainTimesteps,
            spacing: config.timestepSpacing, stepsOffset: config.stepsOffset)
        numInferenceSteps = n
        customTimesteps = false
    }

    /// `set_timesteps(timesteps=...)`: uses the given strictly descending timesteps.
    public func setTimesteps(timesteps custom: [Int]) throws(SchedulerError) {
        try InferenceTimesteps.validateCustom(custom, numTrainTimesteps: config.numTrainTimesteps)
        timesteps = custom
        customTimesteps = true
    }

    /// `previous_timestep(t)`: the next entry of `timesteps` (−1 after the last) once timesteps
    /// were set, else `t − 1`.
    public func previousTimestep(_ timestep: Int) throws(SchedulerError) -> Int {
        guard customTimesteps || numInferenceSteps != nil else { return timestep - 1 }
        guard let index = timesteps.firstIndex(of: timestep) else {
            throw SchedulerError(key: "timestep", message: "timestep \(timestep) is not in the scheduler's timesteps")
        }
        return index == timesteps.count - 1 ? -1 : timesteps[index + 1]
    }
}
