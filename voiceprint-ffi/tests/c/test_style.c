/*
 * The C test of libvoiceprint's style API: vp_style_analyze_pcm / _file,
 * vp_style_compare_files and vp_style_index, on audio it synthesises
 * itself (no model, no data), and on bad input (each error status). Run
 * by scripts/test_ffi.sh:
 *
 *   test_style TMP_DIR
 *
 * TMP_DIR receives the WAV files it writes and a SQLite index. With
 * VP_TEST_SHORT=1 (the valgrind pass) every signal is a few seconds long
 * instead of 5-20 s: the same functions and checks, a fraction of the work.
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

#define RATE 48000u
#define PI 3.14159265358979323846

static const char *TMP_DIR;
static bool SHORT;

/* ---------------------------------------------------------------- audio */

/* `frames` frames of a stereo `hz` sine at `dbfs` per channel, interleaved
 * (malloc'ed). */
static float *stereo_sine(size_t frames, double hz, double dbfs) {
  float *pcm = malloc(2 * frames * sizeof *pcm);
  double a = pow(10.0, dbfs / 20.0);
  for (size_t i = 0; i < frames; ++i)
    pcm[2 * i] = pcm[2 * i + 1] = (float)(a * sin(2 * PI * hz * (double)i / RATE));
  return pcm;
}

/* The colour of a test signal: what the style index tells apart. */
enum colour { WHITE, DARK, BRIGHT };

/* `frames` frames of stereo noise of one colour, peak about `gain`,
 * interleaved (malloc'ed); the same `seed` gives the same signal. DARK is
 * one-pole low-passed (a steep downward tilt), BRIGHT first-differenced
 * (an upward tilt). */
static float *stereo_noise(size_t frames, enum colour colour, double gain, uint32_t seed) {
  float *pcm = malloc(2 * frames * sizeof *pcm);
  double state[2] = {0, 0}, prev[2] = {0, 0};
  for (size_t i = 0; i < frames; ++i) {
    for (int c = 0; c < 2; ++c) {
      double x = (double)lcg(&seed) / (double)(1u << 24) * 2.0 - 1.0;
      double y = x;
      if (colour == DARK) {
        state[c] += 0.05 * (x - state[c]);
        y = 3.0 * state[c];
      } else if (colour == BRIGHT) {
        y = (x - prev[c]) * 0.5;
      }
      prev[c] = x;
      pcm[2 * i + c] = (float)(gain * y);
    }
  }
  return pcm;
}

