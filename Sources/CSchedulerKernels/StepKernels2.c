// The fused passes of Heun, Euler ancestral, LCM and DPM-Solver singlestep (see
// include/StepKernels2.h), over the same GCC-vector levels as SolverKernels.c. FP_CONTRACT is
// off, so each operator is one IEEE operation and every level gives the same bits as the Swift
// loops these passes replace.
#pragma STDC FP_CONTRACT OFF
#include "VectorLevels.h"
#include "StepKernels2.h"

// torch.clamp(x, lo, hi) in the port's order: (x < lo ? lo : x), then (· > hi ? hi : ·). A compare
// with NaN is false, so NaN passes through, and ±∞ bounds make it the identity. C has no vector
// ?:, so the vector form selects through the lanes' bits (the compare masks are all ones or zeros).
static inline float s2_clamp(float x, float lo, float hi) {
  const float above = x < lo ? lo : x;
  return above > hi ? hi : above;
}
#define S2_PICK(mask, a, b) ((__typeof__(a))(((mask) & (__typeof__(mask))(a)) | (~(mask) & (__typeof__(mask))(b))))
#define S2_CLAMP(X, LO, HI)                                                                                          \
  ({                                                                                                                 \
    const __typeof__(X) x_ = (X);                                                                                    \
    const __typeof__(x_) above_ = S2_PICK(x_ < (LO), (LO), x_);                                                      \
    S2_PICK(above_ > (HI), (HI), above_);                                                                            \
  })

// The Euler family's x₀ estimates: x − s·m, m, or m·vc + x/vb.
#define S2_EULER_ESTIMATE(mode, X, M, S, VC, VB)                                                                     \
  ((mode) == SK_EULER_EPSILON ? (X) - (S) * (M) : (mode) == SK_EULER_SAMPLE ? (M) : (M) * (VC) + (X) / (VB))

// The DDPM family's x₀ estimates: (x − sb·m)/sa, m, or sa·x − sb·m.
#define S2_VP_ESTIMATE(mode, X, M, SA, SB)                                                                           \
  ((mode) == SK_X0_EPSILON ? ((X) - (SB) * (M)) / (SA) : (mode) == SK_X0_SAMPLE ? (M) : (SA) * (X) - (SB) * (M))

// MARK: - Heun

