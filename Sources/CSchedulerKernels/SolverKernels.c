// The sigma-based schedulers' fused passes (see include/SolverKernels.h), written once over GCC
// vector extensions and instantiated per level with a target attribute: 4 lanes (portable,
// SSE2/NEON), 8 lanes (AVX2) and 16 lanes (AVX-512F). The vector operators are single IEEE
// operations; FP_CONTRACT is off, so nothing is fused, and every level gives the same bits.
#pragma STDC FP_CONTRACT OFF
#include "VectorLevels.h"

// MARK: - DPM-Solver multistep

#define SV_MULTISTEP(SUFFIX, V, W)                                                                                    \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void multistep_##SUFFIX(const sk_multistep_params *p, const int mode, const int order,      \
                                                  const float *x, const float *m, const float *h1,                   \
                                                  const float *noise, float *c, float *out, long n) {                \
    const V p0 = (V){} + p->p0, p1 = (V){} + p->p1, a = (V){} + p->a, b = (V){} + p->b;                              \
    const V c1 = (V){} + p->c1, r0 = (V){} + p->r0, nn = (V){} + p->nn;                                              \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        const float xv = x[i], d0 = SV_CONVERT(mode, xv, m[i], p->p0, p->p1);                                          \
        c[i] = d0;                                                                                                     \
        float value = p->a * xv + p->b * d0;                                                                           \
        if (order == 2) value = value + p->c1 * (p->r0 * (d0 - h1[i]));                                                \
        if (noise) value = value + p->nn * noise[i];                                                                   \
        out[i] = value;                                                                                                \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        const V xv = SV_LOAD(V, x + i), mv = SV_LOAD(V, m + i);                                                        \
        const V d0 = SV_CONVERT(mode, xv, mv, p0, p1);                                                                 \
        SV_STORE(c + i, d0);                                                                                           \
        V value = a * xv + b * d0;                                                                                     \
        if (order == 2) value = value + c1 * (r0 * (d0 - SV_LOAD(V, h1 + i)));                                         \
        if (noise) value = value + nn * SV_LOAD(V, noise + i);                                                         \
        SV_STORE(out + i, value);                                                                                      \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void multistep_modes_##SUFFIX(const sk_multistep_params *p, const float *x, const float *m, \
                                                        const float *h1, const float *noise, float *c, float *out,   \
                                                        long n) {                                                    \
    /* Constant modes per call, so each combination is its own branch-free loop. */                                  \
    switch (p->conversion * 2 + (p->order == 2)) {                                                                    \
    case 0: multistep_##SUFFIX(p, 0, 1, x, m, h1, noise, c, out, n); break;                                          \
    case 1: multistep_##SUFFIX(p, 0, 2, x, m, h1, noise, c, out, n); break;                                          \
    case 2: multistep_##SUFFIX(p, 1, 1, x, m, h1, noise, c, out, n); break;                                          \
    case 3: multistep_##SUFFIX(p, 1, 2, x, m, h1, noise, c, out, n); break;                                          \
    case 4: multistep_##SUFFIX(p, 2, 1, x, m, h1, noise, c, out, n); break;                                          \
    case 5: multistep_##SUFFIX(p, 2, 2, x, m, h1, noise, c, out, n); break;                                          \
    case 6: multistep_##SUFFIX(p, 3, 1, x, m, h1, noise, c, out, n); break;                                          \
    case 7: multistep_##SUFFIX(p, 3, 2, x, m, h1, noise, c, out, n); break;                                          \
    case 8: multistep_##SUFFIX(p, 4, 1, x, m, h1, noise, c, out, n); break;                                          \
    case 9: multistep_##SUFFIX(p, 4, 2, x, m, h1, noise, c, out, n); break;                                          \
    case 10: multistep_##SUFFIX(p, 5, 1, x, m, h1, noise, c, out, n); break;                                         \
    default: multistep_##SUFFIX(p, 5, 2, x, m, h1, noise, c, out, n); break;                                         \
    }                                                                                                                 \
  }

// MARK: - Euler

