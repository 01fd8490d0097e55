// The kernels, written once over a small set of lane primitives and instantiated per instruction set.
//
// Included by Portable.c (one lane, plain C), AVX2.c (8 lanes) and AVX512.c (16 lanes), each of
// which first defines:
//   SK_SUFFIX                     name suffix of the instantiated functions
//   SK_VW                         lanes per vector
//   vf, vi, vm                    float vector, int32 vector, lane mask
//   vf  vset1(float), vload(const float *), void vstore(float *, vf)
//   vf  vadd, vsub, vmul, vdiv, vsqrt           one IEEE rounding each
//   vf  vfmadd(a, b, c)                         a·b + c with ONE rounding (fused)
//   vf  vfnmadd(a, b, c)                        −(a·b) + c with one rounding
//   vf  vneg(a)                                 −a (sign flip)
//   vf  vmax(a, b), vmin(a, b)                  a > b ? a : b,  a < b ? a : b  (SSE maxps/minps)
//   vm  vlt(a, b), vgt(a, b)                    ordered compares
//   vf  vselect(vm, a, b)                       mask ? a : b
//   vi  vbits(vf), vf vfloat_bits(vi)           reinterpretations
//   vi  viset1(int32_t), viload(const uint32_t *), void vistore(uint32_t *, vi)
//   vi  viand, vior, vixor, viadd, visub, vsrl(vi, n), vsll(vi, n), vsra(vi, n)
//   vf  vcvt(vi)                                int32 → float, rounded
//   vi  vcvtt(vf)                               float → int32, truncated (cvttps2dq: INT32_MIN if out of range)
//   vm  vieq(vi, vi)
//
// The step kernels use no fused operation at all: torch evaluates each Python operator as its own
// kernel, one rounding per operation. The Box–Muller transform fuses exactly where torch's
// AVX2 build does (see shared/reference/torch_randn_ref.c for the verified recipe).

#define SK_CAT2(a, b) a##_##b
#define SK_CAT(a, b) SK_CAT2(a, b)
#define SK_FN(name) SK_CAT(name, SK_SUFFIX)
#define SK_INLINE static inline __attribute__((always_inline))

// MARK: - Scheduler step

// The generic pass; every mode argument is a compile-time constant at each call site in
// step_modes below, so each combination becomes its own branch-free loop.
SK_INLINE long SK_FN(step_loop)(const sk_step_params *p, const float *x, const float *m, const float *noise,
                                float *x0, float *prev, long n, const int x0_mode, const int y_mode, const int tail,
                                const int stores_x0) {
  const vf sa = vset1(p->sqrt_alpha), sb = vset1(p->sqrt_beta);
  const vf lo = vset1(p->lo), hi = vset1(p->hi);
  const vf a = vset1(p->a), b = vset1(p->b), sd = vset1(p->std), zero = vset1(0.0f);
  long i = 0;
  for (; i + SK_VW <= n; i += SK_VW) {
    const vf xv = vload(x + i), mv = vload(m + i);
    vf estimate;
    switch (x0_mode) {
    case SK_X0_EPSILON: estimate = vdiv(vsub(xv, vmul(sb, mv)), sa); break;  // (x - b**0.5 * m) / a**0.5
    case SK_X0_SAMPLE: estimate = mv; break;
    default: estimate = vsub(vmul(sa, xv), vmul(sb, mv)); break;            // a**0.5 * x - b**0.5 * m
    }
    // torch.clamp(x0, lo, hi): max then min, NaN passes through (±∞ bounds make it the identity).
    const vf predicted = vmin(hi, vmax(lo, estimate));
    vf y;
    switch (y_mode) {
    case SK_Y_MODEL: y = mv; break;
    case SK_Y_SAMPLE_EPSILON: y = vdiv(vsub(xv, vmul(sa, mv)), sb); break;
    case SK_Y_V_EPSILON: y = vadd(vmul(sa, mv), vmul(sb, xv)); break;
    case SK_Y_CLIPPED_EPSILON: y = vdiv(vsub(xv, vmul(sa, predicted)), sb); break;
    default: y = xv; break;
    }
    vf value = vadd(vmul(a, predicted), vmul(b, y));
    if (tail == SK_TAIL_NOISE) value = vadd(value, vmul(sd, vload(noise + i)));
    else if (tail == SK_TAIL_ZERO) value = vadd(value, zero);
    // Element i is read (x, m, noise) before it is written, so prev may be x and noise may be
    // x0 or prev: in-place steps need no second buffer.
    if (stores_x0) vstore(x0 + i, predicted);
    vstore(prev + i, value);
  }
  return i;
}

