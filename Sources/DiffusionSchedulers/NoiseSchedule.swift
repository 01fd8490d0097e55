import Foundation

/// The discrete forward-process schedule of a DDPM-family scheduler: βₜ, αₜ = 1 − βₜ and ᾱₜ = ∏ αₛ.
///
/// Built exactly as diffusers 0.42.1 builds `betas`, `alphas` and `alphas_cumprod` in
/// `scheduling_ddpm.py`, so every entry is bit-identical to the float32 torch tensors:
/// torch's fused linspace, float64 accumulation in `cumprod`, and `betas_for_alpha_bar` in
/// double precision with one rounding to float32.
public struct NoiseSchedule: Sendable, Equatable {
    /// The largest `num_train_timesteps` accepted; far beyond any real model, it keeps a typo from exhausting memory.
    public static let maximumTrainTimesteps = 10_000_000

    /// βₜ for t = 0 ..< T.
    public let betas: [Float]
    /// αₜ = 1 − βₜ, in float32.
    public let alphas: [Float]
    /// ᾱₜ = ∏ₛ≤ₜ αₛ, accumulated in float64 and rounded per entry as torch's CPU `cumprod` does.
    public let alphasCumprod: [Float]

    /// Builds the schedule; the arguments are diffusers' constructor arguments of the same names.
    ///
    /// `trainedBetas` takes precedence over `betaSchedule`, and `rescaleBetasZeroSnr` applies
    /// Algorithm 1 of arXiv 2305.08891 so that ᾱ at the last timestep is exactly 0.
    public init(
        numTrainTimesteps: Int = 1000, betaStart: Double = 0.0001, betaEnd: Double = 0.02,
        betaSchedule: BetaSchedule = .linear, trainedBetas: [Double]? = nil,
        rescaleBetasZeroSnr: Bool = false
    ) throws(SchedulerError) {
        guard numTrainTimesteps >= 1, numTrainTimesteps <= Self.maximumTrainTimesteps else {
            throw SchedulerError(
                key: "num_train_timesteps",
                message: "num_train_timesteps must be between 1 and \(Self.maximumTrainTimesteps), not \(numTrainTimesteps)")
        }
        var betas: [Float]
        if let trainedBetas {
            betas = try Self.validatedTrainedBetas(trainedBetas, numTrainTimesteps: numTrainTimesteps)
        } else {
            try Self.validateBetaRange(betaStart, key: "beta_start", schedule: betaSchedule)
            try Self.validateBetaRange(betaEnd, key: "beta_end", schedule: betaSchedule)
            switch betaSchedule {
            case .linear:
                betas = TorchNumerics.linspace(betaStart, betaEnd, count: numTrainTimesteps)
            case .scaledLinear:
                betas = TorchNumerics.linspace(betaStart.squareRoot(), betaEnd.squareRoot(), count: numTrainTimesteps)
                    .map { $0 * $0 }
            case .squaredcosCapV2:
                betas = AlphaBarTransform.cosine.betas(count: numTrainTimesteps)
            case .laplace:
                betas = AlphaBarTransform.laplace.betas(count: numTrainTimesteps)
            case .exp:
                betas = AlphaBarTransform.exp.betas(count: numTrainTimesteps)
            case .sigmoid:
                // The Python scalars become float32 before the tensor ops, as torch does.
                let scale = Float(betaEnd - betaStart)
                let offset = Float(betaStart)
                betas = TorchNumerics.linspace(-6, 6, count: numTrainTimesteps)
                    .map { TorchNumerics.sigmoid($0) * scale + offset }
            }
        }
        if rescaleBetasZeroSnr {
            betas = try Self.rescaleZeroTerminalSnr(betas)
        }
        self.betas = betas
        self.alphas = betas.map { 1 - $0 }
        self.alphasCumprod = TorchNumerics.cumprod(alphas)
    }

    /// The number of training timesteps T.
    public var count: Int { betas.count }

    /// √ᾱₜ, the signal scale αₜ of the VP SDE (float32, as `alphas_cumprod ** 0.5`).
    public var sqrtAlphasCumprod: [Float] { alphasCumprod.map { TorchNumerics.sqrt($0) } }

