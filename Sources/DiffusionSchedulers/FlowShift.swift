import Foundation

/// The timestep shifts of flow-matching schedules (SD3, Flux, Wan, …): the static `shift`, the
/// resolution-dependent `time_shift(mu)`, and the stretch to a terminal value, in numpy float64
/// exactly as diffusers orders the operations.
public enum FlowShift {
    /// The static shift `shift·s / (1 + (shift − 1)·s)`.
    public static func shifted(_ s: Double, shift: Double) -> Double {
        shift * s / (1 + (shift - 1) * s)
    }

    /// `time_shift(mu, 1.0, t)`: exponential `e^μ / (e^μ + (1/t − 1))` or linear `μ / (μ + (1/t − 1))`.
    public static func timeShifted(_ t: Double, mu: Double, type: TimeShiftType) -> Double {
        switch type {
        case .exponential:
            return Foundation.exp(mu) / (Foundation.exp(mu) + (1 / t - 1))
        case .linear:
            return mu / (mu + (1 / t - 1))
        }
    }

    /// `stretch_shift_to_terminal`: rescales 1 − s so that the last value becomes `terminal`.
    public static func stretched(_ sigmas: [Double], terminal: Double) -> [Double] {
        guard let last = sigmas.last else { return sigmas }
        let scale = (1 - last) / (1 - terminal)
        return sigmas.map { 1 - ((1 - $0) / scale) }
    }

    /// The pipelines' `calculate_shift`: μ linear in the image sequence length, from `baseShift`
    /// at `baseSeqLen` tokens to `maxShift` at `maxSeqLen` (Flux and SD3 defaults).
    public static func mu(
        imageSeqLen: Int, baseSeqLen: Int = 256, maxSeqLen: Int = 4096, baseShift: Double = 0.5, maxShift: Double = 1.15
    ) -> Double {
        let m = (maxShift - baseShift) / Double(maxSeqLen - baseSeqLen)
        let b = baseShift - m * Double(baseSeqLen)
        return Double(imageSeqLen) * m + b
    }

    // numpy float32 forms, for user-passed float32 sigmas (numpy 2 keeps Python scalars weak).

    /// The static shift on float32 sigmas.
    static func shifted(_ s: Float, shift: Double) -> Float {
        Float(shift) * s / (1 + Float(shift - 1) * s)
    }

    /// `time_shift` on float32 sigmas.
    static func timeShifted(_ t: Float, mu: Double, type: TimeShiftType) -> Float {
        switch type {
        case .exponential:
            let e = Float(Foundation.exp(mu))
            return e / (e + (1 / t - 1))
        case .linear:
            let m = Float(mu)
            return m / (m + (1 / t - 1))
        }
    }

    /// The terminal stretch on float32 sigmas.
    static func stretched(_ sigmas: [Float], terminal: Double) -> [Float] {
        guard let last = sigmas.last else { return sigmas }
        let scale = (1 - last) / Float(1 - terminal)
        return sigmas.map { 1 - ((1 - $0) / scale) }
    }
}
