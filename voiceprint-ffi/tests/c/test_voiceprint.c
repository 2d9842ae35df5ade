/*
 * The C test of libvoiceprint: every function of voiceprint.h, on real
 * speech (examples/audio: four LibriSpeech speakers, <id>-enroll.flac and
 * <id>-test.flac) and on bad input (each error status), plus identify from
 * four threads while a fifth enrols. Run by scripts/test_ffi.sh, natively
 * and under valgrind:
 *
 *   test_voiceprint MODEL PRESET AUDIO_DIR TMP_DIR
 *
 * PRESET "metadata" reads the model's spec from its ONNX metadata (preset
 * NULL). With VP_TEST_STAND_IN=1 the model is a stand-in with random
 * weights (the valgrind run uses one: a real speaker model runs ~2000x
 * slower under valgrind, which emulates its FMA instructions in software),
 * and the checks of who is who are skipped; every call, status and
 * ownership path is still exercised.
 *
 * Prints one line per failed check and ends with "N passed, N failed";
 * exits non-zero on any failure.
 */
#include <math.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voiceprint.h>

#include "check.h"

#define PI 3.14159265358979323846

static const char *SPEAKERS[4] = {"103", "1034", "1040", "1069"};
static const char *AUDIO_DIR;
static const char *TMP_DIR;
/* Whether the model tells speakers apart (false for a random-weight stand-in). */
static bool REAL_MODEL = true;

static void clip_path(char *out, size_t size, const char *speaker, const char *which) {
  snprintf(out, size, "%s/%s-%s.flac", AUDIO_DIR, speaker, which);
}

/* A deterministic voiced-sounding signal: a 120 Hz harmonic series under a
 * 4 Hz syllable envelope, with a little noise. */
static void synth_i16(int16_t *out, size_t n, uint32_t rate) {
  uint32_t seed = 12345;
  for (size_t i = 0; i < n; ++i) {
    double t = (double)i / rate;
    double v = 0.0;
    for (int h = 1; h <= 12; ++h) v += sin(2.0 * PI * 120.0 * h * t) / h;
    double env = 0.5 + 0.5 * sin(2.0 * PI * 4.0 * t);
    double noise = ((double)(lcg(&seed) % 2001) - 1000.0) / 1000.0 * 0.02;
    out[i] = (int16_t)lrint((0.25 * v * env + noise) * 32767.0);
  }
}

/* A 16-bit mono WAV file of `samples`, as bytes. */
static unsigned char *wav_bytes(const int16_t *samples, size_t n, uint32_t rate, size_t *len) {
  uint32_t data = (uint32_t)(n * 2);
  *len = 44 + data;
  unsigned char *b = malloc(*len);
  uint32_t u32;
  uint16_t u16;
  memcpy(b, "RIFF", 4);
  u32 = 36 + data; memcpy(b + 4, &u32, 4);
  memcpy(b + 8, "WAVEfmt ", 8);
  u32 = 16; memcpy(b + 16, &u32, 4);
  u16 = 1; memcpy(b + 20, &u16, 2);            /* PCM */
  u16 = 1; memcpy(b + 22, &u16, 2);            /* mono */
  memcpy(b + 24, &rate, 4);
  u32 = rate * 2; memcpy(b + 28, &u32, 4);     /* byte rate */
  u16 = 2; memcpy(b + 32, &u16, 2);            /* block align */
  u16 = 16; memcpy(b + 34, &u16, 2);           /* bits per sample */
  memcpy(b + 36, "data", 4);
  memcpy(b + 40, &data, 4);
  memcpy(b + 44, samples, data);
  return b;
}

/* ---------------------------------------------------------------- basics */

static void test_versions_and_status_names(void) {
  CHECK(strlen(vp_version()) > 0);
  CHECK(strcmp(vp_status_name(VP_STATUS_NOT_FOUND), "VP_STATUS_NOT_FOUND") == 0);
  CHECK(strcmp(vp_status_name(VP_STATUS_OK), "VP_STATUS_OK") == 0);
  CHECK(strcmp(vp_status_name(9999), "VP_STATUS_UNKNOWN") == 0);
  CHECK(vp_last_error_message() != NULL);
  CHECK(strcmp(vp_last_error_message(), "") == 0);
}

static void test_runtime(void) {
  CHECK(vp_onnxruntime_version() == NULL);
  CHECK_STATUS(vp_runtime_init("/nonexistent/libonnxruntime.so", NULL, 0),
               VP_STATUS_RUNTIME_NOT_FOUND);
  CHECK(message_has("/nonexistent/libonnxruntime.so"));
  CHECK_STATUS(vp_runtime_init(NULL, "tpu", 0), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("tpu"));
  CHECK_STATUS(vp_runtime_init(NULL, BAD_UTF8, 0), VP_STATUS_INVALID_UTF8);
  CHECK(message_has("provider"));
  /* The library is found as the README says ($VOICEPRINT_ORT_LIB, the
   * setup folder, or Python's onnxruntime). */
  CHECK_STATUS(vp_runtime_init(NULL, "cpu", 1), VP_STATUS_OK);
  CHECK(vp_onnxruntime_version() != NULL && strlen(vp_onnxruntime_version()) > 0);
}

/* ---------------------------------------------------------------- encoder */