#define SV_EULER(SUFFIX, V, W)                                                                                        \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void euler_##SUFFIX(const sk_euler_params *p, const int mode, const float *x,               \
                                              const float *m, const float *noise, float *x0, float *out, long n) {  \
    const V s = (V){} + p->s, vc = (V){} + p->vc, vb = (V){} + p->vb, sh = (V){} + p->sigma_hat;                    \
    const V dt = (V){} + p->dt, sn = (V){} + p->s_noise, k = (V){} + p->churn;                                        \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        float xv = x[i];                                                                                               \
        if (noise) xv = xv + (noise[i] * p->s_noise) * p->churn;                                                       \
        const float mv = m[i];                                                                                         \
        const float o = mode == SK_EULER_EPSILON ? xv - p->s * mv : mode == SK_EULER_SAMPLE ? mv : mv * p->vc + xv / p->vb; \
        if (x0) x0[i] = o;                                                                                             \
        out[i] = xv + ((xv - o) / p->sigma_hat) * p->dt;                                                               \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        V xv = SV_LOAD(V, x + i);                                                                                      \
        if (noise) xv = xv + (SV_LOAD(V, noise + i) * sn) * k;                                                         \
        const V mv = SV_LOAD(V, m + i);                                                                                \
        const V o = mode == SK_EULER_EPSILON ? xv - s * mv : mode == SK_EULER_SAMPLE ? mv : mv * vc + xv / vb;         \
        if (x0) SV_STORE(x0 + i, o);                                                                                   \
        SV_STORE(out + i, xv + ((xv - o) / sh) * dt);                                                                  \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void euler_modes_##SUFFIX(const sk_euler_params *p, const float *x, const float *m,         \
                                                    const float *noise, float *x0, float *out, long n) {             \
    switch (p->mode) {                                                                                                \
    case SK_EULER_EPSILON: euler_##SUFFIX(p, SK_EULER_EPSILON, x, m, noise, x0, out, n); break;                     \
    case SK_EULER_SAMPLE: euler_##SUFFIX(p, SK_EULER_SAMPLE, x, m, noise, x0, out, n); break;                       \
    default: euler_##SUFFIX(p, SK_EULER_VELOCITY, x, m, noise, x0, out, n); break;                                  \
    }                                                                                                                 \
  }

// MARK: - Flow-matching Euler

#define SV_FLOW(SUFFIX, V, W)                                                                                         \
  static SV_ATTR_##SUFFIX void flow_##SUFFIX(float dt, const float *x, const float *m, float *out, long n) {         \
    const V d = (V){} + dt;                                                                                           \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) out[i] = x[i] + dt * m[i];                                                                  \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) SV_STORE(out + i, SV_LOAD(V, x + i) + d * SV_LOAD(V, m + i));                         \
    }                                                                                                                  \
  }

// MARK: - UniPC (orders ≤ 2)