#define S2_HEUN(SUFFIX, V, W)                                                                                         \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void heun_first_##SUFFIX(                             \
      const sk_heun_params *p, const int mode, const float *x, const float *m, float *x0, float *d, float *start,    \
      float *out, long n) {                                                                                           \
    const V s = (V){} + p->s, vc = (V){} + p->vc, vb = (V){} + p->vb, lo = (V){} + p->lo, hi = (V){} + p->hi;        \
    const V sigma = (V){} + p->sigma, dt = (V){} + p->dt;                                                             \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        const float xv = x[i];                                                                                         \
        const float o = s2_clamp(S2_EULER_ESTIMATE(mode, xv, m[i], p->s, p->vc, p->vb), p->lo, p->hi);                 \
        const float dv = (xv - o) / p->sigma;                                                                          \
        if (x0) x0[i] = o;                                                                                             \
        d[i] = dv;                                                                                                     \
        start[i] = xv;                                                                                                 \
        out[i] = xv + dv * p->dt;                                                                                      \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        const V xv = SV_LOAD(V, x + i);                                                                                \
        const V o = S2_CLAMP(S2_EULER_ESTIMATE(mode, xv, SV_LOAD(V, m + i), s, vc, vb), lo, hi);                       \
        const V dv = (xv - o) / sigma;                                                                                 \
        if (x0) SV_STORE(x0 + i, o);                                                                                   \
        SV_STORE(d + i, dv);                                                                                           \
        SV_STORE(start + i, xv);                                                                                       \
        SV_STORE(out + i, xv + dv * dt);                                                                               \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void heun_second_##SUFFIX(                            \
      const sk_heun_params *p, const int mode, const float *x, const float *m, const float *d, const float *start,   \
      float *x0, float *out, long n) {                                                                                \
    const V s = (V){} + p->s, vc = (V){} + p->vc, vb = (V){} + p->vb, lo = (V){} + p->lo, hi = (V){} + p->hi;        \
    const V sigma = (V){} + p->sigma, dt = (V){} + p->dt, two = (V){} + 2.0f;                                         \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        const float xv = x[i];                                                                                         \
        const float o = s2_clamp(S2_EULER_ESTIMATE(mode, xv, m[i], p->s, p->vc, p->vb), p->lo, p->hi);                 \
        const float dv = (d[i] + (xv - o) / p->sigma) / 2.0f;                                                          \
        if (x0) x0[i] = o;                                                                                             \
        out[i] = start[i] + dv * p->dt;                                                                                \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        const V xv = SV_LOAD(V, x + i);                                                                                \
        const V o = S2_CLAMP(S2_EULER_ESTIMATE(mode, xv, SV_LOAD(V, m + i), s, vc, vb), lo, hi);                       \
        const V dv = (SV_LOAD(V, d + i) + (xv - o) / sigma) / two;                                                     \
        if (x0) SV_STORE(x0 + i, o);                                                                                   \
        SV_STORE(out + i, SV_LOAD(V, start + i) + dv * dt);                                                            \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void heun_first_modes_##SUFFIX(const sk_heun_params *p, const float *x, const float *m,     \
                                                         float *x0, float *d, float *start, float *out, long n) {    \
    switch (p->mode) {                                                                                                \
    case SK_EULER_EPSILON: heun_first_##SUFFIX(p, SK_EULER_EPSILON, x, m, x0, d, start, out, n); break;             \
    case SK_EULER_SAMPLE: heun_first_##SUFFIX(p, SK_EULER_SAMPLE, x, m, x0, d, start, out, n); break;               \
    default: heun_first_##SUFFIX(p, SK_EULER_VELOCITY, x, m, x0, d, start, out, n); break;                          \
    }                                                                                                                 \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void heun_second_modes_##SUFFIX(const sk_heun_params *p, const float *x, const float *m,    \
                                                          const float *d, const float *start, float *x0, float *out, \
                                                          long n) {                                                   \
    switch (p->mode) {                                                                                                \
    case SK_EULER_EPSILON: heun_second_##SUFFIX(p, SK_EULER_EPSILON, x, m, d, start, x0, out, n); break;            \
    case SK_EULER_SAMPLE: heun_second_##SUFFIX(p, SK_EULER_SAMPLE, x, m, d, start, x0, out, n); break;              \
    default: heun_second_##SUFFIX(p, SK_EULER_VELOCITY, x, m, d, start, x0, out, n); break;                         \
    }                                                                                                                 \
  }

// MARK: - Euler ancestral

#define S2_ANCESTRAL(SUFFIX, V, W)                                                                                    \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void ancestral_##SUFFIX(                              \
      const sk_ancestral_params *p, const int mode, const float *x, const float *m, const float *noise, float *x0,   \
      float *out, long n) {                                                                                           \
    const V s = (V){} + p->s, vc = (V){} + p->vc, vb = (V){} + p->vb;                                                 \
    const V sigma = (V){} + p->sigma, dt = (V){} + p->dt, up = (V){} + p->sigma_up;                                   \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        const float xv = x[i];                                                                                         \
        const float o = S2_EULER_ESTIMATE(mode, xv, m[i], p->s, p->vc, p->vb);                                         \
        if (x0) x0[i] = o;                                                                                             \
        out[i] = (xv + ((xv - o) / p->sigma) * p->dt) + noise[i] * p->sigma_up;                                        \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        const V xv = SV_LOAD(V, x + i);                                                                                \
        const V o = S2_EULER_ESTIMATE(mode, xv, SV_LOAD(V, m + i), s, vc, vb);                                         \
        if (x0) SV_STORE(x0 + i, o);                                                                                   \
        SV_STORE(out + i, (xv + ((xv - o) / sigma) * dt) + SV_LOAD(V, noise + i) * up);                                \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void ancestral_modes_##SUFFIX(const sk_ancestral_params *p, const float *x, const float *m, \
                                                        const float *noise, float *x0, float *out, long n) {         \
    switch (p->mode) {                                                                                                \
    case SK_EULER_EPSILON: ancestral_##SUFFIX(p, SK_EULER_EPSILON, x, m, noise, x0, out, n); break;                 \
    case SK_EULER_SAMPLE: ancestral_##SUFFIX(p, SK_EULER_SAMPLE, x, m, noise, x0, out, n); break;                   \
    default: ancestral_##SUFFIX(p, SK_EULER_VELOCITY, x, m, noise, x0, out, n); break;                              \
    }                                                                                                                 \
  }

