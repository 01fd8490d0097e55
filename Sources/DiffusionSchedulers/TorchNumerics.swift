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
    /// `torch.sigmoid` on a float32 value: `1 / (1 + exp(-x))` in float32.
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + Foundation.expf(-x))
    }
}
