// Declarations shared by the per-instruction-set files and the dispatcher.
#ifndef SCHEDULER_KERNELS_INTERNAL_H
#define SCHEDULER_KERNELS_INTERNAL_H

#include "SchedulerKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define SK_X86 1
#else
#define SK_X86 0
#endif

/// One step of the mt19937 state refresh, word by word (shared by every level's leftovers).
static inline uint32_t sk_mt_twist1(uint32_t u, uint32_t v) {
  const uint32_t mixed = (u & 0x80000000u) | (v & 0x7fffffffu);
  return (mixed >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}

#define SK_DECLARE_LEVEL(suffix)                                                                                       \
  long sk_step_vectors_##suffix(const sk_step_params *p, const float *x, const float *m, const float *noise,         \
                                float *x0, float *prev, long n);                                                      \
  void sk_mt_reload_##suffix(uint32_t *state);                                                                       \
  void sk_mt_temper_uniforms_##suffix(const uint32_t *state, float *out, long count);                                \
  void sk_normal_fill_##suffix(float *data, long blocks);

SK_DECLARE_LEVEL(portable)
#if SK_X86
SK_DECLARE_LEVEL(avx2)
SK_DECLARE_LEVEL(avx512)
#endif

#endif
