// The fused element passes of Heun, Euler ancestral, LCM and DPM-Solver singlestep, compiled for
// each instruction-set level like the other solver kernels (SolverKernels.h) and picked at run
// time with the same level numbers.
//
// Each pass evaluates diffusers' float32 expressions one IEEE operation per Python operator, in
// torch's order, with no fused multiply-add; every level gives the same bits. Each element is
// read before any element is written, so `out` may be the sample `x` (an in-place step).
#ifndef STEP_KERNELS2_H
#define STEP_KERNELS2_H

#include "SchedulerKernels.h"
#include "SolverKernels.h"

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Heun

/// One half step of Heun's method. The x₀ estimate is an SK_EULER_* mode with the scalars s, vc,
/// vb, clamped to [lo, hi] (±∞: no clamp; NaN passes through).
typedef struct {
  int mode;
  float s, vc, vb;
  float lo, hi;
  float sigma;  ///< σ for the Euler half, σ_next for the correction
  float dt;
} sk_heun_params;

/// The Euler half: x₀ = clamp(estimate); d = (x − x₀)/σ; out = x + d·dt. Keeps d in `derivative`
/// and x in `start` for the correction; x0 may be NULL.
void sk_heun_first(int level, const sk_heun_params *p, const float *x, const float *m, float *x0, float *derivative,
                   float *start, float *out, long n);

/// The correction: x₀ = clamp(estimate); d = (derivative + (x − x₀)/σ_next)/2; out = start + d·dt.
void sk_heun_second(int level, const sk_heun_params *p, const float *x, const float *m, const float *derivative,
                    const float *start, float *x0, float *out, long n);

// MARK: - Euler ancestral

/// x₀ = estimate (an SK_EULER_* mode with s, vc, vb); out = (x + ((x − x₀)/σ)·dt) + noise·σ_up.
typedef struct {
  int mode;
  float s, vc, vb;
  float sigma, dt, sigma_up;
} sk_ancestral_params;

void sk_euler_ancestral(int level, const sk_ancestral_params *p, const float *x, const float *m, const float *noise,
                        float *x0, float *out, long n);

// MARK: - LCM

/// x₀ = clamp(estimate) (an SK_X0_* mode with sa = √ᾱₜ, sb = √(1 − ᾱₜ));
/// denoised = c_out·x₀ + c_skip·x; out = signal·denoised + noise_scale·noise when `renoise`, else denoised.
typedef struct {
  int x0_mode;
  float sqrt_alpha, sqrt_beta;
  float lo, hi;
  float c_out, c_skip;
  int renoise;
  float signal, noise_scale;
} sk_lcm_params;

/// `denoised` may be NULL; `noise` is read only when `renoise`.
void sk_lcm(int level, const sk_lcm_params *p, const float *x, const float *m, const float *noise, float *denoised,
            float *out, long n);

// MARK: - DPM-Solver singlestep

/// The shape of a singlestep update (signs folded into the coefficients), after c = convert(x, m):
enum {
  SK_SINGLESTEP_FIRST = 1,   ///< a·anchor + b·c
  SK_SINGLESTEP_SECOND = 2,  ///< (a·anchor + b·base) + c1·(r0·(c − base))
  SK_SINGLESTEP_THIRD = 3,   ///< with f = r1·(middle − base), g = r0·(c − base):
                             ///< ((a·anchor + b·base) + c1·((q0·f − q1·g)/diff)) + c2·((2·(g − f))/diff)
};

/// Order 2 and third-order midpoint are SK_SINGLESTEP_SECOND (base: the anchor's output); third-order
/// heun is SK_SINGLESTEP_THIRD (middle: the output between). `nn·noise` is added when noise is not NULL.
typedef struct {
  int conversion;  ///< an SK_CONVERT_* mode with p0, p1
  float p0, p1;
  int form;
  float a, b, c1, c2, r0, r1, q0, q1, diff, nn;
} sk_singlestep_params;

/// Converts m into c (stored) and writes the update into out, in one pass. `anchor` NULL means the
/// anchor is x itself (a block's first step); `stash`, when not NULL, receives x (the next anchor).
void sk_singlestep(int level, const sk_singlestep_params *p, const float *x, const float *m, const float *anchor,
                   const float *base, const float *middle, const float *noise, float *stash, float *c, float *out,
                   long n);

#ifdef __cplusplus
}
#endif

#endif
