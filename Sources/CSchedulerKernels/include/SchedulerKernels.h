// The element loops of DiffusionSchedulers, written in C so that one build can carry several
// instruction-set variants (portable, AVX2+FMA, AVX-512F) and pick one at run time.
//
// Every variant evaluates the same float32 operations in the same order as diffusers + torch, so
// all of them give the same bits; only the vector width differs. Nothing here is fused unless
// torch fuses it (the torch.randn recipe), and then the fusion is an explicit fma.
#ifndef SCHEDULER_KERNELS_H
#define SCHEDULER_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set levels, in increasing order. A level is only valid up to `sk_detected_level()`.
enum {
  SK_LEVEL_PORTABLE = 0,  ///< plain C (SSE2 on x86-64 after auto-vectorisation; NEON on arm64)
  SK_LEVEL_AVX2 = 1,      ///< AVX2 + FMA, 8 lanes
  SK_LEVEL_AVX512 = 2,    ///< AVX-512F, 16 lanes
};

/// The highest level this CPU and OS support (cpuid and xgetbv on x86-64; portable elsewhere).
int sk_detected_level(void);

/// How x₀ is estimated from the sample x and the model output m (before clamping).
enum {
  SK_X0_EPSILON = 0,  ///< (x − sb·m) / sa
  SK_X0_SAMPLE = 1,   ///< m
  SK_X0_V = 2,        ///< sa·x − sb·m
};

/// The second term of the update `a·x₀ + b·y`.
enum {
  SK_Y_MODEL = 0,           ///< y = m (DDIM, epsilon prediction)
  SK_Y_SAMPLE_EPSILON = 1,  ///< y = (x − sa·m) / sb (DDIM, sample prediction)
  SK_Y_V_EPSILON = 2,       ///< y = sa·m + sb·x (DDIM, v prediction)
  SK_Y_CLIPPED_EPSILON = 3, ///< y = (x − sa·x₀) / sb, from the clamped x₀ (DDIM use_clipped_model_output)
  SK_Y_SAMPLE = 4,          ///< y = x (DDPM posterior mean)
};

/// What is added after `a·x₀ + b·y`.
enum {
  SK_TAIL_NONE = 0,   ///< nothing
  SK_TAIL_ZERO = 1,   ///< + 0 (diffusers adds the int 0 at t = 0, turning −0 into +0)
  SK_TAIL_NOISE = 2,  ///< + std · noise, the noise read from `prev` where the caller put it
};

/// One fused step pass over n elements:
///   x0[i]   = clamp(estimate(x[i], m[i]), lo, hi)
///   prev[i] = (a·x0[i] + b·y) [+ 0 | + std·noise[i]]
/// Clamping with lo = −∞, hi = +∞ is the identity (NaN included).
typedef struct {
  int32_t x0_mode, y_mode, tail;
  float sqrt_alpha, sqrt_beta;  ///< sa = √ᾱₜ, sb = √(1 − ᾱₜ)
  float lo, hi;                 ///< the x₀ clamp range
  float a, b, std;              ///< the update's coefficients
} sk_step_params;

/// Runs the step pass at `level`. Each element is read before it is written, so `prev` may be `x`
/// (an in-place step) and `noise` (read only for SK_TAIL_NOISE) may be `x0` or `prev`; `x0` may be
/// NULL when the caller does not want x₀ stored.
void sk_step(int level, const sk_step_params *params, const float *x, const float *m, const float *noise, float *x0,
             float *prev, long n);

/// The mt19937 state of torch's CPU generator (at::mt19937).
typedef struct {
  uint32_t state[624];
  long left;  ///< as in torch: a reload happens when a draw brings this to 0
  long next;  ///< index of the next state word to temper
} sk_mt19937;

/// torch.manual_seed(seed) for the engine.
void sk_mt_seed(sk_mt19937 *engine, uint64_t seed);

/// The next 32-bit output (CPUGeneratorImpl::random()).
uint32_t sk_mt_next(sk_mt19937 *engine);

/// torch.randn(n) for float32, n ≥ 16: the vectorised Box–Muller path of CPU torch
/// (n uniforms, blocks of 16, the last 16 redrawn and redone when n % 16 != 0).
void sk_randn(int level, sk_mt19937 *engine, float *out, long n);

/// sk_step with SK_TAIL_NOISE whose noise is torch.randn(n) drawn from `engine` (n ≥ 16), generated
/// in L1-sized chunks inside the pass instead of staged in a buffer. Same bits, same draws as
/// sk_randn followed by sk_step.
void sk_step_randn(int level, const sk_step_params *params, sk_mt19937 *engine, const float *x, const float *m,
                   float *x0, float *prev, long n);

/// The Box–Muller transform alone, in place over `blocks` blocks of 16 uniforms
/// (torch's normal_fill_16 with mean 0 and std 1). Exposed for tests.
void sk_normal_fill(int level, float *data, long blocks);

#ifdef __cplusplus
}
#endif

#endif
