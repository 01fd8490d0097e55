// Declarations shared by the per-instruction-set files and the dispatcher.
#ifndef SCHEDULER_KERNELS_INTERNAL_H
#define SCHEDULER_KERNELS_INTERNAL_H

#include "SchedulerKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define SK_X86 1
#else
#define SK_X86 0
#endif

// The elements before `p` reaches a `bytes` boundary, at most n. The passes run those one at a
// time, so the vector loads and stores of the output, and of every buffer at the same offset
// within a line, are aligned (a 64-byte access across two cache lines costs two). Buffers at
// other offsets (glibc puts large arrays at any 16-byte offset) are still read across lines.
static inline long sk_aligned_head(const float *p, long n, long bytes) {
  const long misaligned = (long)((uintptr_t)p % (uintptr_t)bytes);
  const long head = misaligned ? (bytes - misaligned) / (long)sizeof(float) : 0;
  return head < n ? head : n;
}

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