#define SK_STEP_CASE(X0, Y, TAIL)                                                                                     \
  if (p->x0_mode == X0 && p->y_mode == Y && p->tail == TAIL)                                                         \
    return x0 ? SK_FN(step_loop)(p, x, m, noise, x0, prev, n, X0, Y, TAIL, 1)                                        \
              : SK_FN(step_loop)(p, x, m, noise, x0, prev, n, X0, Y, TAIL, 0);
#define SK_STEP_TAILS(X0, Y) SK_STEP_CASE(X0, Y, SK_TAIL_NONE) SK_STEP_CASE(X0, Y, SK_TAIL_ZERO) SK_STEP_CASE(X0, Y, SK_TAIL_NOISE)
#define SK_STEP_YS(X0)                                                                                                \
  SK_STEP_TAILS(X0, SK_Y_MODEL) SK_STEP_TAILS(X0, SK_Y_SAMPLE_EPSILON) SK_STEP_TAILS(X0, SK_Y_V_EPSILON)              \
  SK_STEP_TAILS(X0, SK_Y_CLIPPED_EPSILON) SK_STEP_TAILS(X0, SK_Y_SAMPLE)

SK_INLINE long SK_FN(step_modes)(const sk_step_params *p, const float *x, const float *m, const float *noise,
                                 float *x0, float *prev, long n) {
  SK_STEP_YS(SK_X0_EPSILON)
  SK_STEP_YS(SK_X0_SAMPLE)
  SK_STEP_YS(SK_X0_V)
  return 0;
}

/// Runs whole vectors and returns how many elements it did; the caller finishes the rest.
long SK_FN(sk_step_vectors)(const sk_step_params *p, const float *x, const float *m, const float *noise, float *x0,
                            float *prev, long n) {
  // In place, hand the loop one pointer for x and prev: a compiler that vectorises the portable
  // level sees the read and the write of each element hit the same address, instead of a
  // possible overlap that would keep it scalar.
  if (prev == x) return SK_FN(step_modes)(p, prev, m, noise, x0, prev, n);
  return SK_FN(step_modes)(p, x, m, noise, x0, prev, n);
}

// MARK: - torch.randn: mt19937

SK_INLINE vi SK_FN(mt_twist)(vi u, vi v) {
  const vi mixed = vior(viand(u, viset1((int32_t)0x80000000u)), viand(v, viset1(0x7fffffff)));
  const vi odd = vsra(vsll(v, 31), 31);  // all ones where v is odd
  return vixor(vsrl(mixed, 1), viand(odd, viset1((int32_t)0x9908b0dfu)));
}

/// The mt19937 state refresh (at::mt19937::twist), whole vectors where the recurrence allows:
/// word k depends on words k+1 and k+397 (first 227) or k−227 (the rest), never on one a
/// vector is still writing.
void SK_FN(sk_mt_reload)(uint32_t *s) {
  long k = 0;
  for (; k + SK_VW <= 227; k += SK_VW)
    vistore(s + k, vixor(viload(s + k + 397), SK_FN(mt_twist)(viload(s + k), viload(s + k + 1))));
  for (; k < 227; k++) s[k] = s[k + 397] ^ sk_mt_twist1(s[k], s[k + 1]);
  for (; k + SK_VW <= 623; k += SK_VW)
    vistore(s + k, vixor(viload(s + k - 227), SK_FN(mt_twist)(viload(s + k), viload(s + k + 1))));
  for (; k < 623; k++) s[k] = s[k - 227] ^ sk_mt_twist1(s[k], s[k + 1]);
  s[623] = s[396] ^ sk_mt_twist1(s[623], s[0]);
}

/// Tempers `count` consecutive state words into float uniforms (random() & 0xFFFFFF) · 2⁻²⁴.
void SK_FN(sk_mt_temper_uniforms)(const uint32_t *s, float *out, long count) {
  const vf scale = vset1(1.0f / 16777216.0f);
  long i = 0;
  for (; i + SK_VW <= count; i += SK_VW) {
    vi y = viload(s + i);
    y = vixor(y, vsrl(y, 11));
    y = vixor(y, viand(vsll(y, 7), viset1((int32_t)0x9d2c5680u)));
    y = vixor(y, viand(vsll(y, 15), viset1((int32_t)0xefc60000u)));
    y = vixor(y, vsrl(y, 18));
    vstore(out + i, vmul(vcvt(viand(y, viset1(0xffffff))), scale));
  }
  for (; i < count; i++) {
    uint32_t y = s[i];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    out[i] = (float)(y & 0xffffffu) * (1.0f / 16777216.0f);
  }
}

// MARK: - torch.randn: Box–Muller with avx_mathfun's Cephes polynomials