// MARK: - LCM

#define S2_LCM(SUFFIX, V, W)                                                                                          \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void lcm_##SUFFIX(                                    \
      const sk_lcm_params *p, const int mode, const int renoise, const float *x, const float *m, const float *noise, \
      float *denoised, float *out, long n) {                                                                          \
    const V sa = (V){} + p->sqrt_alpha, sb = (V){} + p->sqrt_beta, lo = (V){} + p->lo, hi = (V){} + p->hi;           \
    const V cout = (V){} + p->c_out, cskip = (V){} + p->c_skip;                                                       \
    const V signal = (V){} + p->signal, scale = (V){} + p->noise_scale;                                               \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        const float xv = x[i];                                                                                         \
        const float o = s2_clamp(S2_VP_ESTIMATE(mode, xv, m[i], p->sqrt_alpha, p->sqrt_beta), p->lo, p->hi);           \
        const float value = p->c_out * o + p->c_skip * xv;                                                             \
        if (denoised) denoised[i] = value;                                                                             \
        out[i] = renoise ? p->signal * value + p->noise_scale * noise[i] : value;                                      \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        const V xv = SV_LOAD(V, x + i);                                                                                \
        const V o = S2_CLAMP(S2_VP_ESTIMATE(mode, xv, SV_LOAD(V, m + i), sa, sb), lo, hi);                             \
        const V value = cout * o + cskip * xv;                                                                         \
        if (denoised) SV_STORE(denoised + i, value);                                                                   \
        SV_STORE(out + i, renoise ? signal * value + scale * SV_LOAD(V, noise + i) : value);                           \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void lcm_modes_##SUFFIX(const sk_lcm_params *p, const float *x, const float *m,             \
                                                  const float *noise, float *denoised, float *out, long n) {         \
    switch (p->x0_mode * 2 + (p->renoise != 0)) {                                                                     \
    case 0: lcm_##SUFFIX(p, SK_X0_EPSILON, 0, x, m, noise, denoised, out, n); break;                                 \
    case 1: lcm_##SUFFIX(p, SK_X0_EPSILON, 1, x, m, noise, denoised, out, n); break;                                 \
    case 2: lcm_##SUFFIX(p, SK_X0_SAMPLE, 0, x, m, noise, denoised, out, n); break;                                  \
    case 3: lcm_##SUFFIX(p, SK_X0_SAMPLE, 1, x, m, noise, denoised, out, n); break;                                  \
    case 4: lcm_##SUFFIX(p, SK_X0_V, 0, x, m, noise, denoised, out, n); break;                                       \
    default: lcm_##SUFFIX(p, SK_X0_V, 1, x, m, noise, denoised, out, n); break;                                      \
    }                                                                                                                 \
  }

// MARK: - DPM-Solver singlestep

