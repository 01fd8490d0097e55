// The fused element passes of the sigma-based schedulers (DPM-Solver, UniPC, Euler, flow
// matching), compiled for each instruction-set level like the DDPM/DDIM step kernels
// (SchedulerKernels.h) and picked at run time with the same level numbers.
//
// Each pass evaluates diffusers' float32 expressions one IEEE operation per Python operator, in
// torch's order, with no fused multiply-add; every level gives the same bits. Signs of
// subtracted terms live in the coefficients (a − b·c and a + (−b)·c are the same IEEE operation).
#ifndef SOLVER_KERNELS_H
#define SOLVER_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// How a model output m becomes the solver's prediction c, with the two scalars p0, p1.
enum {
  SK_CONVERT_DATA_FROM_NOISE = 0,     ///< (x − p0·m) / p1     (σₜ, αₜ)
  SK_CONVERT_IDENTITY = 1,            ///< m
  SK_CONVERT_DATA_FROM_VELOCITY = 2,  ///< p0·x − p1·m         (αₜ, σₜ)
  SK_CONVERT_DATA_FROM_FLOW = 3,      ///< x − p0·m            (σ)
  SK_CONVERT_NOISE_FROM_DATA = 4,     ///< (x − p0·m) / p1     (αₜ, σₜ)
  SK_CONVERT_NOISE_FROM_VELOCITY = 5, ///< p0·m + p1·x         (αₜ, σₜ)
};

/// A DPM-Solver multistep update of order 1 or 2 after the conversion:
///   order 1: out = a·x + b·c
///   order 2: out = (a·x + b·c) + c1·(r0·(c − h1))
/// plus `+ nn·noise` when noise is not NULL.
typedef struct {
  int conversion;
  float p0, p1;
  int order;
  float a, b, c1, r0, nn;
} sk_multistep_params;

/// Converts m into c (stored) and writes the update into out, in one pass.
void sk_multistep(int level, const sk_multistep_params *p, const float *x, const float *m, const float *h1,
                  const float *noise, float *c, float *out, long n);

/// How the Euler step estimates x₀ (s, vc, vb are its scalars).
enum {
  SK_EULER_EPSILON = 0,   ///< x − s·m
  SK_EULER_SAMPLE = 1,    ///< m
  SK_EULER_VELOCITY = 2,  ///< m·vc + x/vb
};

/// An Euler step: x₀ = estimate, out = x + ((x − x₀)/sigma_hat)·dt; with noise, x is first
/// replaced by x + (noise·s_noise)·churn (the s_churn perturbation). x0 may be NULL.
typedef struct {
  int mode;
  float s, vc, vb;
  float sigma_hat, dt;
  float s_noise, churn;
} sk_euler_params;

void sk_euler(int level, const sk_euler_params *p, const float *x, const float *m, const float *noise, float *x0,
              float *out, long n);

/// A flow-matching Euler step out = x + dt·m (out may be x: an in-place step).
void sk_flow_euler(int level, float dt, const float *x, const float *m, float *out, long n);

/// A UniPC step of orders ≤ 2: convert, correct (corrector order 0 = none, 1 or 2), predict (order 1 or 2).
///   c  = convert(x, m)
///   corrector 1: xc = (ca·last + cb·h1) + cc·(rho0·(c − h1) + 0)
///   corrector 2: xc = (ca·last + cb·h1) + cc·(rho0·((h2 − h1)/cr) + rho1·(c − h1))
///   (no corrector: xc = x, stored only when store_start is set)
///   predictor 1: out = (pa·xc + pb·c) − pzero
///   predictor 2: out = (pa·xc + pb·c) + pc·(prho·((h1 − c)/pr))
typedef struct {
  int conversion;
  float p0, p1;
  int corrector_order;
  float ca, cb, cc, cr, rho0, rho1;
  int predictor_order;
  float pa, pb, pc, pr, prho, pzero;
  /// Without a corrector, still copy x into xc (an in-place step keeps the sample it started from).
  int store_start;
} sk_unipc_params;

/// Each element's inputs are read before its outputs are written, so c may share h2's storage,
/// xc last's and out x's (an in-place step that recycles what it drops).
void sk_unipc(int level, const sk_unipc_params *p, const float *x, const float *m, const float *h1, const float *h2,
              const float *last, float *c, float *xc, float *out, long n);

#ifdef __cplusplus
}
#endif

#endif
