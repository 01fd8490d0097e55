// The prelude of the kernel files written over GCC vector extensions (SolverKernels.c,
// StepKernels2.c): each pass is written once as a macro over a vector type V of W lanes and
// instantiated per level with a target attribute: 4 lanes (portable, SSE2/NEON), 8 lanes (AVX2)
// and 16 lanes (AVX-512F). The vector operators are single IEEE operations; the including file
// turns FP_CONTRACT off, so nothing is fused, and every level gives the same bits.
#ifndef SCHEDULER_VECTOR_LEVELS_H
#define SCHEDULER_VECTOR_LEVELS_H

#include "Internal.h"
#include "SolverKernels.h"

#include <string.h>

#define SV_ATTR_portable
#if SK_X86
#define SV_ATTR_avx2 __attribute__((target("avx2")))
#define SV_ATTR_avx512 __attribute__((target("avx512f")))
#endif

typedef float sv4 __attribute__((vector_size(16)));
typedef float sv8 __attribute__((vector_size(32)));
typedef float sv16 __attribute__((vector_size(64)));

#define SV_LOAD(V, p) ({ V v_; memcpy(&v_, (p), sizeof v_); v_; })
#define SV_STORE(p, v) ({ __typeof__(v) s_ = (v); memcpy((p), &s_, sizeof s_); })

// The conversion of one element or vector; P0, P1 are scalars or splats of the same type.
#define SV_CONVERT(mode, X, M, P0, P1)                                                                                \
  ((mode) == SK_CONVERT_DATA_FROM_NOISE || (mode) == SK_CONVERT_NOISE_FROM_DATA ? ((X) - (P0) * (M)) / (P1)         \
   : (mode) == SK_CONVERT_IDENTITY                                      ? (M)                                        \
   : (mode) == SK_CONVERT_DATA_FROM_VELOCITY                            ? (P0) * (X) - (P1) * (M)                     \
   : (mode) == SK_CONVERT_DATA_FROM_FLOW                                ? (X) - (P0) * (M)                            \
                                                                        : (P0) * (M) + (P1) * (X))

// Runs call(suffix) for the highest level at or below `level` that this build has.
#if SK_X86
#define SV_DISPATCH(level, call)                                                                                     \
  do {                                                                                                               \
    if ((level) >= SK_LEVEL_AVX512) call(avx512);                                                                    \
    else if ((level) >= SK_LEVEL_AVX2) call(avx2);                                                                   \
    else call(portable);                                                                                             \
  } while (0)
#else
#define SV_DISPATCH(level, call) call(portable)
#endif

#endif
