/// Sleef's float32 `expf_u10`, which CPU torch uses for `torch.exp` and `torch.sigmoid` on
/// float32 tensors (including 0-dim ones); glibc's `expf` differs from it in the last bit for
/// a few percent of inputs. The FMA build's multiply–adds are fused, so they are here too.
enum SleefMath {
    /// `Sleef_expf_u10` (`xexpf` in sleefsimdsp.c) for one lane.
    static func exp(_ d: Float) -> Float {
        // Out of range (and NaN) before the integer conversion, which would trap; these are
        // the values Sleef's final selects produce.
        if d.isNaN { return d }
        if d < -104 { return 0 }
        if d > 100 { return .infinity }
        let q = Int32((d * 1.442695040888963407359924681001892137426645954152985934135449406931).rounded(.toNearestOrEven))
        let qf = Float(q)
        var s = d.addingProduct(qf, -0.693145751953125)
        s = s.addingProduct(qf, -1.428606765330187045e-06)
        var u: Float = 0.000198527617612853646278381
        u = (0.00139304355252534151077271 as Float).addingProduct(u, s)
        u = (0.00833336077630519866943359 as Float).addingProduct(u, s)
        u = (0.0416664853692054748535156 as Float).addingProduct(u, s)
        u = (0.166666671633720397949219 as Float).addingProduct(u, s)
        u = (0.5 as Float).addingProduct(u, s)
        u = 1 + s.addingProduct(s * s, u)
        // vldexp2: scale by 2^(q/2) twice so neither factor overflows.
        let firstHalf = q >> 1
        u = u * Float(sign: .plus, exponent: Int(firstHalf), significand: 1)
            * Float(sign: .plus, exponent: Int(q - firstHalf), significand: 1)
        return u
    }
}
