/*
 * The C test of libvoiceprint's raw-vector store API: vp_index_options,
 * vp_store_*_with, vp_store_upsert_vectors, vp_store_search / _batch,
 * vp_store_remove / _flush, the HNSW state and rebuild, vector_bytes and
 * storage, on random unit vectors it makes itself (no model, no data), and
 * on bad input (each error status). Run by scripts/test_ffi.sh, natively
 * and under valgrind:
 *
 *   test_store_search TMP_DIR
 *
 * TMP_DIR receives a SQLite store and its saved HNSW graph. Natively the
 * stores hold 3000 vectors of dimension 32 (ids "r0".."r2999"; the exact
 * scan then takes its compressed first pass) and the HNSW index switches on
 * at 2000; with VP_TEST_SHORT=1 (the valgrind pass) 600 and 400: the same
 * functions and checks, a fraction of the work.
 *
 * Prints one line per failed check and ends with "N passed, N failed";
 * exits non-zero on any failure.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <voiceprint.h>

#include "check.h"

#define DIM 32
#define K 10
#define PI 3.14159265358979323846
/* Scores are float32 dot products summed in another order than here. */
#define SCORE_TOL 1e-5

static const char *TMP_DIR;
static size_t N;           /* records in the big stores */
static size_t MIN_RECORDS; /* where their HNSW index switches on */
static size_t QUERIES;     /* random queries per check */

static float *VECTORS; /* N x DIM, row-major, unit length */
static char (*IDS)[16];
static const char **ID_PTRS;

/* ---------------------------------------------------------------- data */

/* A standard normal value (Box-Muller on the LCG). */
static double gaussian(uint32_t *seed) {
  double u1 = ((double)lcg(seed) + 1.0) / (double)(1u << 24);
  double u2 = (double)lcg(seed) / (double)(1u << 24);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * PI * u2);
}

/* `n` random unit vectors of DIM values into `out`, row-major. */
static void random_unit(float *out, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; ++i) {
    float *v = out + i * DIM;
    for (size_t d = 0; d < DIM; ++d) v[d] = (float)gaussian(&seed);
    double len = norm(v, DIM);
    for (size_t d = 0; d < DIM; ++d) v[d] = (float)(v[d] / len);
  }
}

static double dot(const float *a, const float *b) {
  double s = 0.0;
  for (size_t d = 0; d < DIM; ++d) s += (double)a[d] * b[d];
  return s;
}

/* Row `i` of VECTORS for id "r<i>", or -1. */
static long index_of(const char *id) {
  if (id[0] != 'r') return -1;
  char *end = NULL;
  long i = strtol(id + 1, &end, 10);
  return (*end == '\0' && i >= 0 && (size_t)i <= N) ? i : -1;
}

/* The brute-force top k of `query` over the rows not in `skip` (NULL for
 * none) and, when `allowed` is not NULL, only those it marks: their
 * scores, best first, into `scores`; returns how many. */
static size_t brute_force(const float *query, size_t k, const bool *allowed, const bool *skip,
                          double *scores) {
  size_t len = 0;
  for (size_t i = 0; i < N; ++i) {
    if ((allowed && !allowed[i]) || (skip && skip[i])) continue;
    double s = dot(query, VECTORS + i * DIM);
    if (len < k) {
      ++len;
    } else if (s <= scores[k - 1]) {
      continue;
    }
    size_t j = len - 1;
    while (j > 0 && scores[j - 1] < s) {
      scores[j] = scores[j - 1];
      --j;
    }
    scores[j] = s;
  }
  return len;
}

/* `m` is what an exact search for `query` must give: the brute-force
 * scores rank by rank, each id's own dot product as its score (so ids
 * differ from brute force only between ties), no id twice, none in
 * `skip`, only `allowed` ones, best first, `best` NULL and `threshold`
 * NaN. */
