import Foundation

/// Re-implementations of the few torch and numpy kernels whose exact rounding the schedules depend on.
///
/// Each function reproduces the reference bit for bit; the comments say which kernel and why
/// the obvious formula would not do.
enum TorchNumerics {
    /// `torch.linspace(start, end, n, dtype=float32)` on CPU.
    ///
    /// torch computes the first half forwards from `start` and the second half backwards from
    /// `end`, and GCC contracts `start + step * i` into a fused multiply-add; the unfused formula
    /// differs in hundreds of entries.
    static func linspace(_ start: Double, _ end: Double, count n: Int) -> [Float] {
        guard n > 0 else { return [] }
        let first = Float(start)
        let last = Float(end)
        guard n > 1 else { return [first] }
        let step = (last - first) / Float(n - 1)
        let halfway = n / 2
        return (0..<n).map { i in
            i < halfway
                ? first.addingProduct(step, Float(i))
                : last.addingProduct(-step, Float(n - 1 - i))
        }
    }

    /// `torch.cumprod(x, 0)` for float32 on CPU, which accumulates in float64 and rounds each output.
    static func cumprod(_ values: [Float]) -> [Float] {
        var accumulator = 1.0
        return values.map { value in
            accumulator *= Double(value)
            return Float(accumulator)
        }
    }

    /// numpy's `np.linspace(start, stop, n)` in float64: `i * step + start`, last element exactly `stop`.
    static func numpyLinspace(_ start: Double, _ stop: Double, count n: Int) -> [Double] {
        guard n > 0 else { return [] }
        guard n > 1 else { return [start] }
        let delta = stop - start
        let step = delta / Double(n - 1)
        var out: [Double]
        if step == 0 {
            // numpy divides first and multiplies by delta when the step underflows to zero.
            out = (0..<n).map { Double($0) / Double(n - 1) * delta + start }
        } else {
            out = (0..<n).map { Double($0) * step + start }
        }
        out[n - 1] = stop
        return out
    }

    /// numpy's `np.arange(start, stop, step)` for a float step: length `ceil((stop - start) / step)`,
    /// values `start + i * (a[1] - a[0])`, which is how numpy fills the array.
    static func numpyArange(_ start: Double, _ stop: Double, step: Double) -> [Double] {
        let length = ((stop - start) / step).rounded(.up)
        guard length.isFinite, length > 0 else { return [] }
        let n = Int(length)
        let second = start + step
        let delta = second - start
        return (0..<n).map { i in
            switch i {
            case 0: start
            case 1: second
            default: start + Double(i) * delta
            }
        }
    }
}

extension TorchNumerics {
    /// `torch.sigmoid` on float32: torch's vectorised `1 / (1 + exp(0 - x))` with Sleef's exp.
    static func sigmoid(_ x: Float) -> Float {
        1 / (SleefMath.exp(0 - x) + 1)
    }
}

extension TorchNumerics {
    /// `torch.clamp(x, lo, hi)` for lo ≤ hi: NaN passes through, as in torch.
    ///
    /// Written as two selects so each compiles to one `maxps`/`minps`, which keep NaN.
    @inline(__always)
    static func clamp(_ x: Float, _ lo: Float, _ hi: Float) -> Float {
        let above = x < lo ? lo : x
        return above > hi ? hi : above
    }

    /// `torch.sqrt(x)` / `x ** 0.5` on float32 as the reference torch build computes it.
    ///
    /// CPU torch hands float32 sqrt to MKL VML. On the AMD EPYC machines the reference values
    /// come from, MKL runs its SSE kernel: `rsqrtps`, then one Goldschmidt refinement in float32.
    /// That is faithfully but not correctly rounded (about 20% of results differ from IEEE sqrt by
    /// one ulp), and the differences are amplified wherever diffusers subtracts nearly equal terms,
    /// e.g. `(sample - beta_prod_t ** 0.5 * model_output)` at t = 999. The instruction's table is in
    /// ``ReciprocalSquareRootTable``; inputs outside the kernel's fast range (zero, subnormal,
    /// negative, near overflow, non-finite) take MKL's exact path, which IEEE sqrt reproduces.
    @inline(__always)
    static func sqrt(_ x: Float) -> Float {
        let bits = x.bitPattern
        guard bits >= 0x0080_0000, bits <= 0x7F7F_F000 else { return x.squareRoot() }
        let exponent = Int(bits >> 23) - 127
        let half = exponent >> 1  // floor division: x = m · 4^half with m in [1, 4)
        let key = (exponent - 2 * half) << 12 | Int((bits & 0x7F_FFFF) >> 11)
        let r = Float(bitPattern: UInt32(truncatingIfNeeded: Int(reciprocalSquareRoots[key]) - (half << 23)))
        // MKL's refinement, one float32 rounding per operation (SSE, no fused multiply-add).
        let g = x * r
        let h = r * 0.5
        let t = 0.5 - g * h
        let g1 = g * t + g
        let h1 = h * t + h
        let d = x - g1 * g1
        return d * h1 + g1
    }

    /// The parsed `rsqrtps` table.
    static let reciprocalSquareRoots: [UInt32] = {
        let digits = Array(ReciprocalSquareRootTable.hex.utf8.filter { $0 != UInt8(ascii: "\n") })
        return stride(from: 0, to: digits.count, by: 8).map { start in
            digits[start..<start + 8].reduce(UInt32(0)) { value, digit in
                let nibble = digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10
                return value << 4 | UInt32(nibble)
            }
        }
    }()

    /// `torch.quantile(v, q)` (linear interpolation) for one row, sorting `values` in place.
    ///
    /// torch computes the rank in float32 and interpolates with `lerp`, whose vectorised form
    /// is one fused multiply-add from the nearer end.
    static func quantile(sorting values: inout [Float], _ q: Float) -> Float {
        guard !values.isEmpty else { return .nan }
        values.sort { $0 < $1 || ($1.isNaN && !$0.isNaN) }
        if values.last!.isNaN { return .nan }
        let rank = q * Float(values.count - 1)
        let below = Int(rank)
        let above = Int(rank.rounded(.up))
        let weight = rank - Float(below)
        return lerp(values[below], values[Swift.min(above, values.count - 1)], weight)
    }

    /// torch's `lerp(start, end, weight)`.
    static func lerp(_ start: Float, _ end: Float, _ weight: Float) -> Float {
        abs(weight) < 0.5
            ? start.addingProduct(weight, end - start)
            : end.addingProduct(weight - 1, end - start)
    }
}
