/*
 * What the C tests of libvoiceprint share: pass / fail counters and the
 * CHECK macros (thread-safe: the tests check from several threads), and a
 * few helpers on files and vectors. Each test program includes it once.
 */
#ifndef VP_TEST_CHECK_H
#define VP_TEST_CHECK_H

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voiceprint.h>

static atomic_int passed;
static atomic_int failed;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      atomic_fetch_add(&passed, 1);                                        \
    } else {                                                               \
      atomic_fetch_add(&failed, 1);                                        \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

#define CHECK_STATUS(call, expected)                                              \
  do {                                                                            \
    vp_status got_ = (call);                                                      \
    if (got_ == (expected)) {                                                     \
      atomic_fetch_add(&passed, 1);                                               \
    } else {                                                                      \
      atomic_fetch_add(&failed, 1);                                               \
      fprintf(stderr, "%s:%d: %s gave %s, expected %s (%s)\n", __FILE__, __LINE__, \
              #call, vp_status_name(got_), vp_status_name(expected),              \
              got_ == VP_STATUS_OK ? "" : vp_last_error_message());               \
    }                                                                             \
  } while (0)

static const char BAD_UTF8[] = "\xff\xfe-not-utf8";

/* The calling thread's last message contains `text`. */
static inline int message_has(const char *text) {
  return strstr(vp_last_error_message(), text) != NULL;
}

/* The whole file, malloc'ed (free it); NULL when it cannot be opened. */
static inline unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(buf, 1, n > 0 ? (size_t)n : 0, f);
  fclose(f);
  return buf;
}

static inline void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(data, 1, len, f);
  fclose(f);
}

static inline uint32_t lcg(uint32_t *state) {
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

static inline double max_abs_diff(const float *a, const float *b, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (d > m) m = d;
  }
  return m;
}

static inline double norm(const float *v, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += (double)v[i] * v[i];
  return sqrt(s);
}

/* The same ranked matches: ids, order and scores exactly, the same best
 * (none, or the first) and threshold (NaN equal to NaN). What a batched
 * call must give for each of its queries against the single-query call. */
static inline int same_matches(const vp_matches *a, const vp_matches *b) {
  if (!a || !b || a->len != b->len) return 0;
  for (size_t i = 0; i < a->len; ++i) {
    if (strcmp(a->items[i].id, b->items[i].id) != 0) return 0;
    if (a->items[i].score != b->items[i].score) return 0;
  }
  if ((a->best == NULL) != (b->best == NULL)) return 0;
  if (a->best && (a->best != a->items || b->best != b->items)) return 0;
  return isnan(a->threshold) ? isnan(b->threshold) : a->threshold == b->threshold;
}

/* Prints the tally; the exit status of a test program. */
static inline int report(void) {
  int f = atomic_load(&failed);
  printf("%d passed, %d failed\n", atomic_load(&passed), f);
  return f == 0 ? 0 : 1;
}

#endif /* VP_TEST_CHECK_H */
