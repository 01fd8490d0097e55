/// Sleef's float32 `expm1f_u10`, which CPU torch (AVX512 build) uses for `torch.expm1` on
/// float32 tensors, 0-dim ones included; UniPC's φ-functions start from it.
///
/// Checked bit for bit against torch on 2.5 million inputs. Sleef evaluates in double-float
/// (pair-of-floats) arithmetic; each pair operation below is the FMA variant from Sleef's
/// `df.h`, with the same rounding steps.
extension SleefMath {
    /// `Sleef_expm1f16_u10` (`xexpm1f`) for one lane.
    static func expm1(_ a: Float) -> Float {
        if a.isNaN { return a }
        if a > 88.72283172607421875 { return .infinity }
        if a < -16.635532333438687426013570 { return -1 }
        if a == 0 && a.sign == .minus { return -0.0 }
        let d = DoubleFloat.sum2(expk2(DoubleFloat(a, 0)), -1)
        return d.x + d.y
    }

    /// Sleef's `expk2f`: e^(d.x + d.y) as a double-float.
    private static func expk2(_ d: DoubleFloat) -> DoubleFloat {
        let u = (d.x + d.y) * 1.442695040888963407359924681001892137426645954152985934135449406931
        let q = Int32(u.rounded(.toNearestOrEven))
        let qf = Float(q)
        var s = DoubleFloat.sum2(d, qf * -0.693145751953125)
        s = DoubleFloat.sum2(s, qf * -1.428606765330187045e-06)
        var p: Float = 0.1980960224e-3
        p = Float(0.1394256484e-2).addingProduct(p, s.x)
        p = Float(0.8333456703e-2).addingProduct(p, s.x)
        p = Float(0.4166637361e-1).addingProduct(p, s.x)
        var t = DoubleFloat.sum2(DoubleFloat.product(s, p), 0.166666659414234244790680580464)
        t = DoubleFloat.sum2(DoubleFloat.product(s, t), 0.5)
        t = DoubleFloat.sum2(s, DoubleFloat.product(DoubleFloat.square(s), t))
        t = DoubleFloat.sum(1, t)
        if d.x < -104 { return DoubleFloat(0, 0) }
        return DoubleFloat(ldexp2(t.x, q), ldexp2(t.y, q))
    }

    /// Sleef's `vldexp2`: scale by 2^(q/2) twice so neither factor overflows.
    private static func ldexp2(_ x: Float, _ q: Int32) -> Float {
        let half = q >> 1
        return x * Float(sign: .plus, exponent: Int(half), significand: 1)
            * Float(sign: .plus, exponent: Int(q - half), significand: 1)
    }

    /// A double-float value x + y with |y| ≤ ulp(x)/2.
    struct DoubleFloat {
        var x: Float
        var y: Float

        init(_ x: Float, _ y: Float) {
            self.x = x
            self.y = y
        }

        /// `dfadd2_vf2_vf_vf`: the exact sum of two floats, in either order of magnitude.
        static func sum2(_ a: Float, _ b: Float) -> DoubleFloat {
            let s = a + b
            let v = s - a
            return DoubleFloat(s, (a - (s - v)) + (b - v))
        }

        /// `dfadd2_vf2_vf2_vf`.
        static func sum2(_ a: DoubleFloat, _ b: Float) -> DoubleFloat {
            let s = a.x + b
            let v = s - a.x
            let t = (a.x - (s - v)) + (b - v)
            return DoubleFloat(s, t + a.y)
        }

        /// `dfadd2_vf2_vf2_vf2`.
        static func sum2(_ a: DoubleFloat, _ b: DoubleFloat) -> DoubleFloat {
            let s = a.x + b.x
            let v = s - a.x
            let t = (a.x - (s - v)) + (b.x - v)
            return DoubleFloat(s, t + (a.y + b.y))
        }

        /// `dfadd_vf2_vf2_vf2` (|a| ≥ |b|).
        static func sum(_ a: DoubleFloat, _ b: DoubleFloat) -> DoubleFloat {
            let s = a.x + b.x
            return DoubleFloat(s, (((a.x - s) + b.x) + a.y) + b.y)
        }

        /// `dfadd_vf2_vf2_vf` (|a| ≥ |b|).
        static func sum(_ a: DoubleFloat, _ b: Float) -> DoubleFloat {
            let s = a.x + b
            return DoubleFloat(s, ((a.x - s) + b) + a.y)
        }

        /// `dfadd_vf2_vf_vf2` (|a| ≥ |b|).
        static func sum(_ a: Float, _ b: DoubleFloat) -> DoubleFloat {
            let s = a + b.x
            return DoubleFloat(s, ((a - s) + b.x) + b.y)
        }

        /// `dfmul_vf2_vf2_vf`.
        static func product(_ a: DoubleFloat, _ b: Float) -> DoubleFloat {
            let s = a.x * b
            return DoubleFloat(s, (-s).addingProduct(a.x, b).addingProduct(a.y, b))
        }

        /// `dfmul_vf2_vf2_vf2`.
        static func product(_ a: DoubleFloat, _ b: DoubleFloat) -> DoubleFloat {
            let s = a.x * b.x
            return DoubleFloat(s, (-s).addingProduct(a.x, b.x).addingProduct(a.y, b.x).addingProduct(a.x, b.y))
        }

        /// `dfsqu_vf2_vf2`.
        static func square(_ a: DoubleFloat) -> DoubleFloat {
            let s = a.x * a.x
            return DoubleFloat(s, (-s).addingProduct(a.x, a.x).addingProduct(a.x + a.x, a.y))
        }

        /// `dfdiv_vf2_vf2_vf2`.
        static func quotient(_ n: DoubleFloat, _ d: DoubleFloat) -> DoubleFloat {
            let t = 1 / d.x
            let s = n.x * t
            let u = (-s).addingProduct(t, n.x)
            let v = Float(1).addingProduct(-d.x, t).addingProduct(-d.y, t)
            return DoubleFloat(s, u.addingProduct(n.y, t).addingProduct(s, v))
        }
    }
}
