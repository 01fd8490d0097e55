/// numpy 2.x's own float32 `np.log` (the AVX512F kernel `simd_log_FLOAT` of
/// `loops_exponent_log.dispatch.c.src`), which numpy uses on x86-64 CPUs with AVX512F for
/// arrays and scalars alike.
///
/// diffusers takes `log_sigmas = np.log(sigmas)` of the float32 sigma table and interpolates
/// timesteps against it (`_sigma_to_t`); this kernel is a rational approximation that differs
/// from glibc's `logf` in about 5% of inputs, which moves fractional timesteps by an ulp.
enum NumpyMath {
    /// `np.log` of one float32 value.
    static func log(_ value: Float) -> Float {
        if value.isNaN { return .nan }
        if value < 0 { return -.nan }
        if value == 0 { return -.infinity }
        if value == .infinity { return .infinity }
        // vgetexpps + 1 and vgetmantps with interval [0.5, 1): value = x · 2^exponent.
        var exponent = Float(value.exponent) + 1
        var x = value.significand / 2
        if x <= Float(0.707106781186547524400844362104849039) {
            x = x + x
            exponent = exponent - 1
        }
        x = x - 1
        var num: Float = 2.589979117907922693523e-02
        num = Float(3.808837741388407920751e-01).addingProduct(num, x)
        num = Float(1.480000633576506585156e+00).addingProduct(num, x)
        num = Float(2.112677543073053063722e+00).addingProduct(num, x)
        num = Float(9.999999999999998702752e-01).addingProduct(num, x)
        num = Float(0).addingProduct(num, x)
        var den: Float = 5.875095403124574342950e-03
        den = Float(1.546476374983906719538e-01).addingProduct(den, x)
        den = Float(9.864942958519418960339e-01).addingProduct(den, x)
        den = Float(2.453006071784736363091e+00).addingProduct(den, x)
        den = Float(2.612677543073109236779e+00).addingProduct(den, x)
        den = Float(1).addingProduct(den, x)
        return (num / den).addingProduct(exponent, Float(0.693147180559945309417232121458176568))
    }
}
