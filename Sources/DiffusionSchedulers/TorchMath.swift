import Foundation

/// torch's float32 transcendental kernels as the reference build (x86-64, AVX512, MKL) runs
/// them on 0-dim tensors, for the solver coefficients of DPM-Solver, UniPC and friends.
///
/// Measured on 2.5–3 million inputs each against torch 2.15:
/// - `torch.expm1` is Sleef's `expm1f_u10`: ported bit for bit (``SleefMath/expm1(_:)``).
/// - `torch.exp` and `torch.log` go to MKL's VML (`vsExp`, `vsLn`), whose kernels are not
///   public. Correct rounding (through double) agrees with them on 99.2% of inputs and is
///   within 1 ulp on the rest, closer than Sleef's or glibc's float routines; these
///   coefficients are therefore rated "≤ 1 ulp", not bit-exact.
/// - `torch.sqrt` / `x ** 0.5` is MKL's `rsqrtps`-based kernel, emulated exactly by
///   ``TorchNumerics/sqrt(_:)``.
enum TorchMath {
    /// `torch.exp` on a float32 scalar (≤ 1 ulp from torch).
    @inline(__always)
    static func exp(_ x: Float) -> Float { Float(Foundation.exp(Double(x))) }

    /// `torch.log` on a float32 scalar (≤ 1 ulp from torch).
    @inline(__always)
    static func log(_ x: Float) -> Float { Float(Foundation.log(Double(x))) }

    /// `torch.expm1` on a float32 scalar (bit-exact).
    @inline(__always)
    static func expm1(_ x: Float) -> Float { SleefMath.expm1(x) }

    /// `torch.sqrt` / `x ** 0.5` on a float32 scalar (bit-exact).
    @inline(__always)
    static func sqrt(_ x: Float) -> Float { TorchNumerics.sqrt(x) }

    /// `torch.pow(x, n)` for a small integer exponent, with torch's special cases
    /// (0 → 1, 1 → x, 2 → x·x, 3 → x·x·x, −1 → 1/x, −2 → 1/(x·x)); other exponents use `powf`.
    static func pow(_ x: Float, _ n: Int) -> Float {
        switch n {
        case 0: return 1
        case 1: return x
        case 2: return x * x
        case 3: return x * x * x
        case -1: return 1 / x
        case -2: return 1 / (x * x)
        default: return Foundation.powf(x, Float(n))
        }
    }
}

extension NumpyMath {
    /// `np.interp(x, xp, fp)` for increasing `xp`, in double as numpy's C loop computes it: an exact
    /// match of a knot returns its value, otherwise `slope · (x − xp[j]) + fp[j]`; outside the knots
    /// the end values.
    static func interp(_ x: Double, xp: [Double], fp: [Double]) -> Double {
        let n = xp.count
        guard n > 1 else { return fp.first ?? .nan }
        if x.isNaN { return x }
        if x > xp[n - 1] { return fp[n - 1] }
        if x < xp[0] { return fp[0] }
        if x == xp[n - 1] { return fp[n - 1] }
        // The last j with xp[j] <= x.
        var lo = 0, hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if xp[mid] <= x { lo = mid } else { hi = mid }
        }
        let j = lo
        if xp[j] == x { return fp[j] }
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        var result = slope * (x - xp[j]) + fp[j]
        if result.isNaN {
            // numpy retries from the right knot, then falls back to a flat segment's value.
            result = slope * (x - xp[j + 1]) + fp[j + 1]
            if result.isNaN && fp[j] == fp[j + 1] { result = fp[j] }
        }
        return result
    }

    /// `np.interp(x, np.arange(len(table)), table)` for the float32 sigma table, as diffusers calls it.
    static func interpOverIndices(_ x: Double, _ table: [Float]) -> Double {
        let n = table.count
        guard n > 1 else { return table.first.map(Double.init) ?? .nan }
        if x.isNaN { return x }
        if x >= Double(n - 1) { return Double(table[n - 1]) }
        if x < 0 { return Double(table[0]) }
        let j = Int(x.rounded(.down))
        if Double(j) == x { return Double(table[j]) }
        let f0 = Double(table[j]), f1 = Double(table[j + 1])
        let slope = (f1 - f0) / 1.0
        var result = slope * (x - Double(j)) + f0
        if result.isNaN {
            result = slope * (x - Double(j + 1)) + f1
            if result.isNaN && f0 == f1 { result = f0 }
        }
        return result
    }
}
