// The portable level: one lane in plain C. It is the reference the vector levels must equal bit
// for bit, and the path on CPUs without AVX2 + FMA (the compiler still vectorises the step loop
// with the baseline instruction set: SSE2 on x86-64, NEON on arm64).
#pragma STDC FP_CONTRACT OFF
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "Internal.h"

typedef float vf;
typedef int32_t vi;
typedef int vm;
#define SK_VW 1
#define SK_SUFFIX portable

static inline vf vset1(float a) { return a; }
static inline vf vload(const float *p) { return *p; }
static inline void vstore(float *p, vf v) { *p = v; }
static inline vf vadd(vf a, vf b) { return a + b; }
static inline vf vsub(vf a, vf b) { return a - b; }
static inline vf vmul(vf a, vf b) { return a * b; }
static inline vf vdiv(vf a, vf b) { return a / b; }
static inline vf vsqrt(vf a) { return sqrtf(a); }
static inline vf vfmadd(vf a, vf b, vf c) { return fmaf(a, b, c); }
static inline vf vfnmadd(vf a, vf b, vf c) { return fmaf(-a, b, c); }
static inline vf vneg(vf a) { return -a; }
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }
static inline vf vmin(vf a, vf b) { return a < b ? a : b; }
static inline vm vlt(vf a, vf b) { return a < b; }
static inline vm vgt(vf a, vf b) { return a > b; }
static inline vf vselect(vm m, vf a, vf b) { return m ? a : b; }
static inline vi vbits(vf a) { vi r; memcpy(&r, &a, 4); return r; }
static inline vf vfloat_bits(vi a) { vf r; memcpy(&r, &a, 4); return r; }
static inline vi viset1(int32_t a) { return a; }
static inline vi viload(const uint32_t *p) { return (vi)*p; }
static inline void vistore(uint32_t *p, vi v) { *p = (uint32_t)v; }
static inline vi viand(vi a, vi b) { return a & b; }
static inline vi vior(vi a, vi b) { return a | b; }
static inline vi vixor(vi a, vi b) { return a ^ b; }
static inline vi viadd(vi a, vi b) { return (vi)((uint32_t)a + (uint32_t)b); }
static inline vi visub(vi a, vi b) { return (vi)((uint32_t)a - (uint32_t)b); }
static inline vi vsrl(vi a, int n) { return (vi)((uint32_t)a >> n); }
static inline vi vsll(vi a, int n) { return (vi)((uint32_t)a << n); }
static inline vi vsra(vi a, int n) { return a >> n; }
static inline vf vcvt(vi a) { return (float)a; }
// cvttps2dq: truncation, and INT32_MIN for NaN and out-of-range inputs.
static inline vi vcvtt(vf a) { return (a >= -2147483648.0f && a < 2147483648.0f) ? (vi)a : INT32_MIN; }
static inline vm vieq(vi a, vi b) { return a == b; }

#include "KernelTemplate.h"

void sk_normal_fill_portable(float *d, long blocks) {
  for (long b = 0; b < blocks; b++, d += 16) {
    for (int j = 0; j < 8; j++) box_muller_portable(d[j], d[j + 8], &d[j], &d[j + 8]);
  }
}