#define SV_UNIPC(SUFFIX, V, W)                                                                                        \
  /* Every input of an element is loaded before any output is stored, so c may be h2's buffer,  */                   \
  /* xc last's and out x's: the scheduler recycles the buffers this step reads and drops.        */                   \
  static inline __attribute__((always_inline)) SV_ATTR_##SUFFIX void unipc_##SUFFIX(                                  \
      const sk_unipc_params *p, const int mode, const int corder, const int porder, const float *x, const float *m,  \
      const float *h1, const float *h2, const float *last, float *c, float *xc, float *out, long n) {                \
    const V p0 = (V){} + p->p0, p1 = (V){} + p->p1;                                                                  \
    const V ca = (V){} + p->ca, cb = (V){} + p->cb, cc = (V){} + p->cc, cr = (V){} + p->cr;                         \
    const V rho0 = (V){} + p->rho0, rho1 = (V){} + p->rho1, zero = (V){};                                            \
    const V pa = (V){} + p->pa, pb = (V){} + p->pb, pc = (V){} + p->pc, pr = (V){} + p->pr, prho = (V){} + p->prho; \
    const V pzero = (V){} + p->pzero;                                                                                 \
    const int keep = corder > 0 || p->store_start;                                                                    \
    long i = 0;                                                                                                       \
    for (long end = sk_aligned_head(out, n, sizeof(V));; end = n) {                                                            \
      for (; i < end; i++) {                                                                                           \
        const float xv = x[i], mv = m[i];                                                                              \
        const float m0 = corder > 0 || porder == 2 ? h1[i] : 0.0f, m1 = corder == 2 ? h2[i] : 0.0f;                    \
        const float lv = corder > 0 ? last[i] : 0.0f;                                                                  \
        const float value = SV_CONVERT(mode, xv, mv, p->p0, p->p1);                                                    \
        float start = xv;                                                                                              \
        if (corder > 0) {                                                                                              \
          const float inner = corder == 1 ? p->rho0 * (value - m0) + 0.0f                                              \
                                          : p->rho0 * ((m1 - m0) / p->cr) + p->rho1 * (value - m0);                    \
          start = (p->ca * lv + p->cb * m0) + p->cc * inner;                                                           \
        }                                                                                                              \
        const float base = p->pa * start + p->pb * value;                                                              \
        const float next = porder == 1 ? base - p->pzero : base + p->pc * (p->prho * ((m0 - value) / p->pr));          \
        c[i] = value;                                                                                                  \
        if (keep) xc[i] = start;                                                                                       \
        out[i] = next;                                                                                                 \
      }                                                                                                                \
      if (end == n) break;                                                                                             \
      for (; i + W <= n; i += W) {                                                                                     \
        const V xv = SV_LOAD(V, x + i), mv = SV_LOAD(V, m + i);                                                        \
        V m0 = zero, m1 = zero, lv = zero;                                                                             \
        if (corder > 0 || porder == 2) m0 = SV_LOAD(V, h1 + i);                                                        \
        if (corder == 2) m1 = SV_LOAD(V, h2 + i);                                                                      \
        if (corder > 0) lv = SV_LOAD(V, last + i);                                                                     \
        const V value = SV_CONVERT(mode, xv, mv, p0, p1);                                                              \
        V start = xv;                                                                                                  \
        if (corder > 0) {                                                                                              \
          const V inner = corder == 1 ? rho0 * (value - m0) + zero : rho0 * ((m1 - m0) / cr) + rho1 * (value - m0);    \
          start = (ca * lv + cb * m0) + cc * inner;                                                                    \
        }                                                                                                              \
        const V base = pa * start + pb * value;                                                                        \
        const V next = porder == 1 ? base - pzero : base + pc * (prho * ((m0 - value) / pr));                          \
        SV_STORE(c + i, value);                                                                                        \
        if (keep) SV_STORE(xc + i, start);                                                                             \
        SV_STORE(out + i, next);                                                                                       \
      }                                                                                                                \
    }                                                                                                                  \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void unipc_orders_##SUFFIX(const sk_unipc_params *p, const int mode, const float *x,       \
                                                     const float *m, const float *h1, const float *h2,               \
                                                     const float *last, float *c, float *xc, float *out, long n) {   \
    switch (p->corrector_order * 2 + (p->predictor_order == 2)) {                                                     \
    case 0: unipc_##SUFFIX(p, mode, 0, 1, x, m, h1, h2, last, c, xc, out, n); break;                                 \
    case 1: unipc_##SUFFIX(p, mode, 0, 2, x, m, h1, h2, last, c, xc, out, n); break;                                 \
    case 2: unipc_##SUFFIX(p, mode, 1, 1, x, m, h1, h2, last, c, xc, out, n); break;                                 \
    case 3: unipc_##SUFFIX(p, mode, 1, 2, x, m, h1, h2, last, c, xc, out, n); break;                                 \
    case 4: unipc_##SUFFIX(p, mode, 2, 1, x, m, h1, h2, last, c, xc, out, n); break;                                 \
    default: unipc_##SUFFIX(p, mode, 2, 2, x, m, h1, h2, last, c, xc, out, n); break;                                \
    }                                                                                                                 \
  }                                                                                                                   \
  static SV_ATTR_##SUFFIX void unipc_modes_##SUFFIX(const sk_unipc_params *p, const float *x, const float *m,         \
                                                    const float *h1, const float *h2, const float *last, float *c,   \
                                                    float *xc, float *out, long n) {                                 \
    switch (p->conversion) {                                                                                          \
    case 0: unipc_orders_##SUFFIX(p, 0, x, m, h1, h2, last, c, xc, out, n); break;                                   \
    case 1: unipc_orders_##SUFFIX(p, 1, x, m, h1, h2, last, c, xc, out, n); break;                                   \
    case 2: unipc_orders_##SUFFIX(p, 2, x, m, h1, h2, last, c, xc, out, n); break;                                   \
    case 3: unipc_orders_##SUFFIX(p, 3, x, m, h1, h2, last, c, xc, out, n); break;                                   \
    case 4: unipc_orders_##SUFFIX(p, 4, x, m, h1, h2, last, c, xc, out, n); break;                                   \
    default: unipc_orders_##SUFFIX(p, 5, x, m, h1, h2, last, c, xc, out, n); break;                                  \
    }                                                                                                                 \
  }