static vp_speaker_encoder *test_encoder(const char *model, const char *preset) {
  vp_speaker_encoder *enc = (vp_speaker_encoder *)1;
  CHECK_STATUS(vp_speaker_encoder_new(NULL, preset, &enc), VP_STATUS_NULL_POINTER);
  CHECK(enc == NULL);
  CHECK(message_has("model_path"));
  CHECK_STATUS(vp_speaker_encoder_new(model, preset, NULL), VP_STATUS_NULL_POINTER);
  char missing[4096];
  snprintf(missing, sizeof missing, "%s/no-such-model.onnx", TMP_DIR);
  CHECK_STATUS(vp_speaker_encoder_new(missing, preset, &enc), VP_STATUS_MODEL_LOAD);
  CHECK(message_has("no-such-model.onnx"));
  CHECK_STATUS(vp_speaker_encoder_new(model, "no-such-preset", &enc), VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(message_has("no-such-preset"));
  CHECK_STATUS(vp_speaker_encoder_new(model, BAD_UTF8, &enc), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_speaker_encoder_new(BAD_UTF8, preset, &enc), VP_STATUS_INVALID_UTF8);

  CHECK_STATUS(vp_speaker_encoder_new(model, preset, &enc), VP_STATUS_OK);
  CHECK(enc != NULL);
  if (!enc) return NULL;
  CHECK(preset == NULL || strcmp(vp_speaker_encoder_model_id(enc), preset) == 0);
  CHECK(vp_speaker_encoder_dim(enc) > 0);
  CHECK(vp_speaker_encoder_sample_rate(enc) == 16000);
  float t = vp_speaker_encoder_default_threshold(enc);
  CHECK(t > -1.0f && t < 1.0f);

  /* Getters on NULL give neutral values instead of crashing. */
  CHECK(vp_speaker_encoder_model_id(NULL) == NULL);
  CHECK(vp_speaker_encoder_dim(NULL) == 0);
  CHECK(vp_speaker_encoder_sample_rate(NULL) == 0);
  CHECK(isnan(vp_speaker_encoder_default_threshold(NULL)));
  vp_speaker_encoder_free(NULL);
  return enc;
}

/* ------------------------------------------------------------- embeddings */

static void test_embeddings(const vp_speaker_encoder *enc) {
  size_t dim = vp_speaker_encoder_dim(enc);
  char path[4096];
  clip_path(path, sizeof path, "103", "enroll");

  /* A file path and the same file's bytes give the same voiceprint. */
  vp_embedding *from_path = (vp_embedding *)1;
  vp_audio a = vp_audio_path(path);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &from_path), VP_STATUS_OK);
  CHECK(from_path && from_path->dim == dim);
  CHECK(from_path && fabs(norm(from_path->vector, dim) - 1.0) < 1e-4);
  CHECK(from_path && strcmp(from_path->model_id, vp_speaker_encoder_model_id(enc)) == 0);

  size_t len = 0;
  unsigned char *flac = read_file(path, &len);
  CHECK(flac != NULL && len > 0);
  vp_embedding *from_bytes = NULL;
  a = vp_audio_bytes(flac, len);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &from_bytes), VP_STATUS_OK);
  CHECK(from_path && from_bytes && max_abs_diff(from_path->vector, from_bytes->vector, dim) < 1e-6);

  /* PCM: int16, the same as float, the same as a WAV of it; another rate works too. */
  const uint32_t rate = 16000;
  size_t n = 3 * rate;
  int16_t *pcm16 = malloc(n * sizeof *pcm16);
  float *pcm32 = malloc(n * sizeof *pcm32);
  synth_i16(pcm16, n, rate);
  for (size_t i = 0; i < n; ++i) pcm32[i] = pcm16[i] / 32768.0f;
  size_t wav_len = 0;
  unsigned char *wav = wav_bytes(pcm16, n, rate, &wav_len);

  vp_embedding *e16 = NULL, *e32 = NULL, *ewav = NULL, *e8k = NULL;
  a = vp_audio_pcm_i16(pcm16, n, rate);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e16), VP_STATUS_OK);
  a = vp_audio_pcm_f32(pcm32, n, rate);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e32), VP_STATUS_OK);
  a = vp_audio_bytes(wav, wav_len);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &ewav), VP_STATUS_OK);
  CHECK(e16 && e32 && max_abs_diff(e16->vector, e32->vector, dim) < 1e-4);
  CHECK(e16 && ewav && max_abs_diff(e16->vector, ewav->vector, dim) < 1e-4);
  int16_t *pcm8k = malloc((n / 2) * sizeof *pcm8k);
  synth_i16(pcm8k, n / 2, 8000);
  a = vp_audio_pcm_i16(pcm8k, n / 2, 8000);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e8k), VP_STATUS_OK);
  CHECK(e8k && e8k->dim == dim);

  /* Batch: the same vectors as one call each, in order. */
  vp_audio batch[3] = {vp_audio_path(path), vp_audio_pcm_i16(pcm16, n, rate),
                       vp_audio_bytes(flac, len)};
  vp_embeddings *m = (vp_embeddings *)1;
  CHECK_STATUS(vp_speaker_encoder_embed_batch(enc, batch, 3, &m), VP_STATUS_OK);
  CHECK(m && m->count == 3 && m->dim == dim);
  CHECK(m && strcmp(m->model_id, vp_speaker_encoder_model_id(enc)) == 0);
  if (m && from_path && e16 && m->count == 3) {
    CHECK(max_abs_diff(m->vectors, from_path->vector, dim) < 1e-5);
    CHECK(max_abs_diff(m->vectors + dim, e16->vector, dim) < 1e-5);
    CHECK(max_abs_diff(m->vectors + 2 * dim, from_path->vector, dim) < 1e-5);
  }
  vp_embeddings_free(m);
  m = (vp_embeddings *)1;
  CHECK_STATUS(vp_speaker_encoder_embed_batch(enc, NULL, 2, &m), VP_STATUS_NULL_POINTER);
  CHECK(m == NULL);
  vp_audio bad_batch[2] = {vp_audio_path(path), vp_audio_path("/nonexistent/x.flac")};
  CHECK_STATUS(vp_speaker_encoder_embed_batch(enc, bad_batch, 2, &m), VP_STATUS_IO);
  CHECK(m == NULL);
  CHECK_STATUS(vp_speaker_encoder_embed_batch(NULL, batch, 3, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_speaker_encoder_embed_batch(enc, batch, 3, NULL), VP_STATUS_NULL_POINTER);

  /* Each error status of bad audio. */
  vp_embedding *e = (vp_embedding *)1;
  a = vp_audio_path("/nonexistent/missing.flac");
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_IO);
  CHECK(e == NULL);
  CHECK(message_has("/nonexistent/missing.flac"));
  a = vp_audio_path(BAD_UTF8);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_INVALID_UTF8);
  a = vp_audio_path(NULL);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, NULL, &e), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_speaker_encoder_embed(NULL, &a, &e), VP_STATUS_NULL_POINTER);
  a = vp_audio_path(path);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, NULL), VP_STATUS_NULL_POINTER);

  unsigned char garbage[4096];
  uint32_t seed = 7;
  for (size_t i = 0; i < sizeof garbage; ++i) garbage[i] = (unsigned char)lcg(&seed);
  a = vp_audio_bytes(garbage, sizeof garbage);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_UNSUPPORTED_FORMAT);
  /* A FLAC file cut inside its first audio frame: a known format, damaged. */
  a = vp_audio_bytes(flac, len < 9000 ? len / 2 : 9000);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_CORRUPT_INPUT);
  a = vp_audio_bytes(flac, 0);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_EMPTY_INPUT);
  a = vp_audio_bytes(NULL, 10);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_NULL_POINTER);

  a = vp_audio_pcm_i16(pcm16, rate / 10, rate); /* 0.1 s */
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_AUDIO_TOO_SHORT);
  a = vp_audio_pcm_i16(pcm16, n, 0);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_INVALID_SAMPLE_RATE);
  float saved = pcm32[100];
  pcm32[100] = NAN;
  a = vp_audio_pcm_f32(pcm32, n, rate);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_NON_FINITE_SAMPLES);
  pcm32[100] = saved;
  a = vp_audio_pcm_f32((const float *)((const char *)pcm32 + 1), 100, rate);
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_INVALID_ARGUMENT);
  a = vp_audio_pcm_f32(pcm32, n, rate);
  a.kind = 42;
  CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("42"));
  CHECK(e == NULL);
  vp_embedding_free(NULL);
  vp_embeddings_free(NULL);

  vp_embedding_free(from_path);
  vp_embedding_free(from_bytes);
  vp_embedding_free(e16);
  vp_embedding_free(e32);
  vp_embedding_free(ewav);
  vp_embedding_free(e8k);
  free(pcm8k);
  free(wav);
  free(pcm32);
  free(pcm16);
  free(flac);
}

