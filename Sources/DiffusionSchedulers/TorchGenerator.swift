internal import CSchedulerKernels
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
    /// The mt19937 engine, in C so the bulk draws of `randn` can run vectorised.
    private let engine: UnsafeMutablePointer<sk_mt19937>
    private var cachedNormal: Double?
    /// The instruction-set variant of `randn`'s loops; tests lower it to check the levels agree.
    var kernelLevel = KernelLevel.active

    /// A generator in the state `torch.manual_seed(seed)` leaves it in.
    public init(seed: UInt64) {
        engine = .allocate(capacity: 1)
        engine.initialize(to: sk_mt19937())
        manualSeed(seed)
    }

    deinit {
        engine.deinitialize(count: 1)
        engine.deallocate()
    }

    /// `torch.manual_seed(seed)`: reseeds and clears the cached normal.
    public func manualSeed(_ seed: UInt64) {
        sk_mt_seed(engine, seed)
        cachedNormal = nil
    }

    /// The next 32-bit output of the mt19937 engine (`CPUGeneratorImpl::random()`).
    public func random32() -> UInt32 {
        sk_mt_next(engine)
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
    ///
    /// 16 or more values take torch's vectorised path: all uniforms drawn first, Box–Muller in
    /// blocks of 16 with float32 Cephes `log`/`sincos` (fused where torch's AVX2 build fuses),
    /// and the last 16 redrawn and redone when the count is not a multiple of 16.
    func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>) {
        let n = buffer.count
        guard n > 0, let base = buffer.baseAddress else { return }
        if n >= 16 {
            sk_randn(kernelLevel.rawValue, engine, base, n)
        } else {
            for i in 0..<n { buffer[i] = Float(nextDoubleNormal()) }
        }
    }

    /// Lends the mt19937 engine to a kernel that draws from it.
    func withEngine<R>(_ body: (UnsafeMutablePointer<sk_mt19937>) -> R) -> R {
        body(engine)
    }

    /// torch's Box–Muller transform alone, in place over whole blocks of 16 uniforms, at `level`.
    static func normalFill(blocks buffer: UnsafeMutableBufferPointer<Float>, level: KernelLevel) {
        guard let base = buffer.baseAddress else { return }
        sk_normal_fill(level.rawValue, base, buffer.count / 16)
    }

    // MARK: - Scalar path

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
}