#define SV_LEVEL(SUFFIX, V, W) SV_MULTISTEP(SUFFIX, V, W) SV_EULER(SUFFIX, V, W) SV_FLOW(SUFFIX, V, W) SV_UNIPC(SUFFIX, V, W)

SV_LEVEL(portable, sv4, 4)
#if SK_X86
SV_LEVEL(avx2, sv8, 8)
SV_LEVEL(avx512, sv16, 16)
#endif

#if SK_X86
#include <immintrin.h>

// MARK: - Flow matching with realigned loads (AVX-512)

// An input whose offset within a 64-byte line differs from the output's: it is read with one
// aligned load per vector, and each vector of elements is cut out of two neighbouring aligned
// loads with a permute, instead of loads that straddle two cache lines. The values, and so the
// bits, are the elements themselves.
typedef struct {
  const float *next;  // the next aligned load
  __m512 current;     // the aligned vector holding the stream's next element
  __m512i index;      // elements shift … shift + 15 of current:next
} sv_stream;

__attribute__((target("avx512f"))) static inline sv_stream sv_stream_at(const float *p) {
  const long shift = (long)((uintptr_t)p % 64 / sizeof(float));
  sv_stream s;
  s.next = p - shift;  // within the buffer: callers start one vector past its first element
  s.current = _mm512_load_ps(s.next);
  s.next += 16;
  s.index = _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                             _mm512_set1_epi32((int)shift));
  return s;
}

__attribute__((target("avx512f"))) static inline __m512 sv_stream_read(sv_stream *s) {
  const __m512 following = _mm512_load_ps(s->next);
  const __m512 value = _mm512_permutex2var_ps(s->current, s->index, following);
  s->current = following;
  s->next += 16;
  return value;
}

// x + dt·m: single elements until out is aligned and one vector further (so the streams' first
// aligned loads stay inside x and m), then aligned stores and realigned reads, stopping while
// the streams' look-ahead load is still inside the buffers. out may be x.
__attribute__((target("avx512f"))) static void flow_avx512_realigned(float dt, const float *x, const float *m, float *out,
                                                                    long n) {
  long i = 0, start = sk_aligned_head(out, n, 64) + 16;
  if (start > n) start = n;
  for (; i < start; i++) out[i] = x[i] + dt * m[i];
  if (i + 32 <= n) {
    const __m512 d = _mm512_set1_ps(dt);
    sv_stream xs = sv_stream_at(x + i), ms = sv_stream_at(m + i);
    for (; i + 32 <= n; i += 16) {
      const __m512 xv = sv_stream_read(&xs), mv = sv_stream_read(&ms);
      _mm512_store_ps(out + i, _mm512_add_ps(xv, _mm512_mul_ps(d, mv)));
    }
  }
  for (; i < n; i++) out[i] = x[i] + dt * m[i];
}
#endif

// MARK: - Dispatch

void sk_multistep(int level, const sk_multistep_params *p, const float *x, const float *m, const float *h1,
                  const float *noise, float *c, float *out, long n) {
#define SV_CALL(S) multistep_modes_##S(p, x, m, h1, noise, c, out, n)
  SV_DISPATCH(level, SV_CALL);
#undef SV_CALL
}

void sk_euler(int level, const sk_euler_params *p, const float *x, const float *m, const float *noise, float *x0,
              float *out, long n) {
#define SV_CALL(S) euler_modes_##S(p, x, m, noise, x0, out, n)
  SV_DISPATCH(level, SV_CALL);
#undef SV_CALL
}

void sk_flow_euler(int level, float dt, const float *x, const float *m, float *out, long n) {
#if SK_X86
  if (level >= SK_LEVEL_AVX512) return flow_avx512_realigned(dt, x, m, out, n);
#endif
#define SV_CALL(S) flow_##S(dt, x, m, out, n)
  SV_DISPATCH(level, SV_CALL);
#undef SV_CALL
}

void sk_unipc(int level, const sk_unipc_params *p, const float *x, const float *m, const float *h1, const float *h2,
              const float *last, float *c, float *xc, float *out, long n) {
#define SV_CALL(S) unipc_modes_##S(p, x, m, h1, h2, last, c, xc, out, n)
  SV_DISPATCH(level, SV_CALL);
#undef SV_CALL
}
