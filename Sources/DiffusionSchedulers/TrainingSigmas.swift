/// The training-time sigma table of a VP schedule as the sigma-based schedulers build it:
/// ᾱ (with the zero-SNR floor of 2⁻²⁴ some of them apply), σₜ = √((1 − ᾱₜ)/ᾱₜ) in float32 with
/// torch's sqrt, and numpy's float32 log of it for `_sigma_to_t`.
struct TrainingSigmas: Sendable {
    /// ᾱₜ; the last entry is 2⁻²⁴ instead of 0 when `floorTerminalAlpha` was requested after a zero-SNR rescale.
    let alphasCumprod: [Float]
    /// σₜ = `((1 - ac) / ac) ** 0.5`, ascending in t.
    let sigmas: [Float]
    /// `np.log(sigmas)` in float32.
    let logSigmas: [Float]

    /// Builds the table; `floorTerminalAlpha` is diffusers' `alphas_cumprod[-1] = 2**-24` after a
    /// zero-SNR rescale (Euler, Euler ancestral, DPM-Solver multistep, UniPC).
    init(schedule: NoiseSchedule, floorTerminalAlpha: Bool) {
        var ac = schedule.alphasCumprod
        if floorTerminalAlpha, !ac.isEmpty {
            ac[ac.count - 1] = Float(sign: .plus, exponent: -24, significand: 1)
        }
        alphasCumprod = ac
        sigmas = ac.map { TorchNumerics.sqrt((1 - $0) / $0) }
        logSigmas = sigmas.map(NumpyMath.log)
    }

    /// `_sigma_to_t` against this table.
    func timestep(forSigma sigma: Double) -> Double {
        SigmaConversion.timestep(forSigma: sigma, logSigmas: logSigmas)
    }

    /// σ(0) = `((1 - ac[0]) / ac[0]) ** 0.5`, the `sigma_min` final sigma.
    var smallest: Float { sigmas[0] }
}

/// The shared last part of DPM-Solver's and UniPC's `set_timesteps`: sigmas (float64) and
/// timesteps for the optional Karras / exponential / beta spacing.
enum SolverSigmaSpacing {
    /// Converts the full descending table to `spacing` and maps each sigma back to a timestep;
    /// `round` is diffusers' `.round()` (Karras and Lu, except with the cosine schedule).
    static func convert(
        _ spacing: SigmaSpacing, table: TrainingSigmas, count n: Int, sigmaMin: Double? = nil,
        sigmaMax: Double? = nil, round: Bool
    ) -> (sigmas: [Double], timesteps: [Double]) {
        let sigmas = spacing.convert(
            sigmaMin: sigmaMin ?? Double(table.sigmas[0]), sigmaMax: sigmaMax ?? Double(table.sigmas[table.sigmas.count - 1]),
            count: n)
        let timesteps = sigmas.map { sigma -> Double in
            let t = table.timestep(forSigma: sigma)
            return round ? t.rounded(.toNearestOrEven) : t
        }
        return (sigmas, timesteps)
    }

    /// `torch.from_numpy(float64).to(int64)`: truncation toward zero.
    static func int64(_ values: [Double]) -> [Int] {
        values.map { $0.isFinite ? Int($0.rounded(.towardZero)) : 0 }
    }
}
