/*
 * The memory-bound floors for a scheduler step, single thread, Float32 buffers of each
 * benchmark shape. Each floor is one fused pass with the memory traffic of a step and the
 * least arithmetic that keeps every load and store alive:
 *   c_floor_axpby          out = a*x + b*y                        2 loads, 1 store (the generic floor)
 *   c_floor_2in2out        t = a*x - b*y; o1 = t; o2 = a*t + b*y  2 loads, 2 stores: a DDPM/DDIM/Euler step that
 *                                                                 also writes pred_original_sample
 *   c_floor_axpy_inplace   x = x + a*y                            2 loads, 1 store over x: an in-place Euler or
 *                                                                 flow-matching step
 *   c_floor_3in2out        c = x - a*m; out = a*x + b*c + b*(c - h) 3 loads, 2 stores: a DPM-Solver++ 2M step (x, model
 *                                                                 output, previous prediction in; prediction, sample out)
 *   c_floor_3in2out_inplace the same with out over x
 *   c_floor_5in3out        x, m, h1, h2, last in; c over h2, xc over last, out: a second-order UniPC step
 *                                                                 (corrector and predictor), writing its prediction and
 *                                                                 corrected sample over the buffers it drops
 *   c_floor_5in3out_inplace the same with out over x
 * Built by run-scheduler-bench.sh with plain `gcc -O3` (baseline x86-64) and with -march=native.
 * Output lines match SchedulerBenchmark's: name, shape, median microseconds, samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* b[0..4] are the buffers a case reads and writes; a and b are scalars. */
typedef void (*pass_fn)(float **buf, float a, float b, long n);

__attribute__((noinline)) static void axpby(float **buf, float a, float b, long n) {
  const float *restrict x = buf[0], *restrict y = buf[1];
  float *restrict out = buf[2];
  for (long i = 0; i < n; i++) out[i] = a * x[i] + b * y[i];
}

__attribute__((noinline)) static void two_in_two_out(float **buf, float a, float b, long n) {
  const float *restrict x = buf[0], *restrict y = buf[1];
  float *restrict o1 = buf[2], *restrict o2 = buf[3];
  for (long i = 0; i < n; i++) {
    float t = a * x[i] - b * y[i];
    o1[i] = t;
    o2[i] = a * t + b * y[i];
  }
}

__attribute__((noinline)) static void axpy_inplace(float **buf, float a, float b, long n) {
  float *restrict x = buf[0];
  const float *restrict y = buf[1];
  (void)b;
  for (long i = 0; i < n; i++) x[i] = x[i] + a * y[i];
}

#define DPM_BODY(OUT)                                                                                       \
  for (long i = 0; i < n; i++) {                                                                            \
    float xv = x[i], d = xv - a * m[i], hv = h[i];                                                          \
    c[i] = d;                                                                                               \
    OUT[i] = a * xv + b * d + b * (d - hv);                                                                 \
  }

__attribute__((noinline)) static void three_in_two_out(float **buf, float a, float b, long n) {
  const float *restrict x = buf[0], *restrict m = buf[1], *restrict h = buf[2];
  float *restrict c = buf[3], *restrict out = buf[4];
  DPM_BODY(out)
}

__attribute__((noinline)) static void three_in_two_out_inplace(float **buf, float a, float b, long n) {
  float *restrict x = buf[0], *restrict c = buf[3];
  const float *restrict m = buf[1], *restrict h = buf[2];
  DPM_BODY(x)
}

#define UNIPC_BODY(OUT)                                                                                     \
  for (long i = 0; i < n; i++) {                                                                            \
    float xv = x[i], mv = m[i], m0 = h1[i], m1 = h2[i], lv = last[i];                                       \
    float c = xv - a * mv;                                                                                  \
    float xc = (a * lv + b * m0) + b * ((m1 - m0) + a * (c - m0));                                          \
    float next = (a * xc + b * c) + a * (m0 - c);                                                           \
    h2[i] = c;                                                                                              \
    last[i] = xc;                                                                                           \
    OUT[i] = next;                                                                                          \
  }

/* restrict on parameters, where GCC trusts it (it versions loops over restrict locals). */
static void unipc_out(const float *restrict x, const float *restrict m, const float *restrict h1,
                      float *restrict h2, float *restrict last, float *restrict out, float a, float b, long n) {
  UNIPC_BODY(out)
}

static void unipc_inplace(float *restrict x, const float *restrict m, const float *restrict h1, float *restrict h2,
                          float *restrict last, float a, float b, long n) {
  UNIPC_BODY(x)
}

__attribute__((noinline)) static void five_in_three_out(float **buf, float a, float b, long n) {
  /* buf: x, m, h1, h2, last, out (six buffers). */
  unipc_out(buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], a, b, n);
}

__attribute__((noinline)) static void five_in_three_out_inplace(float **buf, float a, float b, long n) {
  unipc_inplace(buf[0], buf[1], buf[2], buf[3], buf[4], a, b, n);
}

static const struct {
  const char *name;
  pass_fn pass;
} cases[] = {
  {"c_floor_axpby", axpby},
  {"c_floor_2in2out", two_in_two_out},
  {"c_floor_axpy_inplace", axpy_inplace},
  {"c_floor_3in2out", three_in_two_out},
  {"c_floor_3in2out_inplace", three_in_two_out_inplace},
  {"c_floor_5in3out", five_in_three_out},
  {"c_floor_5in3out_inplace", five_in_three_out_inplace},
};

int main(int argc, char **argv) {
  int samples = argc > 1 ? atoi(argv[1]) : 200;
  long shapes[3][4] = {{1, 4, 64, 64}, {1, 4, 128, 128}, {1, 16, 128, 128}};
  for (int s = 0; s < 3; s++) {
    long n = shapes[s][0] * shapes[s][1] * shapes[s][2] * shapes[s][3];
    float *buf[6];
    for (int k = 0; k < 6; k++) {
      buf[k] = aligned_alloc(64, n * sizeof(float));
      /* Small values that stay bounded when a pass feeds its outputs back in. */
      for (long i = 0; i < n; i++) buf[k][i] = (float)((i + 13 * k) % 97) / 970.0f;
    }
    double *times = malloc(samples * sizeof(double));
    const int repeats = 5;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      for (int w = 0; w < samples / 10 + 2; w++) cases[c].pass(buf, 0.5f, 0.125f, n);
      for (int k = 0; k < samples; k++) {
        double t0 = now_us();
        for (int r = 0; r < repeats; r++) cases[c].pass(buf, 0.5f, 0.125f + r * 1e-7f, n);
        times[k] = (now_us() - t0) / repeats;
      }
      qsort(times, samples, sizeof(double), cmp);
      printf("%s\t%ldx%ldx%ldx%ld\t%.3f\t%d\n", cases[c].name, shapes[s][0], shapes[s][1], shapes[s][2],
             shapes[s][3], times[samples / 2], samples);
    }
    volatile float sink = 0;
    for (int k = 0; k < 6; k++) {
      sink += buf[k][n / 2];
      free(buf[k]);
    }
    (void)sink;
    free(times);
  }
  return 0;
}