    /// √(1 − ᾱₜ), the noise scale σₜ of the VP SDE (float32, as `(1 - alphas_cumprod) ** 0.5`).
    public var sqrtOneMinusAlphasCumprod: [Float] { alphasCumprod.map { TorchNumerics.sqrt(1 - $0) } }

    /// σₜ = √((1 − ᾱₜ)/ᾱₜ), the variance-exploding sigma the Euler and DPM schedulers use, in float32
    /// with diffusers' operation order `((1 - ac) / ac) ** 0.5`.
    public var sigmas: [Float] { alphasCumprod.map { TorchNumerics.sqrt((1 - $0) / $0) } }

    /// SNR(t) = ᾱₜ / (1 − ᾱₜ), computed in double from the float32 ᾱₜ (infinite where ᾱₜ = 1, zero where ᾱₜ = 0).
    public var signalToNoiseRatios: [Double] {
        alphasCumprod.map { Double($0) / (1 - Double($0)) }
    }

    /// The log-SNR log(ᾱₜ / (1 − ᾱₜ)), computed in double from the float32 ᾱₜ.
    ///
    /// DPM-Solver's λₜ = log αₜ − log σₜ is half of this; see ``lambdas``.
    public var logSNR: [Double] {
        alphasCumprod.map { Foundation.log(Double($0)) - Foundation.log(1 - Double($0)) }
    }

    /// DPM-Solver's λₜ = log √ᾱₜ − log √(1 − ᾱₜ), half the log-SNR, computed in double from the float32 ᾱₜ.
    public var lambdas: [Double] {
        alphasCumprod.map { 0.5 * (Foundation.log(Double($0)) - Foundation.log(1 - Double($0))) }
    }

    /// diffusers' `rescale_zero_terminal_snr` (arXiv 2305.08891, Algorithm 1) in float32 with torch's operation order.
    static func rescaleZeroTerminalSnr(_ betas: [Float]) throws(SchedulerError) -> [Float] {
        var roots = TorchNumerics.cumprod(betas.map { 1 - $0 }).map { TorchNumerics.sqrt($0) }
        let first = roots[0]
        let last = roots[roots.count - 1]
        guard first != last else {
            throw SchedulerError(
                key: "rescale_betas_zero_snr",
                message: "rescale_betas_zero_snr needs alphas_cumprod to fall over the schedule, but its first and last values are both \(first)")
        }
        // Shift so the last value is zero, then scale (factor computed first, as a 0-dim tensor).
        let scale = first / (first - last)
        for i in roots.indices {
            roots[i] = (roots[i] - last) * scale
        }
        let alphaBars = roots.map { $0 * $0 }
        var alphas = [alphaBars[0]]
        alphas.reserveCapacity(alphaBars.count)
        for i in 1..<alphaBars.count {
            alphas.append(alphaBars[i] / alphaBars[i - 1])
        }
        return alphas.map { 1 - $0 }
    }

    private static func validatedTrainedBetas(_ values: [Double], numTrainTimesteps: Int) throws(SchedulerError) -> [Float] {
        guard values.count == numTrainTimesteps else {
            throw SchedulerError(
                key: "trained_betas",
                message: "trained_betas has \(values.count) values but num_train_timesteps is \(numTrainTimesteps)")
        }
        for (index, value) in values.enumerated() where !(value >= 0 && value <= 1) {
            throw SchedulerError(
                key: "trained_betas",
                message: "trained_betas[\(index)] must be a number in [0, 1], not \(value)")
        }
        return values.map { Float($0) }
    }

    private static func validateBetaRange(_ value: Double, key: String, schedule: BetaSchedule) throws(SchedulerError) {
        switch schedule {
        case .squaredcosCapV2, .laplace, .exp:
            return  // these schedules ignore beta_start and beta_end
        case .linear, .scaledLinear, .sigmoid:
            guard value >= 0, value <= 1 else {
                throw SchedulerError(key: key, message: "\(key) must be a number in [0, 1], not \(value)")
            }
        }
    }
}
