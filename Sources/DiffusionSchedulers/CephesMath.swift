/// The float32 Cephes `log` and `sincos` of avx_mathfun.h, as torch's AVX2 normal kernel evaluates them.
///
/// Which multiply–adds are fused matters for bit parity (GCC contracts some of them in torch's
/// build), so every fused step is an explicit `addingProduct` and the rest are separate roundings.
enum CephesMath {
    /// `log256_ps` for one lane.
    static func log(_ input: Float) -> Float {
        guard input > 0 else { return .nan }
        var x = max(input, Float(bitPattern: 0x0080_0000))
        let exponent = Int32(bitPattern: x.bitPattern >> 23) - 0x7F
        x = Float(bitPattern: (x.bitPattern & ~0x7F80_0000) | Float(0.5).bitPattern)
        var e = Float(exponent) + 1
        var tmp: Float = 0
        if x < 0.707106781186547524 {
            tmp = x
            e -= 1
        }
        x -= 1
        x += tmp
        let z = x * x
        var y: Float = 7.0376836292E-2
        y = (-1.1514610310E-1 as Float).addingProduct(y, x)
        y = (1.1676998740E-1 as Float).addingProduct(y, x)
        y = (-1.2420140846E-1 as Float).addingProduct(y, x)
        y = (1.4249322787E-1 as Float).addingProduct(y, x)
        y = (-1.6668057665E-1 as Float).addingProduct(y, x)
        y = (2.0000714765E-1 as Float).addingProduct(y, x)
        y = (-2.4999993993E-1 as Float).addingProduct(y, x)
        y = (3.3333331174E-1 as Float).addingProduct(y, x)
        y *= x
        y = (e * -2.12194440e-4).addingProduct(y, z)
        y = y.addingProduct(-z, 0.5)
        x += y
        return x.addingProduct(e, 0.693359375)
    }

    /// `sincos256_ps` for one lane: (sin, cos).
    static func sincos(_ input: Float) -> (sin: Float, cos: Float) {
        var x = abs(input)
        var signSin = input.bitPattern & 0x8000_0000
        var j = Int32(x * 1.27323954473516)  // truncation, like cvttps2dq
        j = (j &+ 1) & ~1
        let y = Float(j)
        let swapSin = UInt32(bitPattern: j & 4) << 29
        let usesSinPolynomial = (j & 2) == 0
        x = x.addingProduct(y, -0.78515625)
        x = x.addingProduct(y, -2.4187564849853515625e-4)
        x = x.addingProduct(y, -3.77489497744594108e-8)
        let signCos = UInt32(bitPattern: ~(j &- 2) & 4) << 29
        signSin ^= swapSin
        let z = x * x
        var cosine: Float = 2.443315711809948E-005
        cosine = (-1.388731625493765E-003 as Float).addingProduct(cosine, z)
        cosine = (4.166664568298827E-002 as Float).addingProduct(cosine, z)
        cosine *= z
        cosine = (-(z * 0.5)).addingProduct(cosine, z)
        cosine += 1
        var sine: Float = -1.9515295891E-4
        sine = (8.3321608736E-3 as Float).addingProduct(sine, z)
        sine = (-1.6666654611E-1 as Float).addingProduct(sine, z)
        sine *= z
        sine = x.addingProduct(sine, x)
        let s = usesSinPolynomial ? sine : cosine
        let c = usesSinPolynomial ? cosine : sine
        return (Float(bitPattern: s.bitPattern ^ signSin), Float(bitPattern: c.bitPattern ^ signCos))
    }
}
