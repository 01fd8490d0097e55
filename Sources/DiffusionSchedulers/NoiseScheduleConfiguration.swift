/// A configuration with diffusers' noise-schedule options (`num_train_timesteps`, `beta_start`,
/// `beta_end`, `beta_schedule`, `trained_betas`, `rescale_betas_zero_snr`).
///
/// Every DDPM-family scheduler reads these the same way and builds its ``NoiseSchedule`` from
/// them; the shared fields and builder live here so that each configuration only lists them.
protocol NoiseScheduleConfiguration: SchedulerConfiguration {
    /// `num_train_timesteps`.
    var numTrainTimesteps: Int { get set }
    /// `beta_start`.
    var betaStart: Double { get set }
    /// `beta_end`.
    var betaEnd: Double { get set }
    /// `beta_schedule`.
    var betaSchedule: BetaSchedule { get set }
    /// `trained_betas`.
    var trainedBetas: [Double]? { get set }
    /// `rescale_betas_zero_snr`; false for schedulers without the option.
    var rescaleBetasZeroSnr: Bool { get }
    /// Rejects a `beta_schedule` the scheduler does not implement when its schedule is built.
    func checkBetaScheduleForNoiseSchedule() throws(SchedulerError)
}

extension NoiseScheduleConfiguration {
    /// Schedulers without `rescale_betas_zero_snr` (DPM-Solver singlestep) never rescale.
    var rescaleBetasZeroSnr: Bool { false }

    /// Most schedulers check `beta_schedule` in `validate()` instead.
    func checkBetaScheduleForNoiseSchedule() throws(SchedulerError) {}

    /// The noise schedule these options describe.
    func noiseSchedule() throws(SchedulerError) -> NoiseSchedule {
        try checkBetaScheduleForNoiseSchedule()
        return try NoiseSchedule(
            numTrainTimesteps: numTrainTimesteps, betaStart: betaStart, betaEnd: betaEnd,
            betaSchedule: betaSchedule, trainedBetas: trainedBetas, rescaleBetasZeroSnr: rescaleBetasZeroSnr)
    }
}

extension ConfigurationField where Root: NoiseScheduleConfiguration {
    /// `num_train_timesteps`, `beta_start`, `beta_end`, `beta_schedule` and `trained_betas`, in diffusers' order.
    static var noiseSchedule: [Self] { [.numTrainTimesteps, .betaStart, .betaEnd, .betaSchedule, .trainedBetas] }
    /// `num_train_timesteps`.
    static var numTrainTimesteps: Self { .int("num_train_timesteps", \.numTrainTimesteps) }
    /// `beta_start`.
    static var betaStart: Self { .double("beta_start", \.betaStart) }
    /// `beta_end`.
    static var betaEnd: Self { .double("beta_end", \.betaEnd) }
    /// `beta_schedule`.
    static var betaSchedule: Self { .option("beta_schedule", \.betaSchedule) }
    /// `trained_betas`.
    static var trainedBetas: Self { .doubleArray("trained_betas", \.trainedBetas) }
}
