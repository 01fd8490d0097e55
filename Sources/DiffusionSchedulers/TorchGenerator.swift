import Foundation

/// A seeded random generator that reproduces CPU `torch.manual_seed(seed)` + `torch.randn(shape)` bit for bit.
///
/// torch's CPU generator is an mt19937 whose normal samples come from two different paths:
/// tensors of 16 or more float32 values use the vectorised Box–Muller kernel (float32 Cephes
/// `log`/`sincos` polynomials, in blocks of 16, redrawing the last 16 when the count is not a
/// multiple of 16); smaller tensors draw one double-precision normal per element and cache the
/// second normal of each pair *in the generator*. Both are reproduced here, including that cache,
/// so a Swift sampler given the same seed draws exactly the noise diffusers draws.
///
/// The vectorised path is the x86-64 (AVX2) kernel; arm64 builds of torch use a different one.
public final class TorchGenerator {
    private var state = [UInt32](repeating: 0, count: 624)
    private var left = 1
    private var next = 0
    private var cachedNormal: Double?

    /// A generator in the state `torch.manual_seed(seed)` leaves it in.
    public init(seed: UInt64) {
        manualSeed(seed)
    }

    /// `torch.manual_seed(seed)`: reseeds and clears the cached normal.
    public func manualSeed(_ seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<624 {
            state[j] = 1_812_433_253 &* (state[j - 1] ^ (state[j - 1] >> 30)) &+ UInt32(j)
        }
        left = 1
        next = 0
        cachedNormal = nil
    }

    /// The next 32-bit output of the mt19937 engine (`CPUGeneratorImpl::random()`).
    public func random32() -> UInt32 {
        left -= 1
        if left <= 0 { reload() }
        var y = state[next]
        next += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// Two outputs as one 64-bit value, the first in the high word (`CPUGeneratorImpl::random64()`).
    public func random64() -> UInt64 {
        let high = UInt64(random32())
        let low = UInt64(random32())
        return high << 32 | low
    }

    /// `torch.randn(shape)` in float32.
    public func randn(shape: [Int]) throws(SchedulerError) -> Tensor {
        let count = try Tensor.elementCount(of: shape)
        return Tensor(uncheckedShape: shape, scalars: randn(count: count))
    }

    /// `torch.randn(count)` in float32.
    public func randn(count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: max(count, 0)) { buffer, initialized in
            fillNormal(buffer)
            initialized = buffer.count
        }
    }

    /// Fills `buffer` as `torch.randn(buffer.count)` would.
    func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>) {
        let n = buffer.count
        guard n > 0 else { return }
        if n >= 16 {
            for i in 0..<n { buffer[i] = uniformFloat() }
            var base = 0
            while base + 16 <= n {
                Self.normalFill16(buffer, base)
                base += 16
            }
            if n % 16 != 0 {
                // torch redraws the last 16 uniforms and transforms them again, overwriting the tail.
                for i in (n - 16)..<n { buffer[i] = uniformFloat() }
                Self.normalFill16(buffer, n - 16)
            }
        } else {
            for i in 0..<n { buffer[i] = Float(nextDoubleNormal()) }
        }
    }

    // MARK: - Engine

    private func reload() {
        let n = 624, m = 397
        @inline(__always) func twist(_ u: UInt32, _ v: UInt32) -> UInt32 {
            let mixed = (u & 0x8000_0000) | (v & 0x7FFF_FFFF)
            return (mixed >> 1) ^ ((v & 1) != 0 ? 0x9908_B0DF : 0)
        }
        state.withUnsafeMutableBufferPointer { s in
            for k in 0..<(n - m) { s[k] = s[k + m] ^ twist(s[k], s[k + 1]) }
            for k in (n - m)..<(n - 1) { s[k] = s[k + m - n] ^ twist(s[k], s[k + 1]) }
            s[n - 1] = s[m - 1] ^ twist(s[n - 1], s[0])
        }
        left = n
        next = 0
    }

    private func uniformFloat() -> Float {
        Float(random32() & 0xFF_FFFF) * (1.0 / 16_777_216.0)
    }

    private func uniformDouble() -> Double {
        Double(random64() & 0x1F_FFFF_FFFF_FFFF) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `at::normal_distribution<double>` with the generator-held cache of the second normal.
    private func nextDoubleNormal() -> Double {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached
        }
        let u1 = uniformDouble()
        let u2 = uniformDouble()
        let radius = (-2 * log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        cachedNormal = radius * sin(theta)
        return radius * cos(theta)
    }

    // MARK: - Vectorised Box–Muller (normal_fill_16_AVX2, one lane at a time)

    private static func normalFill16(_ d: UnsafeMutableBufferPointer<Float>, _ base: Int) {
        let twoPi = Float(2.0 * Double.pi)
        for j in 0..<8 {
            let u1 = 1 - d[base + j]
            let u2 = d[base + j + 8]
            let radius = (-2 * CephesMath.log(u1)).squareRoot()
            let (s, c) = CephesMath.sincos(twoPi * u2)
            // torch adds mean 0 after scaling by std 1, which turns -0 into +0.
            d[base + j] = radius * c + 0
            d[base + j + 8] = radius * s + 0
        }
    }
}