static bool is_exact(const vp_matches *m, const float *query, size_t k, const bool *allowed,
                     const bool *skip) {
  double want[K + 1];
  size_t len = brute_force(query, k, allowed, skip, want);
  if (!m || m->len != len || m->best != NULL || !isnan(m->threshold)) return false;
  for (size_t r = 0; r < len; ++r) {
    long i = index_of(m->items[r].id);
    if (i < 0 || (allowed && !allowed[i]) || (skip && skip[i])) return false;
    if (fabs(m->items[r].score - want[r]) > SCORE_TOL) return false;
    if (fabs(m->items[r].score - dot(query, VECTORS + i * DIM)) > SCORE_TOL) return false;
    if (r > 0 && m->items[r].score > m->items[r - 1].score) return false;
    for (size_t q = 0; q < r; ++q)
      if (strcmp(m->items[q].id, m->items[r].id) == 0) return false;
  }
  return true;
}

static bool contains(const vp_matches *m, const char *id) {
  for (size_t r = 0; m && r < m->len; ++r)
    if (strcmp(m->items[r].id, id) == 0) return true;
  return false;
}

/* A store with the given options (NULL: defaults) holding rows
 * [from, to) of VECTORS; NULL on failure (already counted). */
static vp_store *memory_store(const vp_index_options *options, size_t from, size_t to) {
  vp_store *store = NULL;
  CHECK_STATUS(vp_store_memory_new_with("random-32", DIM, options, &store), VP_STATUS_OK);
  if (!store) return NULL;
  if (to > from)
    CHECK_STATUS(vp_store_upsert_vectors(store, ID_PTRS + from, VECTORS + from * DIM, to - from,
                                         DIM),
                 VP_STATUS_OK);
  return store;
}

static vp_hnsw_status hnsw_state(const vp_store *store) {
  vp_hnsw_status s;
  memset(&s, 0xab, sizeof s);
  CHECK_STATUS(vp_store_hnsw_state(store, &s), VP_STATUS_OK);
  return s;
}

static bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && st.st_size > 0;
}

/* ---------------------------------------------------------------- tests */

static void test_options_default(void) {
  vp_index_options o = vp_index_options_default();
  CHECK(o.storage == VP_STORAGE_F32);
  CHECK(o.compressed_scan);
  CHECK(!o.hnsw_enabled);
  /* Core's HnswOptions::default(), there to turn on as they are. */
  CHECK(o.hnsw_min_records == 50000);
  CHECK(o.hnsw_connectivity == 16);
  CHECK(o.hnsw_expansion_add == 128);
  CHECK(o.hnsw_expansion_search == 128);
  CHECK(o.hnsw_quantization == VP_HNSW_QUANTIZATION_F32);
}

/* The default store (exact, with the compressed first pass from 2048
 * records on) against brute force; the old constructor and getters on a
 * store made by the new one. */