// The update of one element or vector after the conversion c; every operand has the same type.
#define S2_SINGLESTEP_UPDATE(form, A, B, C1, C2, R0, R1, Q0, Q1, DIFF, TWO, ANCHOR, C, BASE, MIDDLE)                \
  ((form) == SK_SINGLESTEP_FIRST    ? (A) * (ANCHOR) + (B) * (C)                                                     \
   : (form) == SK_SINGLESTEP_SECOND ? ((A) * (ANCHOR) + (B) * (BASE)) + (C1) * ((R0) * ((C) - (BASE)))               \
                                    : ((A) * (ANCHOR) + (B) * (BASE)) +                                               \
                                          (C1) * (((Q0) * ((R1) * ((MIDDLE) - (BASE))) -                             \
                                                   (Q1) * ((R0) * ((C) - (BASE)))) / (DIFF)) +                       \
                                          (C2) * (((TWO) * ((R0) * ((C) - (BASE)) - (R1) * ((MIDDLE) - (BASE)))) /   \
                                                  (DIFF)))

#define S2_SINGLESTEP(SUFFIX, V, W)                                                                                   \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void singlestep_##SUFFIX(                             \
      const sk_singlestep_params *p, const int mode, const int form, const float *x, const float *m,                 \
      const float *anchor, const float *base, const float *middle, const float *noise, float *stash, float *c,       \
      float *out, long n) {                                                                                           \
    const V p0 = (V){} + p->p0, p1 = (V){} + p->p1, a = (V){} + p->a, b = (V){} + p->b;                              \
    const V c1 = (V){} + p->c1, c2 = (V){} + p->c2, r0 = (V){} + p->r0, r1 = (V){} + p->r1;                          \
    const V q0 = (V){} + p->q0, q1 = (V){} + p->q1, diff = (V){} + p->diff, nn = (V){} + p->nn, two = (V){} + 2.0f; \
    const V zero = (V){};                                                                                             \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        const float xv = x[i];                                                                                         \
        const float cv = SV_CONVERT(mode, xv, m[i], p->p0, p->p1);                                                     \
        const float av = anchor ? anchor[i] : xv;                                                                      \
        const float bv = form == SK_SINGLESTEP_FIRST ? 0.0f : base[i];                                                 \
        const float mv = form == SK_SINGLESTEP_THIRD ? middle[i] : 0.0f;                                               \
        float value = S2_SINGLESTEP_UPDATE(form, p->a, p->b, p->c1, p->c2, p->r0, p->r1, p->q0, p->q1, p->diff, 2.0f,  \
                                           av, cv, bv, mv);                                                            \
        if (noise) value = value + p->nn * noise[i];                                                                   \
        c[i] = cv;                                                                                                     \
        if (stash) stash[i] = xv;                                                                                      \
        out[i] = value;                                                                                                \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        const V xv = SV_LOAD(V, x + i);                                                                                \
        const V cv = SV_CONVERT(mode, xv, SV_LOAD(V, m + i), p0, p1);                                                  \
        const V av = anchor ? SV_LOAD(V, anchor + i) : xv;                                                             \
        const V bv = form == SK_SINGLESTEP_FIRST ? zero : SV_LOAD(V, base + i);                                        \
        const V mv = form == SK_SINGLESTEP_THIRD ? SV_LOAD(V, middle + i) : zero;                                      \
        V value = S2_SINGLESTEP_UPDATE(form, a, b, c1, c2, r0, r1, q0, q1, diff, two, av, cv, bv, mv);                 \
        if (noise) value = value + nn * SV_LOAD(V, noise + i);                                                         \
        SV_STORE(c + i, cv);                                                                                           \
        if (stash) SV_STORE(stash + i, xv);                                                                            \
        SV_STORE(out + i, value);                                                                                      \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void singlestep_forms_##SUFFIX(const sk_singlestep_params *p, const int mode,               \
                                                         const float *x, const float *m, const float *anchor,        \
                                                         const float *base, const float *middle, const float *noise, \
                                                         float *stash, float *c, float *out, long n) {               \
    switch (p->form) {                                                                                                \
    case SK_SINGLESTEP_FIRST:                                                                                         \
      singlestep_##SUFFIX(p, mode, SK_SINGLESTEP_FIRST, x, m, anchor, base, middle, noise, stash, c, out, n);        \
      break;                                                                                                          \
    case SK_SINGLESTEP_SECOND:                                                                                        \
      singlestep_##SUFFIX(p, mode, SK_SINGLESTEP_SECOND, x, m, anchor, base, middle, noise, stash, c, out, n);       \
      break;                                                                                                          \
    default:                                                                                                          \
      singlestep_##SUFFIX(p, mode, SK_SINGLESTEP_THIRD, x, m, anchor, base, middle, noise, stash, c, out, n);        \
      break;                                                                                                          \
    }                                                                                                                 \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void singlestep_modes_##SUFFIX(const sk_singlestep_params *p, const float *x,               \
                                                         const float *m, const float *anchor, const float *base,     \
                                                         const float *middle, const float *noise, float *stash,      \
                                                         float *c, float *out, long n) {                             \
    switch (p->conversion) {                                                                                          \
    case 0: singlestep_forms_##SUFFIX(p, 0, x, m, anchor, base, middle, noise, stash, c, out, n); break;             \
    case 1: singlestep_forms_##SUFFIX(p, 1, x, m, anchor, base, middle, noise, stash, c, out, n); break;             \
    case 2: singlestep_forms_##SUFFIX(p, 2, x, m, anchor, base, middle, noise, stash, c, out, n); break;             \
    case 3: singlestep_forms_##SUFFIX(p, 3, x, m, anchor, base, middle, noise, stash, c, out, n); break;             \
    case 4: singlestep_forms_##SUFFIX(p, 4, x, m, anchor, base, middle, noise, stash, c, out, n); break;             \
    default: singlestep_forms_##SUFFIX(p, 5, x, m, anchor, base, middle, noise, stash, c, out, n); break;            \
    }                                                                                                                 \
  }

