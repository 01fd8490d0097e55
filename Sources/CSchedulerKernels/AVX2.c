// The AVX2 + FMA level: 8 lanes. Same operations as Portable.c, in the same order.
#pragma STDC FP_CONTRACT OFF
#include "Internal.h"

#if SK_X86
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

typedef __m256 vf;
typedef __m256i vi;
typedef __m256 vm;
#define SK_VW 8
#define SK_SUFFIX avx2

static inline vf vset1(float a) { return _mm256_set1_ps(a); }
static inline vf vload(const float *p) { return _mm256_loadu_ps(p); }
static inline void vstore(float *p, vf v) { _mm256_storeu_ps(p, v); }
static inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vsqrt(vf a) { return _mm256_sqrt_ps(a); }
static inline vf vfmadd(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vfnmadd(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
static inline vf vneg(vf a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
static inline vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vmin(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vm vlt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vm vgt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vf vselect(vm m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
static inline vi vbits(vf a) { return _mm256_castps_si256(a); }
static inline vf vfloat_bits(vi a) { return _mm256_castsi256_ps(a); }
static inline vi viset1(int32_t a) { return _mm256_set1_epi32(a); }
static inline vi viload(const uint32_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline void vistore(uint32_t *p, vi v) { _mm256_storeu_si256((__m256i *)p, v); }
static inline vi viand(vi a, vi b) { return _mm256_and_si256(a, b); }
static inline vi vior(vi a, vi b) { return _mm256_or_si256(a, b); }
static inline vi vixor(vi a, vi b) { return _mm256_xor_si256(a, b); }
static inline vi viadd(vi a, vi b) { return _mm256_add_epi32(a, b); }
static inline vi visub(vi a, vi b) { return _mm256_sub_epi32(a, b); }
#define vsrl(a, n) _mm256_srli_epi32((a), (n))
#define vsll(a, n) _mm256_slli_epi32((a), (n))
#define vsra(a, n) _mm256_srai_epi32((a), (n))
static inline vf vcvt(vi a) { return _mm256_cvtepi32_ps(a); }
static inline vi vcvtt(vf a) { return _mm256_cvttps_epi32(a); }
static inline vm vieq(vi a, vi b) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, b)); }

#include "KernelTemplate.h"

void sk_normal_fill_avx2(float *d, long blocks) {
  for (long b = 0; b < blocks; b++, d += 16) {
    vf first, second;
    box_muller_avx2(vload(d), vload(d + 8), &first, &second);
    vstore(d, first);
    vstore(d + 8, second);
  }
}

#pragma clang attribute pop
#endif