/// log256_ps, lane for lane, with the fusions of torch's build.
SK_INLINE vf SK_FN(cephes_log)(vf input) {
  const vf one = vset1(1.0f);
  vf x = vmax(input, vfloat_bits(viset1(0x00800000)));  // max(x, FLT_MIN)
  const vi bits = vbits(x);
  const vi exponent = visub(vsrl(bits, 23), viset1(0x7f));
  x = vfloat_bits(vior(viand(bits, viset1((int32_t)~0x7f800000u)), vbits(vset1(0.5f))));
  vf e = vadd(vcvt(exponent), one);
  const vm small = vlt(x, vset1(0.707106781186547524f));
  const vf tmp = vselect(small, x, vset1(0.0f));
  x = vsub(x, one);
  e = vsub(e, vselect(small, one, vset1(0.0f)));
  x = vadd(x, tmp);
  const vf z = vmul(x, x);
  vf y = vset1(7.0376836292E-2f);
  y = vfmadd(y, x, vset1(-1.1514610310E-1f));
  y = vfmadd(y, x, vset1(1.1676998740E-1f));
  y = vfmadd(y, x, vset1(-1.2420140846E-1f));
  y = vfmadd(y, x, vset1(1.4249322787E-1f));
  y = vfmadd(y, x, vset1(-1.6668057665E-1f));
  y = vfmadd(y, x, vset1(2.0000714765E-1f));
  y = vfmadd(y, x, vset1(-2.4999993993E-1f));
  y = vfmadd(y, x, vset1(3.3333331174E-1f));
  y = vmul(y, x);
  y = vfmadd(y, z, vmul(e, vset1(-2.12194440e-4f)));
  y = vfnmadd(z, vset1(0.5f), y);
  x = vadd(x, y);
  x = vfmadd(e, vset1(0.693359375f), x);
  // log of a non-positive number is NaN (one bit pattern for every level).
  return vselect(vgt(input, vset1(0.0f)), x, vfloat_bits(viset1(0x7fc00000)));
}

/// sincos256_ps, lane for lane, with the fusions of torch's build.
SK_INLINE void SK_FN(cephes_sincos)(vf input, vf *sine, vf *cosine) {
  const vi signBit = viset1((int32_t)0x80000000u);
  vf x = vfloat_bits(viand(vbits(input), viset1(0x7fffffff)));
  vi signSin = viand(vbits(input), signBit);
  vi j = vcvtt(vmul(x, vset1(1.27323954473516f)));  // 4/π, truncated
  j = viand(viadd(j, viset1(1)), viset1(~1));
  const vf y = vcvt(j);
  const vi swapSin = vsll(viand(j, viset1(4)), 29);
  const vm usesSinPolynomial = vieq(viand(j, viset1(2)), viset1(0));
  x = vfmadd(y, vset1(-0.78515625f), x);
  x = vfmadd(y, vset1(-2.4187564849853515625e-4f), x);
  x = vfmadd(y, vset1(-3.77489497744594108e-8f), x);
  const vi signCos = vsll(viand(vixor(visub(j, viset1(2)), viset1(-1)), viset1(4)), 29);
  signSin = vixor(signSin, swapSin);
  const vf z = vmul(x, x);
  vf c = vset1(2.443315711809948E-005f);
  c = vfmadd(c, z, vset1(-1.388731625493765E-003f));
  c = vfmadd(c, z, vset1(4.166664568298827E-002f));
  c = vmul(c, z);
  c = vfmadd(c, z, vneg(vmul(z, vset1(0.5f))));  // c·z − (z·0.5), fused
  c = vadd(c, vset1(1.0f));
  vf s = vset1(-1.9515295891E-4f);
  s = vfmadd(s, z, vset1(8.3321608736E-3f));
  s = vfmadd(s, z, vset1(-1.6666654611E-1f));
  s = vmul(s, z);
  s = vfmadd(s, x, x);
  const vf sv = vselect(usesSinPolynomial, s, c), cv = vselect(usesSinPolynomial, c, s);
  *sine = vfloat_bits(vixor(vbits(sv), signSin));
  *cosine = vfloat_bits(vixor(vbits(cv), signCos));
}

/// normal_fill_16 for one vector of lanes: `first` holds d[j], `second` d[j+8] of each lane's block.
SK_INLINE void SK_FN(box_muller)(vf first, vf second, vf *outFirst, vf *outSecond) {
  const vf u1 = vsub(vset1(1.0f), first);
  const vf radius = vsqrt(vmul(vset1(-2.0f), SK_FN(cephes_log)(u1)));
  const vf theta = vmul(vset1(6.2831855f), second);  // (float)(2.0f * pi<double>)
  vf s, c;
  SK_FN(cephes_sincos)(theta, &s, &c);
  // torch then applies fmadd(n, std = 1, mean = 0): one rounding of n + 0, turning −0 into +0.
  *outFirst = vadd(vmul(radius, c), vset1(0.0f));
  *outSecond = vadd(vmul(radius, s), vset1(0.0f));
}
