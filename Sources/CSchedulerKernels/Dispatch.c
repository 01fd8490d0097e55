// Picks the instruction-set level and routes each kernel call to it.
//
// Every public function takes the level explicitly: DiffusionSchedulers detects it once
// (sk_detected_level) and tests pass lower levels to check that all of them agree.
#include "Internal.h"

#if SK_X86
#include <cpuid.h>

static uint64_t sk_xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}
#endif

int sk_detected_level(void) {
#if SK_X86
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return SK_LEVEL_PORTABLE;
  const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
  if (!osxsave || !avx || !fma) return SK_LEVEL_PORTABLE;
  const uint64_t xcr0 = sk_xgetbv0();
  if ((xcr0 & 0x6) != 0x6) return SK_LEVEL_PORTABLE;  // the OS saves XMM and YMM state
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return SK_LEVEL_PORTABLE;
  const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
  if (!avx2) return SK_LEVEL_PORTABLE;
  if (avx512f && (xcr0 & 0xe6) == 0xe6) return SK_LEVEL_AVX512;  // and opmask + ZMM state
  return SK_LEVEL_AVX2;
#else
  return SK_LEVEL_PORTABLE;
#endif
}

/// The portable pass over elements [from, to).
static void sk_step_range(const sk_step_params *p, const float *x, const float *m, const float *noise, float *x0,
                          float *prev, long from, long to) {
  if (from < to)
    sk_step_vectors_portable(p, x + from, m + from, noise ? noise + from : noise, x0 ? x0 + from : x0, prev + from,
                             to - from);
}

void sk_step(int level, const sk_step_params *p, const float *x, const float *m, const float *noise, float *x0,
             float *prev, long n) {
  long done = 0;
#if SK_X86
  if (level >= SK_LEVEL_AVX2) {
    // The elements before prev reaches a 64-byte boundary go one at a time, so the vector
    // accesses of prev, and of every buffer at the same offset within a line, are aligned (an
    // access across two cache lines costs two); see sk_aligned_head in Internal.h.
    const long head = sk_aligned_head(prev, n, 64);
    sk_step_range(p, x, m, noise, x0, prev, 0, head);
    const float *nv = noise ? noise + head : noise;
    float *x0v = x0 ? x0 + head : x0;
    done = head + (level >= SK_LEVEL_AVX512
                       ? sk_step_vectors_avx512(p, x + head, m + head, nv, x0v, prev + head, n - head)
                       : sk_step_vectors_avx2(p, x + head, m + head, nv, x0v, prev + head, n - head));
  }
#else
  (void)level;
#endif
  sk_step_range(p, x, m, noise, x0, prev, done, n);
}

// MARK: - mt19937

void sk_mt_seed(sk_mt19937 *g, uint64_t seed) {
  g->state[0] = (uint32_t)(seed & 0xffffffffu);
  for (int j = 1; j < 624; j++) g->state[j] = 1812433253u * (g->state[j - 1] ^ (g->state[j - 1] >> 30)) + (uint32_t)j;
  g->left = 1;
  g->next = 0;
}

static void sk_mt_reload(int level, uint32_t *state) {
#if SK_X86
  if (level >= SK_LEVEL_AVX512) { sk_mt_reload_avx512(state); return; }
  if (level >= SK_LEVEL_AVX2) { sk_mt_reload_avx2(state); return; }
#else
  (void)level;
#endif
  sk_mt_reload_portable(state);
}

uint32_t sk_mt_next(sk_mt19937 *g) {
  if (--g->left <= 0) {
    sk_mt_reload_portable(g->state);
    g->left = 624;
    g->next = 0;
  }
  uint32_t y = g->state[g->next++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

/// n float uniforms, exactly as n calls of random() would produce them.
static void sk_mt_uniforms(int level, sk_mt19937 *g, float *out, long n) {
  while (n > 0) {
    if (g->left <= 1) {
      // The draw that would bring `left` to 0 reloads; after k draws from a fresh state torch has left = 625 − k.
      sk_mt_reload(level, g->state);
      g->left = 625;
      g->next = 0;
    }
    const long k = n < g->left - 1 ? n : g->left - 1;
#if SK_X86
    if (level >= SK_LEVEL_AVX512) sk_mt_temper_uniforms_avx512(g->state + g->next, out, k);
    else if (level >= SK_LEVEL_AVX2) sk_mt_temper_uniforms_avx2(g->state + g->next, out, k);
    else
#endif
      sk_mt_temper_uniforms_portable(g->state + g->next, out, k);
    g->next += k;
    g->left -= k;
    out += k;
    n -= k;
  }
}

// MARK: - Box–Muller

void sk_normal_fill(int level, float *data, long blocks) {
#if SK_X86
  if (level >= SK_LEVEL_AVX512) { sk_normal_fill_avx512(data, blocks); return; }
  if (level >= SK_LEVEL_AVX2) { sk_normal_fill_avx2(data, blocks); return; }
#else
  (void)level;
#endif
  sk_normal_fill_portable(data, blocks);
}

/// Values drawn and transformed per round: a multiple of 16 that keeps the chunk in L1.
#define SK_RANDN_CHUNK 2048

void sk_randn(int level, sk_mt19937 *g, float *out, long n) {
  if (n < 16) return;
  // torch draws all n uniforms and then transforms them; a block's transform depends only on its
  // own uniforms, so drawing and transforming chunk by chunk (while the chunk is in L1) is the same.
  const long whole = n - n % 16;
  for (long i = 0; i < n; i += SK_RANDN_CHUNK) {
    const long length = n - i < SK_RANDN_CHUNK ? n - i : SK_RANDN_CHUNK;
    sk_mt_uniforms(level, g, out + i, length);
    const long end = i + length < whole ? i + length : whole;
    sk_normal_fill(level, out + i, (end - i) / 16);
  }
  if (n % 16 != 0) {
    // torch redraws the last 16 uniforms and transforms them again, overwriting the tail.
    sk_mt_uniforms(level, g, out + n - 16, 16);
    sk_normal_fill(level, out + n - 16, 1);
  }
}

void sk_step_randn(int level, const sk_step_params *p, sk_mt19937 *g, const float *x, const float *m, float *x0,
                   float *prev, long n) {
  if (n < 16) return;
  // The same draws as sk_randn, one L1-sized chunk at a time, each chunk consumed by the step as
  // soon as its noise is final. When n % 16 != 0 the last 16 values are redrawn at the very end,
  // so those elements wait for the redraw: every element is stepped exactly once, with torch's noise.
  _Alignas(64) float noise[SK_RANDN_CHUNK];
  const long whole = n - n % 16, settled = n % 16 ? n - 16 : n;
  for (long i = 0; i < n; i += SK_RANDN_CHUNK) {
    const long length = n - i < SK_RANDN_CHUNK ? n - i : SK_RANDN_CHUNK;
    sk_mt_uniforms(level, g, noise, length);
    const long end = i + length < whole ? i + length : whole;
    sk_normal_fill(level, noise, (end - i) / 16);
    const long stepped = i + length < settled ? i + length : settled;
    if (stepped > i) sk_step(level, p, x + i, m + i, noise, x0 ? x0 + i : x0, prev + i, stepped - i);
  }
  if (n % 16 != 0) {
    sk_mt_uniforms(level, g, noise, 16);
    sk_normal_fill(level, noise, 1);
    sk_step(level, p, x + n - 16, m + n - 16, noise, x0 ? x0 + n - 16 : x0, prev + n - 16, 16);
  }
}