#define S2_LEVEL(SUFFIX, V, W) S2_HEUN(SUFFIX, V, W) S2_ANCESTRAL(SUFFIX, V, W) S2_LCM(SUFFIX, V, W) S2_SINGLESTEP(SUFFIX, V, W)

S2_LEVEL(portable, sv4, 4)
#if SK_X86
S2_LEVEL(avx2, sv8, 8)
S2_LEVEL(avx512, sv16, 16)
#endif

// MARK: - Dispatch

void sk_heun_first(int level, const sk_heun_params *p, const float *x, const float *m, float *x0, float *derivative,
                   float *start, float *out, long n) {
#define S2_CALL(S) heun_first_modes_##S(p, x, m, x0, derivative, start, out, n)
  SV_DISPATCH(level, S2_CALL);
#undef S2_CALL
}

void sk_heun_second(int level, const sk_heun_params *p, const float *x, const float *m, const float *derivative,
                    const float *start, float *x0, float *out, long n) {
#define S2_CALL(S) heun_second_modes_##S(p, x, m, derivative, start, x0, out, n)
  SV_DISPATCH(level, S2_CALL);
#undef S2_CALL
}

void sk_euler_ancestral(int level, const sk_ancestral_params *p, const float *x, const float *m, const float *noise,
                        float *x0, float *out, long n) {
#define S2_CALL(S) ancestral_modes_##S(p, x, m, noise, x0, out, n)
  SV_DISPATCH(level, S2_CALL);
#undef S2_CALL
}

void sk_lcm(int level, const sk_lcm_params *p, const float *x, const float *m, const float *noise, float *denoised,
            float *out, long n) {
#define S2_CALL(S) lcm_modes_##S(p, x, m, noise, denoised, out, n)
  SV_DISPATCH(level, S2_CALL);
#undef S2_CALL
}

void sk_singlestep(int level, const sk_singlestep_params *p, const float *x, const float *m, const float *anchor,
                   const float *base, const float *middle, const float *noise, float *stash, float *c, float *out,
                   long n) {
#define S2_CALL(S) singlestep_modes_##S(p, x, m, anchor, base, middle, noise, stash, c, out, n)
  SV_DISPATCH(level, S2_CALL);
#undef S2_CALL
}
