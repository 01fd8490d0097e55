/*
 * The memory-bound floors for a scheduler step, single thread, Float32 buffers of each
 * benchmark shape:
 *   c_floor_axpby    one fused pass out[i] = a*x[i] + b*y[i]  (2 loads, 1 store per element)
 *   c_floor_2in2out  the memory traffic of a DDPM/DDIM step, which must also write
 *                    pred_original_sample: t = a*x[i] - b*y[i]; o1[i] = t; o2[i] = a*t + b*y[i]
 *                    (2 loads, 2 stores per element)
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

__attribute__((noinline)) static void axpby(float *restrict out, const float *restrict x,
                                            const float *restrict y, float a, float b, long n) {
  for (long i = 0; i < n; i++) out[i] = a * x[i] + b * y[i];
}

__attribute__((noinline)) static void two_in_two_out(float *restrict o1, float *restrict o2, const float *restrict x,
                                                     const float *restrict y, float a, float b, long n) {
  for (long i = 0; i < n; i++) {
    float t = a * x[i] - b * y[i];
    o1[i] = t;
    o2[i] = a * t + b * y[i];
  }
}

int main(int argc, char **argv) {
  int samples = argc > 1 ? atoi(argv[1]) : 200;
  long shapes[3][4] = {{1, 4, 64, 64}, {1, 4, 128, 128}, {1, 16, 128, 128}};
  for (int s = 0; s < 3; s++) {
    long n = shapes[s][0] * shapes[s][1] * shapes[s][2] * shapes[s][3];
    float *x = aligned_alloc(64, n * sizeof(float)), *y = aligned_alloc(64, n * sizeof(float));
    float *out = aligned_alloc(64, n * sizeof(float));
    for (long i = 0; i < n; i++) { x[i] = (float)(i % 97) / 97.0f; y[i] = (float)(i % 89) / 89.0f; out[i] = 0; }
    double *times = malloc(samples * sizeof(double));
    const int repeats = 5;
    for (int w = 0; w < samples / 10 + 2; w++) axpby(out, x, y, 0.98f, 0.13f, n);
    for (int k = 0; k < samples; k++) {
      double t0 = now_us();
      for (int r = 0; r < repeats; r++) axpby(out, x, y, 0.98f, 0.13f + r * 1e-7f, n);
      times[k] = (now_us() - t0) / repeats;
    }
    qsort(times, samples, sizeof(double), cmp);
    printf("c_floor_axpby\t%ldx%ldx%ldx%ld\t%.3f\t%d\n", shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3],
           times[samples / 2], samples);
    float *out2 = aligned_alloc(64, n * sizeof(float));
    for (long i = 0; i < n; i++) out2[i] = 0;
    for (int w = 0; w < samples / 10 + 2; w++) two_in_two_out(out, out2, x, y, 0.98f, 0.13f, n);
    for (int k = 0; k < samples; k++) {
      double t0 = now_us();
      for (int r = 0; r < repeats; r++) two_in_two_out(out, out2, x, y, 0.98f, 0.13f + r * 1e-7f, n);
      times[k] = (now_us() - t0) / repeats;
    }
    qsort(times, samples, sizeof(double), cmp);
    printf("c_floor_2in2out\t%ldx%ldx%ldx%ld\t%.3f\t%d\n", shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3],
           times[samples / 2], samples);
    volatile float sink = out[n / 2] + out2[n / 3]; (void)sink;
    free(x); free(y); free(out); free(out2); free(times);
  }
  return 0;
}