static void test_exact(float *queries) {
  vp_store *store = memory_store(NULL, 0, N);
  if (!store) return;
  size_t n = 0;
  CHECK_STATUS(vp_store_count(store, &n), VP_STATUS_OK);
  CHECK(n == N);
  CHECK(vp_store_dim(store) == DIM);
  CHECK(strcmp(vp_store_model_id(store), "random-32") == 0);
  vp_hnsw_status s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_OFF && s.records == 0 && s.min_records == 0);
  vp_storage storage = VP_STORAGE_F16;
  CHECK_STATUS(vp_store_storage(store, &storage), VP_STATUS_OK);
  CHECK(storage == VP_STORAGE_F32);

  for (size_t q = 0; q < QUERIES; ++q) {
    vp_matches *m = NULL;
    CHECK_STATUS(vp_store_search(store, queries + q * DIM, DIM, K, NULL, 0, &m), VP_STATUS_OK);
    CHECK(is_exact(m, queries + q * DIM, K, NULL, NULL));
    vp_matches_free(m);
  }
  /* A stored vector finds itself first, at (nearly) 1. */
  size_t self = N / 3;
  vp_matches *m = NULL;
  CHECK_STATUS(vp_store_search(store, VECTORS + self * DIM, DIM, 1, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 1 && strcmp(m->items[0].id, IDS[self]) == 0);
  CHECK(m && m->len == 1 && fabs(m->items[0].score - 1.0) < SCORE_TOL);
  vp_matches_free(m);
  /* k beyond the store: every record, ranked. */
  vp_store *small = memory_store(NULL, 0, 5);
  if (small) CHECK_STATUS(vp_store_search(small, queries, DIM, 50, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 5);
  vp_matches_free(m);
  vp_store_free(small);

  /* Upserting an id again replaces its vector. */
  CHECK_STATUS(vp_store_upsert_vectors(store, ID_PTRS + self, queries, 1, DIM), VP_STATUS_OK);
  CHECK_STATUS(vp_store_count(store, &n), VP_STATUS_OK);
  CHECK(n == N);
  CHECK_STATUS(vp_store_search(store, queries, DIM, 1, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 1 && strcmp(m->items[0].id, IDS[self]) == 0);
  CHECK(m && m->len == 1 && fabs(m->items[0].score - 1.0) < SCORE_TOL);
  vp_matches_free(m);
  vp_store_free(store);
}

/* search_batch row i is exactly search of row i, with and without
 * candidates; candidates restrict, unknown ones are ignored, an empty
 * (non-NULL) list finds nothing. */
static void test_batch_and_candidates(float *queries) {
  vp_store *store = memory_store(NULL, 0, N);
  if (!store) return;
  bool *allowed = calloc(N, sizeof *allowed);
  const char *candidates[8];
  size_t num_candidates = 0;
  for (size_t i = 3; i < N && num_candidates < 7; i += N / 7) {
    candidates[num_candidates++] = IDS[i];
    allowed[i] = true;
  }
  candidates[num_candidates++] = "not-stored";

  for (int restricted = 0; restricted < 2; ++restricted) {
    const char *const *c = restricted ? candidates : NULL;
    size_t c_len = restricted ? num_candidates : 0;
    vp_batch_matches *b = NULL;
    CHECK_STATUS(vp_store_search_batch(store, queries, QUERIES, DIM, K, c, c_len, &b),
                 VP_STATUS_OK);
    CHECK(b && b->len == QUERIES);
    for (size_t q = 0; b && q < b->len; ++q) {
      vp_matches *m = NULL;
      CHECK_STATUS(vp_store_search(store, queries + q * DIM, DIM, K, c, c_len, &m), VP_STATUS_OK);
      CHECK(same_matches(&b->items[q], m));
      CHECK(is_exact(m, queries + q * DIM, K, restricted ? allowed : NULL, NULL));
      if (restricted) CHECK(m && m->len == num_candidates - 1 && !contains(m, "not-stored"));
      vp_matches_free(m);
    }
    vp_batch_matches_free(b);
  }
  /* An empty candidate list is not "no list": nothing qualifies. */
  vp_matches *m = NULL;
  CHECK_STATUS(vp_store_search(store, queries, DIM, K, candidates, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 0 && m->best == NULL);
  vp_matches_free(m);
  vp_batch_matches *b = NULL;
  CHECK_STATUS(vp_store_search_batch(store, queries, 2, DIM, K, candidates, 0, &b), VP_STATUS_OK);
  CHECK(b && b->len == 2 && b->items[0].len == 0 && b->items[1].len == 0);
  vp_batch_matches_free(b);
  free(allowed);
  vp_store_free(store);
}

/* float16 rows: half the memory of float32 (both without the int8 copy),
 * scores within float16 rounding. */
static void test_f16_storage(float *queries) {
  vp_index_options o = vp_index_options_default();
  o.compressed_scan = false;
  vp_store *f32 = memory_store(&o, 0, N);
  o.storage = VP_STORAGE_F16;
  vp_store *f16 = memory_store(&o, 0, N);
  if (!f32 || !f16) {
    vp_store_free(f32);
    vp_store_free(f16);
    return;
  }
  vp_storage storage = VP_STORAGE_F32;
  CHECK_STATUS(vp_store_storage(f16, &storage), VP_STATUS_OK);
  CHECK(storage == VP_STORAGE_F16);
  size_t bytes32 = 0, bytes16 = 0;
  CHECK_STATUS(vp_store_vector_bytes(f32, &bytes32), VP_STATUS_OK);
  CHECK_STATUS(vp_store_vector_bytes(f16, &bytes16), VP_STATUS_OK);
  CHECK(bytes32 >= N * DIM * sizeof(float));
  CHECK(bytes16 > 0 && fabs((double)bytes16 / (double)bytes32 - 0.5) < 0.05);
  /* The int8 copy of the compressed scan costs dim + 12 bytes a record. */
  vp_store *compressed = memory_store(NULL, 0, N);
  size_t bytes_c = 0;
  CHECK_STATUS(vp_store_vector_bytes(compressed, &bytes_c), VP_STATUS_OK);
  CHECK(bytes_c >= bytes32 + N * (DIM + 12));
  vp_store_free(compressed);

  for (size_t q = 0; q < QUERIES; ++q) {
    vp_matches *m = NULL;
    CHECK_STATUS(vp_store_search(f16, queries + q * DIM, DIM, K, NULL, 0, &m), VP_STATUS_OK);
    double want[K];
    size_t len = brute_force(queries + q * DIM, K, NULL, NULL, want);
    CHECK(m && m->len == len);
    for (size_t r = 0; m && r < m->len && r < len; ++r)
      CHECK(fabs(m->items[r].score - want[r]) < 2e-3);
    vp_matches_free(m);
  }
  vp_store_free(f32);
  vp_store_free(f16);
}

/* An HNSW index waits for min_records, then serves searches (rescored
 * exactly: the scores are dot products) and never returns a removed
 * record; rebuild works and is refused without an index. */
static void test_hnsw(float *queries) {
  vp_index_options o = vp_index_options_default();
  o.hnsw_enabled = true;
  o.hnsw_min_records = MIN_RECORDS;
  size_t half = MIN_RECORDS / 2;
  vp_store *store = memory_store(&o, 0, half);
  if (!store) return;
  vp_hnsw_status s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_WAITING && s.min_records == MIN_RECORDS);
  CHECK(s.records == 0 && s.memory_bytes == 0 && !s.loaded_from_file);
  /* Searches are exact while it waits. */
  vp_matches *m = NULL;
  CHECK_STATUS(vp_store_search(store, queries, DIM, K, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == K);
  vp_matches_free(m);

  CHECK_STATUS(vp_store_upsert_vectors(store, ID_PTRS + half, VECTORS + half * DIM, N - half, DIM),
               VP_STATUS_OK);
  s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_READY && s.records == N && s.memory_bytes > 0);
  CHECK(!s.loaded_from_file && s.min_records == 0);

  /* Every hit is a stored record scored by its exact dot product; recall
   * against brute force is high (a loose bound: the graph is approximate). */
  size_t found = 0, wanted = 0;
  bool *skip = calloc(N, sizeof *skip);
  for (size_t q = 0; q < QUERIES; ++q) {
    const float *query = queries + q * DIM;
    CHECK_STATUS(vp_store_search(store, query, DIM, K, NULL, 0, &m), VP_STATUS_OK);
    double want[K];
    size_t len = brute_force(query, K, NULL, skip, want);
    CHECK(m && m->len == len);
    for (size_t r = 0; m && r < m->len; ++r) {
      long i = index_of(m->items[r].id);
      CHECK(i >= 0 && fabs(m->items[r].score - dot(query, VECTORS + i * DIM)) < SCORE_TOL);
      if (m->items[r].score >= want[len - 1] - SCORE_TOL) ++found;
    }
    wanted += len;
    /* Remove the top hit: no search returns it again. */
    if (m && m->len > 0) {
      char top[16];
      snprintf(top, sizeof top, "%s", m->items[0].id);
      long i = index_of(top);
      bool removed = false;
      CHECK_STATUS(vp_store_remove(store, top, &removed), VP_STATUS_OK);
      CHECK(removed);
      if (i >= 0) skip[i] = true;
      vp_matches *after = NULL;
      CHECK_STATUS(vp_store_search(store, query, DIM, K, NULL, 0, &after), VP_STATUS_OK);
      CHECK(after && after->len == K && !contains(after, top));
      vp_matches_free(after);
      /* Its own vector, as the query: still not found. */
      if (i >= 0) {
        CHECK_STATUS(vp_store_search(store, VECTORS + i * DIM, DIM, K, NULL, 0, &after),
                     VP_STATUS_OK);
        CHECK(after && after->len == K && !contains(after, top));
        vp_matches_free(after);
      }
    }
    vp_matches_free(m);
  }
  CHECK(wanted > 0 && (double)found / (double)wanted >= 0.8);
  /* Nor a batched search, with or without candidates naming it. */
  const char *named[1];
  vp_batch_matches *b = NULL;
  CHECK_STATUS(vp_store_search_batch(store, queries, QUERIES, DIM, K, NULL, 0, &b), VP_STATUS_OK);
  for (size_t q = 0; b && q < b->len; ++q)
    for (size_t r = 0; r < b->items[q].len; ++r) {
      long i = index_of(b->items[q].items[r].id);
      CHECK(i >= 0 && !skip[i]);
    }
  vp_batch_matches_free(b);
  for (size_t i = 0; i < N; ++i)
    if (skip[i]) {
      named[0] = IDS[i];
      CHECK_STATUS(vp_store_search(store, VECTORS + i * DIM, DIM, K, named, 1, &m), VP_STATUS_OK);
      CHECK(m && m->len == 0);
      vp_matches_free(m);
      break;
    }
  size_t removed_count = 0;
  for (size_t i = 0; i < N; ++i) removed_count += skip[i];
  size_t n = 0;
  CHECK_STATUS(vp_store_count(store, &n), VP_STATUS_OK);
  CHECK(n == N - removed_count);

  /* A rebuild compacts the graph to the live records. */
  CHECK_STATUS(vp_store_rebuild_hnsw(store), VP_STATUS_OK);
  s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_READY && s.records == N - removed_count);
  for (size_t i = 0; i < N; ++i)
    if (skip[i]) {
      CHECK_STATUS(vp_store_search(store, VECTORS + i * DIM, DIM, K, NULL, 0, &m), VP_STATUS_OK);
      CHECK(m && m->len == K && !contains(m, IDS[i]));
      vp_matches_free(m);
    }
  free(skip);
  vp_store_free(store);

  /* f16 and i8 graphs work too. */
  for (uint32_t q = VP_HNSW_QUANTIZATION_F16; q <= VP_HNSW_QUANTIZATION_I8; ++q) {
    o.hnsw_quantization = q;
    o.hnsw_min_records = 1;
    store = memory_store(&o, 0, MIN_RECORDS);
    s = hnsw_state(store);
    CHECK(s.state == VP_HNSW_STATE_READY && s.records == MIN_RECORDS);
    size_t self = MIN_RECORDS / 2;
    CHECK_STATUS(vp_store_search(store, VECTORS + self * DIM, DIM, 1, NULL, 0, &m), VP_STATUS_OK);
    CHECK(m && m->len == 1 && strcmp(m->items[0].id, IDS[self]) == 0);
    vp_matches_free(m);
    vp_store_free(store);
  }

  /* No index asked for: nothing to rebuild. */
  store = memory_store(NULL, 0, 10);
  CHECK_STATUS(vp_store_rebuild_hnsw(store), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("hnsw"));
  vp_store_free(store);
}

/* A SQLite store with an HNSW index saves the graph beside its file on
 * flush and on free; a reopen with the index loads it instead of
 * rebuilding, one without it does not. */
static void test_sqlite_hnsw(void) {
  char db[4096], graph[4096 + 16], keys[4096 + 16], side[4096 + 16];
  snprintf(db, sizeof db, "%s/vectors.db", TMP_DIR);
  snprintf(graph, sizeof graph, "%s.hnsw", db);
  snprintf(keys, sizeof keys, "%s.hnsw.keys", db);
  remove(db);
  remove(graph);
  remove(keys);
  snprintf(side, sizeof side, "%s-wal", db);
  remove(side);
  snprintf(side, sizeof side, "%s-shm", db);
  remove(side);

  size_t records = MIN_RECORDS;
  vp_index_options o = vp_index_options_default();
  o.hnsw_enabled = true;
  o.hnsw_min_records = records / 2;
  vp_store *store = NULL;
  CHECK_STATUS(vp_store_sqlite_create_or_open_with(db, "random-32", DIM, &o, &store), VP_STATUS_OK);
  if (!store) return;
  CHECK_STATUS(vp_store_upsert_vectors(store, ID_PTRS, VECTORS, records, DIM), VP_STATUS_OK);
  vp_hnsw_status s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_READY && s.records == records && !s.loaded_from_file);
  CHECK_STATUS(vp_store_flush(store), VP_STATUS_OK);
  CHECK(file_exists(graph) && file_exists(keys));
  vp_store_free(store);

  store = NULL;
  CHECK_STATUS(vp_store_sqlite_open_with(db, &o, &store), VP_STATUS_OK);
  if (!store) return;
  s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_READY && s.records == records && s.loaded_from_file);
  CHECK(vp_store_dim(store) == DIM && strcmp(vp_store_model_id(store), "random-32") == 0);
  vp_matches *m = NULL;
  size_t self = records / 3;
  CHECK_STATUS(vp_store_search(store, VECTORS + self * DIM, DIM, 3, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 3 && strcmp(m->items[0].id, IDS[self]) == 0);
  vp_matches_free(m);
  /* A change, then free without flush: saved on close. */
  bool removed = false;
  CHECK_STATUS(vp_store_remove(store, IDS[self], &removed), VP_STATUS_OK);
  CHECK(removed);
  CHECK_STATUS(vp_store_upsert_vectors(store, ID_PTRS + records, VECTORS + records * DIM, 1, DIM),
               VP_STATUS_OK);
  vp_store_free(store);

  store = NULL;
  CHECK_STATUS(vp_store_sqlite_create_or_open_with(db, "random-32", DIM, &o, &store), VP_STATUS_OK);
  if (!store) return;
  s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_READY && s.loaded_from_file);
  size_t n = 0;
  CHECK_STATUS(vp_store_count(store, &n), VP_STATUS_OK);
  CHECK(n == records);
  CHECK_STATUS(vp_store_search(store, VECTORS + self * DIM, DIM, K, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == K && !contains(m, IDS[self]));
  vp_matches_free(m);
  CHECK_STATUS(vp_store_search(store, VECTORS + records * DIM, DIM, 1, NULL, 0, &m),
               VP_STATUS_OK);
  CHECK(m && m->len == 1 && strcmp(m->items[0].id, IDS[records]) == 0);
  vp_matches_free(m);
  vp_store_free(store);

  /* The old constructor: default options, no index, the records there. */
  store = NULL;
  CHECK_STATUS(vp_store_sqlite_open(db, &store), VP_STATUS_OK);
  if (!store) return;
  s = hnsw_state(store);
  CHECK(s.state == VP_HNSW_STATE_OFF);
  CHECK_STATUS(vp_store_count(store, &n), VP_STATUS_OK);
  CHECK(n == records);
  vp_store_free(store);
}

