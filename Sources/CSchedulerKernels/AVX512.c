// The AVX-512F level: 16 lanes, two Box–Muller blocks at a time. Same operations as Portable.c,
// in the same order.
#pragma STDC FP_CONTRACT OFF
#include "Internal.h"

#if SK_X86
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)

typedef __m512 vf;
typedef __m512i vi;
typedef __mmask16 vm;
#define SK_VW 16
#define SK_SUFFIX avx512

static inline vf vset1(float a) { return _mm512_set1_ps(a); }
static inline vf vload(const float *p) { return _mm512_loadu_ps(p); }
static inline void vstore(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vsqrt(vf a) { return _mm512_sqrt_ps(a); }
static inline vf vfmadd(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vfnmadd(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }
static inline vf vneg(vf a) {
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32((int32_t)0x80000000u)));
}
static inline vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vmin(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vm vlt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vm vgt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vf vselect(vm m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }
static inline vi vbits(vf a) { return _mm512_castps_si512(a); }
static inline vf vfloat_bits(vi a) { return _mm512_castsi512_ps(a); }
static inline vi viset1(int32_t a) { return _mm512_set1_epi32(a); }
static inline vi viload(const uint32_t *p) { return _mm512_loadu_si512((const void *)p); }
static inline void vistore(uint32_t *p, vi v) { _mm512_storeu_si512((void *)p, v); }
static inline vi viand(vi a, vi b) { return _mm512_and_si512(a, b); }
static inline vi vior(vi a, vi b) { return _mm512_or_si512(a, b); }
static inline vi vixor(vi a, vi b) { return _mm512_xor_si512(a, b); }
static inline vi viadd(vi a, vi b) { return _mm512_add_epi32(a, b); }
static inline vi visub(vi a, vi b) { return _mm512_sub_epi32(a, b); }
#define vsrl(a, n) _mm512_srli_epi32((a), (n))
#define vsll(a, n) _mm512_slli_epi32((a), (n))
#define vsra(a, n) _mm512_srai_epi32((a), (n))
static inline vf vcvt(vi a) { return _mm512_cvtepi32_ps(a); }
static inline vi vcvtt(vf a) { return _mm512_cvttps_epi32(a); }
static inline vm vieq(vi a, vi b) { return _mm512_cmpeq_epi32_mask(a, b); }

#include "KernelTemplate.h"

void sk_normal_fill_avx512(float *d, long blocks) {
  // Lanes 0-7 take block A's d[j] / d[j+8], lanes 8-15 block B's.
  const vi firstHalves = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const vi secondHalves = _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  long b = 0;
  for (; b + 2 <= blocks; b += 2, d += 32) {
    const vf blockA = vload(d), blockB = vload(d + 16);
    vf first, second;
    box_muller_avx512(_mm512_permutex2var_ps(blockA, firstHalves, blockB),
                      _mm512_permutex2var_ps(blockA, secondHalves, blockB), &first, &second);
    vstore(d, _mm512_permutex2var_ps(first, firstHalves, second));
    vstore(d + 16, _mm512_permutex2var_ps(first, secondHalves, second));
  }
  if (b < blocks) sk_normal_fill_avx2(d, 1);
}

#pragma clang attribute pop
#endif