/* ------------------------------------------------------------------ cosine */

static void test_cosine(void) {
  float a[3] = {1.0f, 0.0f, 0.0f}, b[3] = {1.0f, 1.0f, 0.0f}, out = 0.0f;
  CHECK_STATUS(vp_cosine(a, 3, b, 3, &out), VP_STATUS_OK);
  CHECK(fabsf(out - 0.70710678f) < 1e-6f);
  CHECK_STATUS(vp_cosine(a, 3, a, 3, &out), VP_STATUS_OK);
  CHECK(fabsf(out - 1.0f) < 1e-6f);
  CHECK_STATUS(vp_cosine(a, 3, b, 2, &out), VP_STATUS_DIMENSION_MISMATCH);
  CHECK(message_has("3") && message_has("2"));
  CHECK_STATUS(vp_cosine(NULL, 3, b, 3, &out), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_cosine(a, 3, b, 3, NULL), VP_STATUS_NULL_POINTER);
}

/* ------------------------------------------------------------------- store */

static void test_store(const vp_speaker_encoder *enc) {
  const char *model_id = vp_speaker_encoder_model_id(enc);
  size_t dim = vp_speaker_encoder_dim(enc);
  vp_store *s = (vp_store *)1;
  CHECK_STATUS(vp_store_memory_new(NULL, dim, &s), VP_STATUS_NULL_POINTER);
  CHECK(s == NULL);
  CHECK_STATUS(vp_store_memory_new(BAD_UTF8, dim, &s), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_store_memory_new(model_id, 0, &s), VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_store_memory_new(model_id, dim, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_memory_new(model_id, dim, &s), VP_STATUS_OK);
  CHECK(strcmp(vp_store_model_id(s), model_id) == 0);
  CHECK(vp_store_dim(s) == dim);
  size_t count = 99;
  CHECK_STATUS(vp_store_count(s, &count), VP_STATUS_OK);
  CHECK(count == 0);
  CHECK_STATUS(vp_store_count(NULL, &count), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_count(s, NULL), VP_STATUS_NULL_POINTER);
  CHECK(vp_store_model_id(NULL) == NULL);
  CHECK(vp_store_dim(NULL) == 0);
  vp_store_free(s);
  vp_store_free(NULL);

  char db[4096], other[4096], text[4096];
  snprintf(db, sizeof db, "%s/store-test.db", TMP_DIR);
  snprintf(text, sizeof text, "%s/not-a-store.db", TMP_DIR);
  CHECK_STATUS(vp_store_sqlite_create_or_open(db, "model-a", 8, &s), VP_STATUS_OK);
  vp_store_free(s);
  CHECK_STATUS(vp_store_sqlite_open(db, &s), VP_STATUS_OK);
  CHECK(s && strcmp(vp_store_model_id(s), "model-a") == 0 && vp_store_dim(s) == 8);
  vp_store_free(s);
  s = (vp_store *)1;
  CHECK_STATUS(vp_store_sqlite_create_or_open(db, "model-b", 8, &s), VP_STATUS_MODEL_MISMATCH);
  CHECK(s == NULL);
  CHECK(message_has("model-a") && message_has("model-b"));
  CHECK_STATUS(vp_store_sqlite_create_or_open(db, "model-a", 16, &s), VP_STATUS_DIMENSION_MISMATCH);
  snprintf(other, sizeof other, "%s/no-such-dir/x.db", TMP_DIR);
  CHECK_STATUS(vp_store_sqlite_open(other, &s), VP_STATUS_IO);
  write_file(text, "this is not a database, just text that is long enough to be a header", 69);
  CHECK_STATUS(vp_store_sqlite_open(text, &s), VP_STATUS_STORE);
  CHECK_STATUS(vp_store_sqlite_open(NULL, &s), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_store_sqlite_open(BAD_UTF8, &s), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_store_sqlite_create_or_open(db, NULL, 8, &s), VP_STATUS_NULL_POINTER);
}

/* ------------------------------------------------------------------ engine */

static vp_engine *make_engine(const vp_speaker_encoder *enc, const char *db) {
  vp_store *store = NULL;
  vp_engine *engine = NULL;
  CHECK_STATUS(vp_store_sqlite_create_or_open(db, vp_speaker_encoder_model_id(enc),
                                              vp_speaker_encoder_dim(enc), &store),
               VP_STATUS_OK);
  CHECK_STATUS(vp_engine_new(enc, store, NULL, &engine), VP_STATUS_OK);
  /* The engine holds its own reference: the store handle can go now. */
  vp_store_free(store);
  return engine;
}

static void test_engine_construction(const vp_speaker_encoder *enc) {
  size_t dim = vp_speaker_encoder_dim(enc);
  vp_store *other_model = NULL, *other_dim = NULL, *good = NULL;
  vp_engine *e = (vp_engine *)1;
  CHECK_STATUS(vp_store_memory_new("some-other-model", dim, &other_model), VP_STATUS_OK);
  CHECK_STATUS(vp_store_memory_new(vp_speaker_encoder_model_id(enc), dim + 1, &other_dim),
               VP_STATUS_OK);
  CHECK_STATUS(vp_store_memory_new(vp_speaker_encoder_model_id(enc), dim, &good), VP_STATUS_OK);
  CHECK_STATUS(vp_engine_new(enc, other_model, NULL, &e), VP_STATUS_MODEL_MISMATCH);
  CHECK(e == NULL);
  CHECK(message_has("some-other-model"));
  CHECK_STATUS(vp_engine_new(enc, other_dim, NULL, &e), VP_STATUS_DIMENSION_MISMATCH);
  vp_engine_config config = vp_engine_config_default();
  CHECK(isnan(config.threshold) && config.max_bytes > 0 && config.max_seconds > 0.0f);
  config.threshold = 2.0f;
  CHECK_STATUS(vp_engine_new(enc, good, &config, &e), VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_engine_new(NULL, good, NULL, &e), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_new(enc, NULL, NULL, &e), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_new(enc, good, NULL, NULL), VP_STATUS_NULL_POINTER);

  /* Input limits of the engine's config: too many bytes, too many seconds. */
  char path[4096];
  clip_path(path, sizeof path, "103", "enroll");
  vp_audio a = vp_audio_path(path);
  config = vp_engine_config_default();
  config.threshold = 0.5f;
  config.max_bytes = 1000;
  CHECK_STATUS(vp_engine_new(enc, good, &config, &e), VP_STATUS_OK);
  float t = 0.0f;
  CHECK_STATUS(vp_engine_threshold(e, &t), VP_STATUS_OK);
  CHECK(t == 0.5f);
  CHECK_STATUS(vp_engine_enroll(e, "x", &a, 1, NULL), VP_STATUS_INPUT_TOO_LARGE);
  vp_engine_free(e);
  config = vp_engine_config_default();
  config.max_seconds = 1.0f;
  CHECK_STATUS(vp_engine_new(enc, good, &config, &e), VP_STATUS_OK);
  CHECK_STATUS(vp_engine_enroll(e, "x", &a, 1, NULL), VP_STATUS_AUDIO_TOO_LONG);
  vp_engine_free(e);
  vp_engine_free(NULL);
  vp_store_free(other_model);
  vp_store_free(other_dim);
  vp_store_free(good);
}

static void test_engine(const vp_speaker_encoder *enc, vp_engine *engine) {
  char path[4096], path2[4096];
  size_t dim = vp_speaker_encoder_dim(enc);

  /* Enrol the four speakers; the first one from two utterances (a path and
   * the bytes of its test clip would be cheating, so: its enrol clip twice,
   * once as a path, once as bytes). */
  for (int i = 0; i < 4; ++i) {
    clip_path(path, sizeof path, SPEAKERS[i], "enroll");
    vp_audio a = vp_audio_path(path);
    vp_enroll_result r = {0, true};
    CHECK_STATUS(vp_engine_enroll(engine, SPEAKERS[i], &a, 1, &r), VP_STATUS_OK);
    CHECK(r.enrollment_count == 1 && !r.updated);
  }
  clip_path(path, sizeof path, "103", "enroll");
  size_t len = 0;
  unsigned char *flac = read_file(path, &len);
  vp_audio two[2] = {vp_audio_path(path), vp_audio_bytes(flac, len)};
  vp_enroll_result r = {0, false};
  CHECK_STATUS(vp_engine_enroll(engine, "103", two, 2, &r), VP_STATUS_OK);
  CHECK(r.enrollment_count == 3 && r.updated);
  CHECK_STATUS(vp_engine_enroll(engine, "103", two, 0, &r), VP_STATUS_EMPTY_INPUT);
  CHECK_STATUS(vp_engine_enroll(engine, "", two, 1, &r), VP_STATUS_INVALID_ID);
  CHECK_STATUS(vp_engine_enroll(engine, NULL, two, 1, &r), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_enroll(engine, BAD_UTF8, two, 1, &r), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_engine_enroll(engine, "x", NULL, 1, &r), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_enroll(NULL, "x", two, 1, &r), VP_STATUS_NULL_POINTER);
  vp_audio missing = vp_audio_path("/nonexistent/missing.flac");
  CHECK_STATUS(vp_engine_enroll(engine, "x", &missing, 1, &r), VP_STATUS_IO);

  size_t count = 0;
  CHECK_STATUS(vp_engine_count(engine, &count), VP_STATUS_OK);
  CHECK(count == 4);
  CHECK_STATUS(vp_engine_count(NULL, &count), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_count(engine, NULL), VP_STATUS_NULL_POINTER);
  float threshold = 0.0f;
  CHECK_STATUS(vp_engine_threshold(engine, &threshold), VP_STATUS_OK);
  CHECK(threshold == vp_speaker_encoder_default_threshold(enc));
  CHECK_STATUS(vp_engine_threshold(NULL, &threshold), VP_STATUS_NULL_POINTER);

  /* Identify: each test clip's best match is its own speaker. */
  for (int i = 0; i < 4; ++i) {
    clip_path(path, sizeof path, SPEAKERS[i], "test");
    vp_audio a = vp_audio_path(path);
    vp_matches *m = NULL;
    CHECK_STATUS(vp_engine_identify(engine, &a, 4, NULL, 0, NAN, &m), VP_STATUS_OK);
    if (!m) continue;
    CHECK(m->len == 4);
    if (REAL_MODEL) CHECK(m->len > 0 && strcmp(m->items[0].id, SPEAKERS[i]) == 0);
    for (size_t j = 1; j < m->len; ++j) CHECK(m->items[j - 1].score >= m->items[j].score);
    CHECK(m->threshold == threshold);
    CHECK(m->best == NULL || (m->best == &m->items[0] && m->best->score >= m->threshold));
    CHECK(m->best != NULL || m->items[0].score < m->threshold);
    vp_matches_free(m);

    /* Candidates restrict the search; a threshold of 1 makes anyone unknown. */
    const char *candidates[2] = {SPEAKERS[(i + 1) % 4], SPEAKERS[(i + 2) % 4]};
    CHECK_STATUS(vp_engine_identify(engine, &a, 4, candidates, 2, 1.0f, &m), VP_STATUS_OK);
    if (!m) continue;
    CHECK(m->len == 2 && m->best == NULL && m->threshold == 1.0f);
    for (size_t j = 0; j < m->len; ++j)
      CHECK(strcmp(m->items[j].id, candidates[0]) == 0 || strcmp(m->items[j].id, candidates[1]) == 0);
    vp_matches_free(m);
  }
  clip_path(path, sizeof path, "1034", "test");
  vp_audio q = vp_audio_path(path);
  vp_matches *m = (vp_matches *)1;
  CHECK_STATUS(vp_engine_identify(engine, &q, 0, NULL, 0, NAN, &m), VP_STATUS_INVALID_ARGUMENT);
  CHECK(m == NULL);
  CHECK_STATUS(vp_engine_identify(engine, &q, 1, NULL, 0, 1.5f, &m), VP_STATUS_INVALID_ARGUMENT);
  const char *bad_candidates[2] = {"103", BAD_UTF8};
  CHECK_STATUS(vp_engine_identify(engine, &q, 1, bad_candidates, 2, NAN, &m), VP_STATUS_INVALID_UTF8);
  const char *null_candidate[2] = {"103", NULL};
  CHECK_STATUS(vp_engine_identify(engine, &q, 1, null_candidate, 2, NAN, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_identify(engine, NULL, 1, NULL, 0, NAN, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_identify(NULL, &q, 1, NULL, 0, NAN, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_identify(engine, &q, 1, NULL, 0, NAN, NULL), VP_STATUS_NULL_POINTER);
  vp_matches_free(NULL);

  /* identify_vectors: the test clips' embeddings as one batch give, per
   * row, exactly what identify gives for that clip (ids, order, scores,
   * best, threshold), with the default, a given threshold and candidates. */
  {
    size_t dim = vp_speaker_encoder_dim(enc);
    float *rows = calloc(4 * dim, sizeof *rows);
    for (int i = 0; i < 4; ++i) {
      clip_path(path, sizeof path, SPEAKERS[i], "test");
      vp_audio a = vp_audio_path(path);
      vp_embedding *e = NULL;
      CHECK_STATUS(vp_speaker_encoder_embed(enc, &a, &e), VP_STATUS_OK);
      if (e && e->dim == dim) memcpy(rows + i * dim, e->vector, dim * sizeof *rows);
      vp_embedding_free(e);
    }
    const char *pair[2] = {SPEAKERS[1], SPEAKERS[3]};
    const float thresholds[2] = {NAN, 0.5f};
    for (int t = 0; t < 2; ++t) {
      for (int with_candidates = 0; with_candidates < 2; ++with_candidates) {
        const char *const *cands = with_candidates ? pair : NULL;
        size_t ncands = with_candidates ? 2 : 0;
        vp_batch_matches *batch = NULL;
        CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 4, dim, 3, cands, ncands,
                                                thresholds[t], &batch),
                     VP_STATUS_OK);
        CHECK(batch && batch->len == 4);
        for (size_t row = 0; batch && row < batch->len && row < 4; ++row) {
          clip_path(path, sizeof path, SPEAKERS[row], "test");
          vp_audio a = vp_audio_path(path);
          vp_matches *one = NULL;
          CHECK_STATUS(vp_engine_identify(engine, &a, 3, cands, ncands, thresholds[t], &one),
                       VP_STATUS_OK);
          CHECK(one && one->len == (with_candidates ? 2u : 3u));
          CHECK(same_matches(&batch->items[row], one));
          CHECK(batch->items[row].threshold == (t == 0 ? threshold : 0.5f));
          vp_matches_free(one);
        }
        vp_batch_matches_free(batch);
      }
    }
    vp_batch_matches_free(NULL);
    vp_batch_matches *batch = (vp_batch_matches *)1;
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 0, dim, 1, NULL, 0, NAN, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK(batch == NULL);
    CHECK_STATUS(vp_engine_identify_vectors(engine, NULL, 0, dim, 1, NULL, 0, NAN, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 2, dim * 2, 1, NULL, 0, NAN, &batch),
                 VP_STATUS_DIMENSION_MISMATCH);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 4, dim - 1, 1, NULL, 0, NAN, &batch),
                 VP_STATUS_DIMENSION_MISMATCH);
    CHECK(batch == NULL);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, SIZE_MAX / 2, dim, 1, NULL, 0, NAN, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 4, dim, 0, NULL, 0, NAN, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 4, dim, 1, NULL, 0, 1.5f, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 4, dim, 1, bad_candidates, 2, NAN, &batch),
                 VP_STATUS_INVALID_UTF8);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 4, dim, 1, null_candidate, 2, NAN, &batch),
                 VP_STATUS_NULL_POINTER);
    CHECK_STATUS(vp_engine_identify_vectors(engine, NULL, 4, dim, 1, NULL, 0, NAN, &batch),
                 VP_STATUS_NULL_POINTER);
    CHECK_STATUS(vp_engine_identify_vectors(NULL, rows, 4, dim, 1, NULL, 0, NAN, &batch),
                 VP_STATUS_NULL_POINTER);
    CHECK_STATUS(vp_engine_identify_vectors(engine, rows, 4, dim, 1, NULL, 0, NAN, NULL),
                 VP_STATUS_NULL_POINTER);
    CHECK(batch == NULL);
    free(rows);
  }

  /* Verify: genuine scores above impostors; per-call thresholds. */
  clip_path(path, sizeof path, "1040", "test");
  vp_audio genuine = vp_audio_path(path);
  vp_verify_result v, w;
  CHECK_STATUS(vp_engine_verify(engine, "1040", &genuine, NAN, &v), VP_STATUS_OK);
  CHECK_STATUS(vp_engine_verify(engine, "1069", &genuine, NAN, &w), VP_STATUS_OK);
  if (REAL_MODEL) CHECK(v.score > w.score);
  CHECK(v.threshold == threshold && v.accepted == (v.score >= v.threshold));
  CHECK(v.status == VP_SPEAKER_STATUS_ACTIVE);
  CHECK_STATUS(vp_engine_verify(engine, "1069", &genuine, -1.0f, &w), VP_STATUS_OK);
  CHECK(w.accepted && w.threshold == -1.0f);
  CHECK_STATUS(vp_engine_verify(engine, "1040", &genuine, 1.0f, &v), VP_STATUS_OK);
  CHECK(!v.accepted || v.score >= 1.0f);
  CHECK_STATUS(vp_engine_verify(engine, "nobody", &genuine, NAN, &v), VP_STATUS_NOT_FOUND);
  CHECK(message_has("nobody"));
  CHECK_STATUS(vp_engine_verify(engine, "1040", &genuine, INFINITY, &v), VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_engine_verify(engine, "1040", &genuine, NAN, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_verify(engine, "1040", NULL, NAN, &v), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_verify(engine, NULL, &genuine, NAN, &v), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_verify(NULL, "1040", &genuine, NAN, &v), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_verify(engine, BAD_UTF8, &genuine, NAN, &v), VP_STATUS_INVALID_UTF8);

  /* Get: the voiceprint and its metadata; an unknown id is NULL, not an error. */
  vp_speaker *sp = NULL;
  CHECK_STATUS(vp_engine_get(engine, "103", &sp), VP_STATUS_OK);
  CHECK(sp != NULL);
  if (sp) {
    CHECK(strcmp(sp->id, "103") == 0 && sp->dim == dim);
    CHECK(fabs(norm(sp->vector, sp->dim) - 1.0) < 1e-4);
    CHECK(sp->status == VP_SPEAKER_STATUS_ACTIVE && sp->enrollment_count == 3);
    CHECK(sp->created_at_ms > 0 && sp->updated_at_ms >= sp->created_at_ms);
    CHECK(sp->labels_len == 0);
    /* The voiceprint scores the speaker's own test clip like verify does. */
    clip_path(path2, sizeof path2, "103", "test");
    vp_audio t = vp_audio_path(path2);
    vp_embedding *emb = NULL;
    CHECK_STATUS(vp_speaker_encoder_embed(enc, &t, &emb), VP_STATUS_OK);
    CHECK_STATUS(vp_engine_verify(engine, "103", &t, NAN, &v), VP_STATUS_OK);
    float cos = 0.0f;
    if (emb) CHECK_STATUS(vp_cosine(sp->vector, sp->dim, emb->vector, emb->dim, &cos), VP_STATUS_OK);
    CHECK(fabsf(cos - v.score) < 1e-5f);
    vp_embedding_free(emb);
  }
  vp_speaker_free(sp);
  vp_speaker_free(NULL);
  sp = (vp_speaker *)1;
  CHECK_STATUS(vp_engine_get(engine, "nobody", &sp), VP_STATUS_OK);
  CHECK(sp == NULL);
  CHECK_STATUS(vp_engine_get(engine, NULL, &sp), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_get(engine, "103", NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_get(NULL, "103", &sp), VP_STATUS_NULL_POINTER);

  /* List: sorted ids. */
  vp_string_list *ids = NULL;
  CHECK_STATUS(vp_engine_list(engine, &ids), VP_STATUS_OK);
  CHECK(ids && ids->len == 4);
  for (size_t i = 0; ids && i < ids->len && i < 4; ++i) CHECK(strcmp(ids->items[i], SPEAKERS[i]) == 0);
  vp_string_list_free(ids);
  vp_string_list_free(NULL);
  CHECK_STATUS(vp_engine_list(NULL, &ids), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_list(engine, NULL), VP_STATUS_NULL_POINTER);

  /* Set status: a disabled speaker is kept, never accepted nor identified. */
  CHECK_STATUS(vp_engine_set_status(engine, "1040", VP_SPEAKER_STATUS_DISABLED), VP_STATUS_OK);
  CHECK_STATUS(vp_engine_verify(engine, "1040", &genuine, -1.0f, &v), VP_STATUS_OK);
  CHECK(!v.accepted && v.status == VP_SPEAKER_STATUS_DISABLED);
  CHECK_STATUS(vp_engine_identify(engine, &genuine, 4, NULL, 0, NAN, &m), VP_STATUS_OK);
  if (m) {
    CHECK(m->len == 3);
    for (size_t j = 0; j < m->len; ++j) CHECK(strcmp(m->items[j].id, "1040") != 0);
    vp_matches_free(m);
  }
  CHECK_STATUS(vp_engine_set_status(engine, "1040", VP_SPEAKER_STATUS_ACTIVE), VP_STATUS_OK);
  CHECK_STATUS(vp_engine_set_status(engine, "1040", 7), VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_engine_set_status(engine, "nobody", VP_SPEAKER_STATUS_ACTIVE), VP_STATUS_NOT_FOUND);
  CHECK_STATUS(vp_engine_set_status(NULL, "1040", VP_SPEAKER_STATUS_ACTIVE), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_set_status(engine, NULL, VP_SPEAKER_STATUS_ACTIVE), VP_STATUS_NULL_POINTER);

  /* Remove: true once, then false; the out-pointer is optional. */
  vp_audio extra = vp_audio_path(path);
  CHECK_STATUS(vp_engine_enroll(engine, "temporary", &extra, 1, NULL), VP_STATUS_OK);
  bool removed = false;
  CHECK_STATUS(vp_engine_remove(engine, "temporary", &removed), VP_STATUS_OK);
  CHECK(removed);
  CHECK_STATUS(vp_engine_remove(engine, "temporary", &removed), VP_STATUS_OK);
  CHECK(!removed);
  CHECK_STATUS(vp_engine_remove(engine, "temporary", NULL), VP_STATUS_OK);
  CHECK_STATUS(vp_engine_remove(engine, NULL, &removed), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_remove(NULL, "x", &removed), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_engine_count(engine, &count), VP_STATUS_OK);
  CHECK(count == 4);
  free(flac);
}

/* ------------------------------------------------------------- concurrency */

enum { IDENTIFY_THREADS = 4 };

struct worker {
  const vp_engine *engine;
  int index;
  int rounds;
};

/* Identifies its speaker's test clip among the four originals, and checks
 * that its own error messages stay its own. */
static void *identify_worker(void *arg) {
  struct worker *w = arg;
  const char *speaker = SPEAKERS[w->index];
  char path[4096], ghost[64];
  clip_path(path, sizeof path, speaker, "test");
  snprintf(ghost, sizeof ghost, "ghost-of-thread-%d", w->index);
  vp_audio a = vp_audio_path(path);
  for (int r = 0; r < w->rounds; ++r) {
    vp_matches *m = NULL;
    CHECK_STATUS(vp_engine_identify(w->engine, &a, 1, SPEAKERS, 4, NAN, &m), VP_STATUS_OK);
    CHECK(m && m->len == 1);
    if (REAL_MODEL && m && m->len == 1) CHECK(strcmp(m->items[0].id, speaker) == 0);
    vp_matches_free(m);
    vp_verify_result v;
    CHECK_STATUS(vp_engine_verify(w->engine, ghost, &a, NAN, &v), VP_STATUS_NOT_FOUND);
    CHECK(message_has(ghost));
  }
  return NULL;
}

/* Enrols new speakers while the others identify. */
static void *enroll_worker(void *arg) {
  struct worker *w = arg;
  for (int r = 0; r < w->rounds; ++r) {
    char path[4096], id[64];
    clip_path(path, sizeof path, SPEAKERS[r % 4], "enroll");
    snprintf(id, sizeof id, "extra-%d", r);
    vp_audio a = vp_audio_path(path);
    CHECK_STATUS(vp_engine_enroll(w->engine, id, &a, 1, NULL), VP_STATUS_OK);
  }
  return NULL;
}

static void test_concurrency(const vp_engine *engine, int rounds) {
  pthread_t threads[IDENTIFY_THREADS + 1];
  struct worker workers[IDENTIFY_THREADS + 1];
  for (int i = 0; i <= IDENTIFY_THREADS; ++i) {
    workers[i] = (struct worker){engine, i, rounds};
    CHECK(pthread_create(&threads[i], NULL, i < IDENTIFY_THREADS ? identify_worker : enroll_worker,
                         &workers[i]) == 0);
  }
  for (int i = 0; i <= IDENTIFY_THREADS; ++i) pthread_join(threads[i], NULL);
  size_t count = 0;
  CHECK_STATUS(vp_engine_count(engine, &count), VP_STATUS_OK);
  CHECK(count == 4 + (size_t)rounds);
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s MODEL PRESET AUDIO_DIR TMP_DIR\n", argv[0]);
    return 2;
  }
  const char *model = argv[1];
  const char *preset = strcmp(argv[2], "metadata") == 0 ? NULL : argv[2];
  const char *stand_in = getenv("VP_TEST_STAND_IN");
  REAL_MODEL = !(stand_in && strcmp(stand_in, "1") == 0);
  AUDIO_DIR = argv[3];
  TMP_DIR = argv[4];
  /* Fewer rounds under valgrind, where inference is ~50x slower. */
  const char *rounds_env = getenv("VP_TEST_ROUNDS");
  int rounds = rounds_env ? atoi(rounds_env) : 3;

  test_versions_and_status_names();
  test_runtime();
  test_cosine();
  vp_speaker_encoder *enc = test_encoder(model, preset);
  if (!enc) {
    fprintf(stderr, "cannot go on without an encoder\n");
    printf("%d passed, %d failed\n", atomic_load(&passed), atomic_load(&failed));
    return 1;
  }
  test_embeddings(enc);
  test_store(enc);
  test_engine_construction(enc);

  char db[4096];
  snprintf(db, sizeof db, "%s/speakers.db", TMP_DIR);
  vp_engine *engine = make_engine(enc, db);
  if (engine) {
    test_engine(enc, engine);
    test_concurrency(engine, rounds);
    vp_engine_free(engine);
  }

  /* The SQLite store is durable: a new engine on the reopened file sees
   * every speaker, and keeps working after the encoder handle is freed. */
  vp_store *reopened = NULL;
  CHECK_STATUS(vp_store_sqlite_open(db, &reopened), VP_STATUS_OK);
  size_t count = 0;
  CHECK_STATUS(vp_store_count(reopened, &count), VP_STATUS_OK);
  CHECK(count == 4 + (size_t)rounds);
  engine = NULL;
  CHECK_STATUS(vp_engine_new(enc, reopened, NULL, &engine), VP_STATUS_OK);
  vp_store_free(reopened);
  vp_speaker_encoder_free(enc);
  char path[4096];
  clip_path(path, sizeof path, "1069", "test");
  vp_audio a = vp_audio_path(path);
  vp_matches *m = NULL;
  CHECK_STATUS(vp_engine_identify(engine, &a, 1, SPEAKERS, 4, NAN, &m), VP_STATUS_OK);
  CHECK(m && m->len == 1);
  if (REAL_MODEL && m && m->len == 1) CHECK(strcmp(m->items[0].id, "1069") == 0);
  vp_matches_free(m);
  vp_engine_free(engine);

  int f = atomic_load(&failed);
  printf("%d passed, %d failed\n", atomic_load(&passed), f);
  return f == 0 ? 0 : 1;
}
