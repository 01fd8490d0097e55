/// The `timestep_spacing` option: how `set_timesteps(n)` picks n of the T training timesteps
/// (Table 2 of arXiv 2305.08891).
public enum TimestepSpacing: String, Sendable, Codable, CaseIterable {
    /// `round(np.linspace(0, T - 1, n))`, reversed: both ends included.
    case linspace
    /// `arange(n) * (T // n) + steps_offset`, reversed: starts at 0, may never reach T − 1.
    case leading
    /// `round(np.arange(T, 0, -T / n)) - 1`: ends at T − 1, may never reach 0.
    case trailing

    /// The descending inference timesteps of diffusers' DDPM/DDIM `set_timesteps` ("family A").
    ///
    /// numpy computes in float64 and rounds half to even; `.astype(int64)` then truncates.
    func ddpmTimesteps(numInferenceSteps n: Int, numTrainTimesteps t: Int, stepsOffset: Int) -> [Int] {
        switch self {
        case .linspace:
            return TorchNumerics.numpyLinspace(0, Double(t - 1), count: n)
                .map { Int($0.rounded(.toNearestOrEven)) }
                .reversed()
        case .leading:
            let ratio = t / n
            return (0..<n).reversed().map { $0 * ratio + stepsOffset }
        case .trailing:
            let ratio = Double(t) / Double(n)
            return TorchNumerics.numpyArange(Double(t), 0, step: -ratio)
                .map { Int($0.rounded(.toNearestOrEven)) - 1 }
        }
    }

    /// The Euler-family `init_noise_sigma`: the largest sigma (`linspace`, `trailing`), or
    /// √(σ_max² + 1) for `leading`, in float32.
    func initNoiseSigma(sigmas: [Float]) -> Float {
        let largest = TorchReduction.max(sigmas)
        switch self {
        case .linspace, .trailing: return largest
        case .leading: return TorchNumerics.sqrt(largest * largest + 1)
        }
    }
}