/* Each bad argument gives its status, leaves out-pointers NULL and
 * changes nothing. */
static void test_bad_arguments(void) {
  vp_store *store = (vp_store *)&store; /* not NULL: a failure must reset it */
  vp_index_options o = vp_index_options_default();
  CHECK_STATUS(vp_store_memory_new_with(NULL, DIM, &o, &store), VP_STATUS_NULL_POINTER);
  CHECK(store == NULL);
  CHECK_STATUS(vp_store_memory_new_with("m", DIM, &o, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_memory_new_with("m", 0, &o, &store), VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_memory_new_with("", DIM, &o, &store), VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_memory_new_with(BAD_UTF8, DIM, &o, &store), VP_STATUS_INVALID_UTF8);
  /* Enum fields out of range are refused, never misread. */
  o.storage = 2;
  store = (vp_store *)&store;
  CHECK_STATUS(vp_store_memory_new_with("m", DIM, &o, &store), VP_STATUS_INVALID_ARGUMENT);
  CHECK(store == NULL && message_has("vp_storage"));
  o = vp_index_options_default();
  o.hnsw_quantization = 0xffffffffu;
  CHECK_STATUS(vp_store_memory_new_with("m", DIM, &o, &store), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("vp_hnsw_quantization"));
  o = vp_index_options_default();
  o.hnsw_enabled = true;
  o.hnsw_connectivity = 1;
  CHECK_STATUS(vp_store_memory_new_with("m", DIM, &o, &store), VP_STATUS_INVALID_ARGUMENT);
  o.hnsw_connectivity = 16;
  o.hnsw_expansion_search = 0;
  CHECK_STATUS(vp_store_memory_new_with("m", DIM, &o, &store), VP_STATUS_INVALID_ARGUMENT);

  char db[4096], missing[4096];
  snprintf(db, sizeof db, "%s/bad-options.db", TMP_DIR);
  snprintf(missing, sizeof missing, "%s/no-such-store.db", TMP_DIR);
  remove(db);
  o = vp_index_options_default();
  o.storage = 7;
  CHECK_STATUS(vp_store_sqlite_create_or_open_with(db, "m", DIM, &o, &store),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK(store == NULL && !file_exists(db));
  CHECK_STATUS(vp_store_sqlite_create_or_open_with(NULL, "m", DIM, NULL, &store),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_sqlite_create_or_open_with(db, NULL, DIM, NULL, &store),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_sqlite_open_with(missing, NULL, &store), VP_STATUS_IO);
  CHECK_STATUS(vp_store_sqlite_open_with(BAD_UTF8, NULL, &store), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_store_sqlite_open_with(db, &o, &store), VP_STATUS_INVALID_ARGUMENT);
  CHECK(store == NULL);

  store = memory_store(NULL, 0, 20);
  if (!store) return;
  float row[DIM + 1];
  memcpy(row, VECTORS, sizeof(float) * DIM);
  row[DIM] = 0.0f;
  const char *one[1] = {"new"};
  /* upsert_vectors */
  CHECK_STATUS(vp_store_upsert_vectors(NULL, one, row, 1, DIM), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_upsert_vectors(store, NULL, row, 1, DIM), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_upsert_vectors(store, one, NULL, 1, DIM), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_upsert_vectors(store, one, row, 1, DIM + 1),
               VP_STATUS_DIMENSION_MISMATCH);
  CHECK(message_has("expected 32, got 33"));
  CHECK_STATUS(vp_store_upsert_vectors(store, one, row, 0, DIM), VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_upsert_vectors(store, one, row, SIZE_MAX, DIM),
               VP_STATUS_INVALID_ARGUMENT);
  const char *null_id[1] = {NULL};
  CHECK_STATUS(vp_store_upsert_vectors(store, null_id, row, 1, DIM), VP_STATUS_NULL_POINTER);
  const char *bad_utf8[1] = {BAD_UTF8};
  CHECK_STATUS(vp_store_upsert_vectors(store, bad_utf8, row, 1, DIM), VP_STATUS_INVALID_UTF8);
  /* All or nothing: one bad id, one id twice, one bad value. */
  const char *bad_ids[3] = {"fine-1", "", "fine-2"};
  CHECK_STATUS(vp_store_upsert_vectors(store, bad_ids, VECTORS, 3, DIM), VP_STATUS_INVALID_ID);
  const char *twice[3] = {"fine-1", "fine-2", "fine-1"};
  CHECK_STATUS(vp_store_upsert_vectors(store, twice, VECTORS, 3, DIM), VP_STATUS_INVALID_ARGUMENT);
  float nan_rows[2 * DIM];
  memcpy(nan_rows, VECTORS, sizeof nan_rows);
  nan_rows[DIM + 5] = NAN;
  CHECK_STATUS(vp_store_upsert_vectors(store, twice, nan_rows, 2, DIM),
               VP_STATUS_INVALID_ARGUMENT);
  size_t n = 0;
  CHECK_STATUS(vp_store_count(store, &n), VP_STATUS_OK);
  CHECK(n == 20);

  /* search */
  vp_matches *m = (vp_matches *)&m;
  CHECK_STATUS(vp_store_search(NULL, row, DIM, K, NULL, 0, &m), VP_STATUS_NULL_POINTER);
  CHECK(m == NULL);
  CHECK_STATUS(vp_store_search(store, row, DIM, K, NULL, 0, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_search(store, NULL, DIM, K, NULL, 0, &m), VP_STATUS_NULL_POINTER);
  m = (vp_matches *)&m;
  CHECK_STATUS(vp_store_search(store, row, DIM - 1, K, NULL, 0, &m), VP_STATUS_DIMENSION_MISMATCH);
  CHECK(m == NULL);
  CHECK_STATUS(vp_store_search(store, row, 0, K, NULL, 0, &m), VP_STATUS_DIMENSION_MISMATCH);
  CHECK_STATUS(vp_store_search(store, row, DIM, 0, NULL, 0, &m), VP_STATUS_INVALID_ARGUMENT);
  row[3] = INFINITY;
  CHECK_STATUS(vp_store_search(store, row, DIM, K, NULL, 0, &m), VP_STATUS_INVALID_ARGUMENT);
  row[3] = VECTORS[3];
  const char *null_candidate[2] = {"r1", NULL};
  CHECK_STATUS(vp_store_search(store, row, DIM, K, null_candidate, 2, &m),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_search(store, row, DIM, K, bad_utf8, 1, &m), VP_STATUS_INVALID_UTF8);

  /* search_batch */
  vp_batch_matches *b = (vp_batch_matches *)&b;
  CHECK_STATUS(vp_store_search_batch(NULL, VECTORS, 2, DIM, K, NULL, 0, &b),
               VP_STATUS_NULL_POINTER);
  CHECK(b == NULL);
  CHECK_STATUS(vp_store_search_batch(store, VECTORS, 2, DIM, K, NULL, 0, NULL),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_search_batch(store, NULL, 2, DIM, K, NULL, 0, &b), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_search_batch(store, VECTORS, 0, DIM, K, NULL, 0, &b),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_search_batch(store, VECTORS, 2, DIM * 2, K, NULL, 0, &b),
               VP_STATUS_DIMENSION_MISMATCH);
  CHECK_STATUS(vp_store_search_batch(store, VECTORS, 2, DIM, 0, NULL, 0, &b),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_search_batch(store, VECTORS, SIZE_MAX, DIM, K, NULL, 0, &b),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_search_batch(store, nan_rows, 2, DIM, K, NULL, 0, &b),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_search_batch(store, VECTORS, 2, DIM, K, null_candidate, 2, &b),
               VP_STATUS_NULL_POINTER);
  CHECK(b == NULL);

  /* remove, flush, HNSW, sizes */
  bool removed = true;
  CHECK_STATUS(vp_store_remove(NULL, "r1", &removed), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_remove(store, NULL, &removed), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_remove(store, BAD_UTF8, &removed), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_store_remove(store, "never-stored", &removed), VP_STATUS_OK);
  CHECK(!removed);
  CHECK_STATUS(vp_store_remove(store, "r1", NULL), VP_STATUS_OK);
  CHECK_STATUS(vp_store_count(store, &n), VP_STATUS_OK);
  CHECK(n == 19);
  CHECK_STATUS(vp_store_flush(NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_flush(store), VP_STATUS_OK);
  CHECK_STATUS(vp_store_rebuild_hnsw(NULL), VP_STATUS_NULL_POINTER);
  vp_hnsw_status s;
  CHECK_STATUS(vp_store_hnsw_state(NULL, &s), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_hnsw_state(store, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_vector_bytes(NULL, &n), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_vector_bytes(store, NULL), VP_STATUS_NULL_POINTER);
  vp_storage storage;
  CHECK_STATUS(vp_store_storage(NULL, &storage), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_storage(store, NULL), VP_STATUS_NULL_POINTER);
  vp_store_free(store);
  vp_store_free(NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s TMP_DIR\n", argv[0]);
    return 2;
  }
  TMP_DIR = argv[1];
  bool short_run = getenv("VP_TEST_SHORT") != NULL;
  N = short_run ? 600 : 3000;
  MIN_RECORDS = short_run ? 400 : 2000;
  QUERIES = short_run ? 4 : 24;

  /* One spare row past N for records added later. */
  VECTORS = malloc((N + 1) * DIM * sizeof *VECTORS);
  IDS = malloc((N + 1) * sizeof *IDS);
  ID_PTRS = malloc((N + 1) * sizeof *ID_PTRS);
  random_unit(VECTORS, N + 1, 42);
  for (size_t i = 0; i <= N; ++i) {
    snprintf(IDS[i], sizeof IDS[i], "r%zu", i);
    ID_PTRS[i] = IDS[i];
  }
  float *queries = malloc(QUERIES * DIM * sizeof *queries);
  random_unit(queries, QUERIES, 7);

  test_options_default();
  test_exact(queries);
  test_batch_and_candidates(queries);
  test_f16_storage(queries);
  test_hnsw(queries);
  test_sqlite_hnsw();
  test_bad_arguments();

  free(queries);
  free(ID_PTRS);
  free(IDS);
  free(VECTORS);
  return report();
}