static void put_u16(unsigned char *p, uint16_t v) {
  p[0] = (unsigned char)(v & 0xff);
  p[1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (unsigned char)(v >> (8 * i));
}

/* Writes interleaved stereo float PCM as a 16-bit PCM WAV file at
 * TMP_DIR/name; the path goes into `path`. */
static void write_wav(const char *name, const float *pcm, size_t frames, char *path, size_t size) {
  snprintf(path, size, "%s/%s", TMP_DIR, name);
  size_t data = 2 * frames * 2;
  unsigned char *buf = malloc(44 + data);
  memcpy(buf, "RIFF", 4);
  put_u32(buf + 4, (uint32_t)(36 + data));
  memcpy(buf + 8, "WAVEfmt ", 8);
  put_u32(buf + 16, 16);        /* fmt chunk size */
  put_u16(buf + 20, 1);         /* PCM */
  put_u16(buf + 22, 2);         /* channels */
  put_u32(buf + 24, RATE);      /* sample rate */
  put_u32(buf + 28, RATE * 4);  /* byte rate */
  put_u16(buf + 32, 4);         /* block align */
  put_u16(buf + 34, 16);        /* bits per sample */
  memcpy(buf + 36, "data", 4);
  put_u32(buf + 40, (uint32_t)data);
  for (size_t i = 0; i < 2 * frames; ++i) {
    double s = fmax(-1.0, fmin(1.0, (double)pcm[i]));
    long q = lround(s * 32767.0);
    put_u16(buf + 44 + 2 * i, (uint16_t)(int16_t)q);
  }
  write_file(path, buf, 44 + data);
  free(buf);
}

/* ---------------------------------------------------------------- tests */

static void test_options(void) {
  vp_style_options o = vp_style_options_default();
  CHECK(o.ceiling_dbtp == -1.0);
  CHECK(o.mel_bins == 64);
}

/* EBU Tech 3341 case 1: a 1 kHz stereo sine at -23 dBFS reads -23 LUFS,
 * and its true peak is the sine's peak. */
static void test_analyze_sine(void) {
  size_t frames = (SHORT ? 4 : 20) * (size_t)RATE;
  float *pcm = stereo_sine(frames, 1000.0, -23.0);
  vp_style_analysis *a = NULL;
  CHECK_STATUS(vp_style_analyze_pcm(pcm, frames, 2, RATE, NULL, &a), VP_STATUS_OK);
  free(pcm);
  if (!a) return;
  CHECK(a->sample_rate == RATE && a->channels == 2);
  CHECK(strcmp(a->layout, "L R") == 0);
  CHECK(fabs(a->duration_secs - (double)frames / RATE) < 1e-9);
  CHECK(fabs(a->integrated_lufs + 23.0) < 0.1);
  CHECK(fabs(a->true_peak_dbtp + 23.0) < 0.3);
  CHECK(fabs(a->sample_peak_dbfs + 23.0) < 0.3);
  CHECK(a->momentary_max_lufs > -23.5 && a->momentary_max_lufs < -22.5);
  CHECK(a->short_term_max_lufs > -23.5 && a->short_term_max_lufs < -22.5);
  /* A steady tone has (next to) no loudness range. */
  CHECK(a->has_loudness_range && a->loudness_range_note == NULL);
  CHECK(a->loudness_range_lu >= 0 && a->loudness_range_lu < 0.5);
  for (size_t c = 0; c < a->channels; ++c) {
    CHECK(fabs(20 * log10(a->true_peak[c]) + 23.0) < 0.3);
    CHECK(a->sample_peak[c] > 0 && a->sample_peak[c] <= a->true_peak[c] + 1e-9);
  }
  /* A sine's crest factor is 3 dB; its PLR is peak minus loudness. */
  CHECK(a->has_crest_factor && fabs(a->crest_factor_db - 3.01) < 0.1);
  CHECK(a->has_plr && fabs(a->plr_db - (a->true_peak_dbtp - a->integrated_lufs)) < 1e-9);
  CHECK(fabs(a->rms_dbfs - (-23.0 - 3.01)) < 0.1);
  CHECK(a->overload.ceiling_dbtp == -1.0 && a->overload.blocks > 0);
  CHECK(a->overload.sample_ratio == 0 && a->overload.block_ratio == 0);
  CHECK(!a->overload.clipped && a->overload.clipped_samples == 0);
  CHECK(a->has_stereo && fabs(a->correlation - 1.0) < 1e-6 && a->side_to_mid_db <= -99.0);
  CHECK(a->band_count == 30 && fabs(a->bands_hz[16] - 1000.0f) < 1e-3);
  /* The 1 kHz band holds the tone: it is the loudest. */
  size_t loudest = 0;
  for (size_t b = 0; b < a->band_count; ++b)
    if (a->band_levels_db[b] > a->band_levels_db[loudest]) loudest = b;
  CHECK(loudest == 16);
  CHECK(a->mel_bins == 64 && a->mel_db_mean != NULL);
  CHECK(a->curve_step_secs == 0.1);
  CHECK(a->curve_len > 0 && fabs((double)a->curve_len - a->duration_secs / 0.1) <= 1.0);
  CHECK(fabs(a->short_term_curve[a->curve_len - 1] + 23.0) < 0.2);
  CHECK(fabs(a->momentary_curve[a->curve_len - 1] + 23.0) < 0.2);
  vp_style_analysis_free(a);
}

/* Digital silence: levels are minus infinity, never NaN, and there is no
 * loudness range, with the reason. */
static void test_analyze_silence(void) {
  size_t frames = 2 * (size_t)RATE;
  float *pcm = calloc(2 * frames, sizeof *pcm);
  vp_style_options o = vp_style_options_default();
  o.mel_bins = 32;
  vp_style_analysis *a = NULL;
  CHECK_STATUS(vp_style_analyze_pcm(pcm, frames, 2, RATE, &o, &a), VP_STATUS_OK);
  free(pcm);
  if (!a) return;
  CHECK(isinf(a->integrated_lufs) && a->integrated_lufs < 0);
  CHECK(a->integrated_lufs == -INFINITY && a->momentary_max_lufs == -INFINITY);
  CHECK(a->short_term_max_lufs == -INFINITY && a->rms_dbfs == -INFINITY);
  CHECK(a->true_peak_dbtp == -INFINITY && a->sample_peak_dbfs == -INFINITY);
  CHECK(!a->has_loudness_range && isnan(a->loudness_range_lu));
  CHECK(a->loudness_range_note != NULL && strlen(a->loudness_range_note) > 0);
  CHECK(!a->has_plr && !a->has_crest_factor);
  CHECK(a->mel_bins == 32);
  for (size_t i = 0; i < a->curve_len; ++i) CHECK(!isnan(a->momentary_curve[i]));
  vp_style_analysis_free(a);
}

/* A stereo WAV file through the file path. */
static void test_analyze_file(const char *wav) {
  vp_style_analysis *a = NULL;
  CHECK_STATUS(vp_style_analyze_file(wav, NULL, &a), VP_STATUS_OK);
  if (!a) return;
  CHECK(a->sample_rate == RATE && a->channels == 2 && a->has_stereo);
  CHECK(isfinite(a->integrated_lufs) && a->curve_len > 0);
  vp_style_analysis_free(a);
}

/* compare(loud, quiet): the gain brings the target to the reference
 * (reference minus target, -6 dB); the same material at another level has
 * a flat EQ curve, the same style and (after matching) the same spectrum. */
static void test_compare(const char *loud, const char *quiet) {
  vp_style_comparison *c = NULL;
  CHECK_STATUS(vp_style_compare_files(loud, quiet, NULL, &c), VP_STATUS_OK);
  if (!c) return;
  CHECK(c->has_gain_to_match && fabs(c->gain_to_match_db + 6.0) < 0.1);
  CHECK(c->has_loudness_error && fabs(c->loudness_error_lu - 6.0) < 0.1);
  CHECK(fabs(c->target_true_peak_dbtp - c->reference_true_peak_dbtp - 6.0) < 0.2);
  CHECK(fabs(c->matched_true_peak_dbtp - c->reference_true_peak_dbtp) < 0.2);
  CHECK(c->band_count == 30);
  for (size_t b = 0; b < c->band_count; ++b) {
    CHECK(c->bands_hz[b] > 0);
    CHECK(fabs(c->eq_curve_db[b]) < 0.5);
  }
  CHECK(fabs(c->eq_offset_db + 6.0f) < 0.2f);
  CHECK(c->has_lra_difference && fabs(c->lra_difference_lu) < 0.5);
  CHECK(c->has_plr_difference && fabs(c->plr_difference_db) < 0.2);
  CHECK(c->has_crest_factor_difference && fabs(c->crest_factor_difference_db) < 0.2);
  CHECK(c->has_stereo && fabs(c->correlation_difference) < 0.01);
  CHECK(fabs(c->side_to_mid_difference_db) < 0.2);
  CHECK(c->has_stft_distance && c->spectral_convergence >= 0 && c->spectral_convergence < 0.05);
  CHECK(c->log_magnitude_l1 >= 0 && c->log_magnitude_l1 < 0.1);
  CHECK(c->has_log_mel_distance && c->log_mel_distance_db >= 0 && c->log_mel_distance_db < 0.5);
  CHECK(c->style_distance >= 0 && c->style_distance < 0.1);
  CHECK(c->sample_rates[0] == RATE && c->sample_rates[1] == RATE && c->spectral_rate == RATE);
  CHECK(c->channels[0] == 2 && c->channels[1] == 2);
  /* Stereo inputs: the spectral terms are of the mono mixes, and it says so. */
  CHECK(c->num_notes >= 1);
  for (size_t i = 0; i < c->num_notes; ++i) CHECK(c->notes[i] != NULL && strlen(c->notes[i]) > 0);
  vp_style_comparison_free(c);

  /* The other way round the gain is the opposite. */
  CHECK_STATUS(vp_style_compare_files(quiet, loud, NULL, &c), VP_STATUS_OK);
  if (c) CHECK(c->has_gain_to_match && fabs(c->gain_to_match_db - 6.0) < 0.1);
  vp_style_comparison_free(c);
}

static void test_index(const char *const refs[3], const char *silent, const char *db) {
  static const char *const ids[3] = {"white", "dark", "bright"};
  vp_style_index *idx = NULL;
  CHECK_STATUS(vp_style_index_new(NULL, NULL, &idx), VP_STATUS_OK);
  if (!idx) return;
  size_t n = 99;
  CHECK_STATUS(vp_style_index_len(idx, &n), VP_STATUS_OK);
  CHECK(n == 0);
  vp_style_matches *m = NULL;
  CHECK_STATUS(vp_style_index_nearest_file(idx, refs[0], 3, true, &m), VP_STATUS_OK);
  CHECK(m != NULL && m->len == 0);
  vp_style_matches_free(m);
  for (int i = 0; i < 3; ++i) CHECK_STATUS(vp_style_index_add_file(idx, ids[i], refs[i]), VP_STATUS_OK);
  /* Adding under an id again replaces. */
  CHECK_STATUS(vp_style_index_add_file(idx, "dark", refs[1]), VP_STATUS_OK);
  CHECK_STATUS(vp_style_index_len(idx, &n), VP_STATUS_OK);
  CHECK(n == 3);
  /* A silent reference has no style. */
  CHECK_STATUS(vp_style_index_add_file(idx, "silent", silent), VP_STATUS_EMPTY_INPUT);
  CHECK(message_has("silent"));
  CHECK_STATUS(vp_style_index_add_file(idx, "", refs[0]), VP_STATUS_INVALID_ID);

  for (int i = 0; i < 3; ++i) {
    m = NULL;
    CHECK_STATUS(vp_style_index_nearest_file(idx, refs[i], 3, true, &m), VP_STATUS_OK);
    if (!m) continue;
    CHECK(m->len == 3);
    if (m->len != 3) {
      vp_style_matches_free(m);
      continue;
    }
    /* The reference itself first, at distance 0, nearest first after it. */
    CHECK(strcmp(m->items[0].id, ids[i]) == 0);
    CHECK(m->items[0].distance >= 0 && m->items[0].distance < 1e-6);
    CHECK(m->items[1].distance > 0.1 && m->items[2].distance >= m->items[1].distance);
    for (size_t j = 0; j < m->len; ++j) {
      const vp_style_comparison *c = m->items[j].comparison;
      CHECK(c != NULL);
      if (!c) continue;
      /* From the stored analysis: no frame-aligned spectral distance. */
      CHECK(!c->has_stft_distance && isnan(c->spectral_convergence));
      CHECK(!c->has_log_mel_distance);
      CHECK(fabs(c->style_distance - m->items[j].distance) < 1e-6);
      CHECK(c->band_count == 30);
    }
    const vp_style_comparison *self = m->items[0].comparison;
    if (self) {
      CHECK(self->has_gain_to_match && fabs(self->gain_to_match_db) < 1e-6);
      for (size_t b = 0; b < self->band_count; ++b) CHECK(fabs(self->eq_curve_db[b]) < 1e-3);
    }
    vp_style_matches_free(m);
  }

  /* Without comparisons; k bounds the count. */
  CHECK_STATUS(vp_style_index_nearest_file(idx, refs[1], 1, false, &m), VP_STATUS_OK);
  if (m) {
    CHECK(m->len == 1 && strcmp(m->items[0].id, "dark") == 0 && m->items[0].comparison == NULL);
    vp_style_matches_free(m);
  }
  m = (vp_style_matches *)1;
  CHECK_STATUS(vp_style_index_nearest_file(idx, refs[1], 0, false, &m), VP_STATUS_INVALID_ARGUMENT);
  CHECK(m == NULL && message_has("`k`"));

  bool existed = false;
  CHECK_STATUS(vp_style_index_remove(idx, "bright", &existed), VP_STATUS_OK);
  CHECK(existed);
  CHECK_STATUS(vp_style_index_remove(idx, "bright", &existed), VP_STATUS_OK);
  CHECK(!existed);
  CHECK_STATUS(vp_style_index_remove(idx, "white", NULL), VP_STATUS_OK);
  CHECK_STATUS(vp_style_index_len(idx, &n), VP_STATUS_OK);
  CHECK(n == 1);
  vp_style_index_free(idx);

  /* Durable in SQLite: what is added survives the handle. */
  idx = NULL;
  CHECK_STATUS(vp_style_index_new(db, NULL, &idx), VP_STATUS_OK);
  if (idx) CHECK_STATUS(vp_style_index_add_file(idx, "white", refs[0]), VP_STATUS_OK);
  vp_style_index_free(idx);
  idx = NULL;
  CHECK_STATUS(vp_style_index_new(db, NULL, &idx), VP_STATUS_OK);
  if (idx) {
    CHECK_STATUS(vp_style_index_len(idx, &n), VP_STATUS_OK);
    CHECK(n == 1);
    CHECK_STATUS(vp_style_index_nearest_file(idx, refs[0], 2, false, &m), VP_STATUS_OK);
    if (m) {
      CHECK(m->len == 1 && strcmp(m->items[0].id, "white") == 0 && m->items[0].distance < 1e-6);
      vp_style_matches_free(m);
    }
  }
  vp_style_index_free(idx);
}

/* Every NULL, bad string and bad value gives its status and a message,
 * and leaves the out-pointer NULL. */
/* Progress of vp_style_index_add_folder: counts calls, remembers the last
 * fraction, and stops after `stop_after` calls when that is positive. */
struct folder_progress {
  int calls;
  float last;
  int stop_after;
};

static bool on_folder_progress(float fraction, void *user_data) {
  struct folder_progress *p = user_data;
  CHECK(fraction >= p->last);
  p->calls++;
  p->last = fraction;
  return p->stop_after <= 0 || p->calls < p->stop_after;
}

static void test_index_folder(void) {
  char dir[2048], path[4096];
  snprintf(dir, sizeof dir, "%s/library", TMP_DIR);
  mkdir(dir, 0700);
  size_t frames = 2 * (size_t)RATE;
  float *pcm = stereo_noise(frames, DARK, 0.25, 7);
  write_wav("library/dark.wav", pcm, frames, path, sizeof path);
  free(pcm);
  pcm = stereo_noise(frames, BRIGHT, 0.25, 8);
  write_wav("library/bright.wav", pcm, frames, path, sizeof path);
  free(pcm);
  snprintf(path, sizeof path, "%s/notes.txt", dir);
  write_file(path, "not audio\n", 10);

  vp_style_index *idx = NULL;
  CHECK_STATUS(vp_style_index_new(NULL, NULL, &idx), VP_STATUS_OK);
  if (!idx) return;
  struct folder_progress p = {0, 0.0f, 0};
  vp_string_list *skipped = NULL;
  CHECK_STATUS(vp_style_index_add_folder(idx, dir, on_folder_progress, &p, &skipped), VP_STATUS_OK);
  CHECK(p.calls == 3 && p.last == 1.0f);
  CHECK(skipped != NULL && skipped->len == 1 && strstr(skipped->items[0], "notes.txt") != NULL);
  vp_string_list_free(skipped);
  vp_string_list *ids = NULL;
  CHECK_STATUS(vp_style_index_list(idx, &ids), VP_STATUS_OK);
  CHECK(ids != NULL && ids->len == 2 && strcmp(ids->items[0], "bright") == 0 &&
        strcmp(ids->items[1], "dark") == 0);
  vp_string_list_free(ids);
  /* No callback, no skipped list: allowed. */
  CHECK_STATUS(vp_style_index_add_folder(idx, dir, NULL, NULL, NULL), VP_STATUS_OK);
  vp_style_index_free(idx);

  /* Returning false cancels and keeps what was added. */
  idx = NULL;
  CHECK_STATUS(vp_style_index_new(NULL, NULL, &idx), VP_STATUS_OK);
  if (!idx) return;
  struct folder_progress stop = {0, 0.0f, 1};
  skipped = (vp_string_list *)1;
  CHECK_STATUS(vp_style_index_add_folder(idx, dir, on_folder_progress, &stop, &skipped),
               VP_STATUS_CANCELLED);
  CHECK(skipped == NULL);
  size_t n = 0;
  CHECK_STATUS(vp_style_index_len(idx, &n), VP_STATUS_OK);
  CHECK(n == 1);
  snprintf(path, sizeof path, "%s/no-such-folder", TMP_DIR);
  CHECK_STATUS(vp_style_index_add_folder(idx, path, NULL, NULL, NULL), VP_STATUS_IO);
  CHECK_STATUS(vp_style_index_add_folder(idx, NULL, NULL, NULL, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_index_list(idx, NULL), VP_STATUS_NULL_POINTER);
  vp_style_index_free(idx);
}

static void test_bad_arguments(const char *wav) {
  float pcm[8] = {0};
  vp_style_analysis *a = (vp_style_analysis *)1;
  CHECK_STATUS(vp_style_analyze_pcm(NULL, 4, 2, RATE, NULL, &a), VP_STATUS_NULL_POINTER);
  CHECK(a == NULL && message_has("`interleaved` is NULL"));
  CHECK_STATUS(vp_style_analyze_pcm(pcm, 4, 2, RATE, NULL, NULL), VP_STATUS_NULL_POINTER);
  CHECK(message_has("`out` is NULL"));
  /* Past 7.1 (and no channels at all) is a layout the library does not know. */
  a = (vp_style_analysis *)1;
  CHECK_STATUS(vp_style_analyze_pcm(pcm, 0, 9, RATE, NULL, &a), VP_STATUS_UNSUPPORTED_FORMAT);
  CHECK(a == NULL && strlen(vp_last_error_message()) > 0);
  CHECK_STATUS(vp_style_analyze_pcm(pcm, 4, 0, RATE, NULL, &a), VP_STATUS_UNSUPPORTED_FORMAT);
  CHECK_STATUS(vp_style_analyze_pcm(pcm, 0, 2, RATE, NULL, &a), VP_STATUS_EMPTY_INPUT);
  CHECK_STATUS(vp_style_analyze_pcm(pcm, 4, 2, 0, NULL, &a), VP_STATUS_INVALID_SAMPLE_RATE);
  float bad[2] = {0.0f, NAN};
  CHECK_STATUS(vp_style_analyze_pcm(bad, 1, 2, RATE, NULL, &a), VP_STATUS_NON_FINITE_SAMPLES);
  vp_style_options o = vp_style_options_default();
  o.mel_bins = 0;
  CHECK_STATUS(vp_style_analyze_pcm(pcm, 4, 2, RATE, &o, &a), VP_STATUS_INVALID_ARGUMENT);
  CHECK(a == NULL && message_has("mel_bins"));
  o = vp_style_options_default();
  o.ceiling_dbtp = NAN;
  CHECK_STATUS(vp_style_analyze_pcm(pcm, 4, 2, RATE, &o, &a), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("ceiling_dbtp"));

  a = (vp_style_analysis *)1;
  CHECK_STATUS(vp_style_analyze_file(NULL, NULL, &a), VP_STATUS_NULL_POINTER);
  CHECK(a == NULL && message_has("`path` is NULL"));
  CHECK_STATUS(vp_style_analyze_file(BAD_UTF8, NULL, &a), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_style_analyze_file("/nonexistent/mix.wav", NULL, &a), VP_STATUS_IO);
  CHECK(a == NULL && message_has("/nonexistent/mix.wav"));
  CHECK_STATUS(vp_style_analyze_file(wav, NULL, NULL), VP_STATUS_NULL_POINTER);

  vp_style_comparison *c = (vp_style_comparison *)1;
  CHECK_STATUS(vp_style_compare_files(NULL, wav, NULL, &c), VP_STATUS_NULL_POINTER);
  CHECK(c == NULL && message_has("`target` is NULL"));
  CHECK_STATUS(vp_style_compare_files(wav, NULL, NULL, &c), VP_STATUS_NULL_POINTER);
  CHECK(message_has("`reference` is NULL"));
  CHECK_STATUS(vp_style_compare_files(wav, wav, NULL, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_compare_files(wav, "/nonexistent/master.flac", NULL, &c), VP_STATUS_IO);
  CHECK(c == NULL);

  vp_style_index *idx = (vp_style_index *)1;
  CHECK_STATUS(vp_style_index_new(NULL, NULL, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_index_new(BAD_UTF8, NULL, &idx), VP_STATUS_INVALID_UTF8);
  CHECK(idx == NULL);
  o.ceiling_dbtp = INFINITY;
  CHECK_STATUS(vp_style_index_new(NULL, &o, &idx), VP_STATUS_INVALID_ARGUMENT);
  CHECK(idx == NULL);
  /* A file made for another kind of vectors is refused. */
  char other[4096];
  snprintf(other, sizeof other, "%s/speakers.db", TMP_DIR);
  vp_store *store = NULL;
  CHECK_STATUS(vp_store_sqlite_create_or_open(other, "ge2e-resemblyzer", 256, &store), VP_STATUS_OK);
  vp_store_free(store);
  CHECK_STATUS(vp_style_index_new(other, NULL, &idx), VP_STATUS_MODEL_MISMATCH);
  CHECK(idx == NULL);

  CHECK_STATUS(vp_style_index_new(NULL, NULL, &idx), VP_STATUS_OK);
  size_t n = 0;
  bool existed = true;
  vp_style_matches *m = (vp_style_matches *)1;
  CHECK_STATUS(vp_style_index_add_file(NULL, "a", wav), VP_STATUS_NULL_POINTER);
  CHECK(message_has("`index` is NULL"));
  CHECK_STATUS(vp_style_index_add_file(idx, NULL, wav), VP_STATUS_NULL_POINTER);
  CHECK(message_has("`id` is NULL"));
  CHECK_STATUS(vp_style_index_add_file(idx, "a", NULL), VP_STATUS_NULL_POINTER);
  CHECK(message_has("`path` is NULL"));
  CHECK_STATUS(vp_style_index_add_file(idx, BAD_UTF8, wav), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_style_index_remove(NULL, "a", &existed), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_index_remove(idx, NULL, &existed), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_index_len(NULL, &n), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_index_len(idx, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_index_nearest_file(NULL, wav, 1, false, &m), VP_STATUS_NULL_POINTER);
  CHECK(m == NULL);
  CHECK_STATUS(vp_style_index_nearest_file(idx, NULL, 1, false, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_style_index_nearest_file(idx, wav, 1, false, NULL), VP_STATUS_NULL_POINTER);
  vp_style_index_free(idx);

  /* Every _free accepts NULL. */
  vp_style_analysis_free(NULL);
  vp_style_comparison_free(NULL);
  vp_style_matches_free(NULL);
  vp_style_index_free(NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s TMP_DIR\n", argv[0]);
    return 2;
  }
  TMP_DIR = argv[1];
  SHORT = getenv("VP_TEST_SHORT") != NULL;

  test_options();
  test_analyze_sine();
  test_analyze_silence();

  /* The files: the same noise at two levels 6 dB apart, three colours of
   * noise for the index, and silence. */
  size_t frames = (SHORT ? 3 : 5) * (size_t)RATE;
  char loud[4096], quiet[4096], dark[4096], bright[4096], silent[4096], db[4096];
  float *pcm = stereo_noise(frames, WHITE, 0.25, 1);
  write_wav("loud.wav", pcm, frames, loud, sizeof loud);
  for (size_t i = 0; i < 2 * frames; ++i) pcm[i] *= (float)pow(10.0, -6.0 / 20.0);
  write_wav("quiet.wav", pcm, frames, quiet, sizeof quiet);
  free(pcm);
  pcm = stereo_noise(frames, DARK, 0.25, 2);
  write_wav("dark.wav", pcm, frames, dark, sizeof dark);
  free(pcm);
  pcm = stereo_noise(frames, BRIGHT, 0.25, 3);
  write_wav("bright.wav", pcm, frames, bright, sizeof bright);
  free(pcm);
  pcm = calloc(2 * frames, sizeof *pcm);
  write_wav("silent.wav", pcm, frames, silent, sizeof silent);
  free(pcm);
  snprintf(db, sizeof db, "%s/styles.db", TMP_DIR);
  remove(db);

  test_analyze_file(loud);
  test_compare(loud, quiet);
  const char *refs[3] = {loud, dark, bright};
  test_index(refs, silent, db);
  test_index_folder();
  test_bad_arguments(loud);
  return report();
}
