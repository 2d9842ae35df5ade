/*
 * Enrol speakers from audio files, then say who is speaking in another file.
 *
 *   identify_speaker [-p PRESET] MODEL QUERY ID=FILE [ID=FILE ...]
 *
 * e.g. identify_speaker models/ge2e-resemblyzer.onnx examples/audio/103-test.flac \
 *          103=examples/audio/103-enroll.flac 1034=examples/audio/1034-enroll.flac
 *
 * PRESET defaults to ge2e-resemblyzer; "metadata" reads the model's spec from
 * its sherpa-onnx style ONNX metadata. Build against the installed library:
 *   cc -Wall -Wextra -Werror identify_speaker.c $(pkg-config --cflags --libs voiceprint) -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voiceprint.h>

/* Prints the failed call and the library's message; returns 1 for main. */
static int fail(const char *what, vp_status status) {
  fprintf(stderr, "%s failed: %s: %s\n", what, vp_status_name(status), vp_last_error_message());
  return 1;
}

int main(int argc, char **argv) {
  const char *preset = "ge2e-resemblyzer";
  int arg = 1;
  if (argc > 2 && strcmp(argv[1], "-p") == 0) {
    preset = argv[2];
    arg = 3;
  }
  if (argc - arg < 3) {
    fprintf(stderr, "usage: %s [-p PRESET] MODEL QUERY ID=FILE [ID=FILE ...]\n", argv[0]);
    return 2;
  }
  const char *model = argv[arg];
  const char *query = argv[arg + 1];

  vp_speaker_encoder *encoder = NULL;
  vp_store *store = NULL;
  vp_engine *engine = NULL;
  vp_matches *matches = NULL;
  int rc = 1;
  vp_status s;

  /* A NULL preset: the spec comes from the model's metadata. */
  if (strcmp(preset, "metadata") == 0) preset = NULL;
  if ((s = vp_speaker_encoder_new(model, preset, &encoder)) != VP_STATUS_OK) {
    rc = fail("loading the model", s);
    goto done;
  }
  s = vp_store_memory_new(vp_speaker_encoder_model_id(encoder), vp_speaker_encoder_dim(encoder),
                          &store);
  if (s != VP_STATUS_OK) {
    rc = fail("making the store", s);
    goto done;
  }
  if ((s = vp_engine_new(encoder, store, NULL, &engine)) != VP_STATUS_OK) {
    rc = fail("making the engine", s);
    goto done;
  }

  for (int i = arg + 2; i < argc; ++i) {
    char *eq = strchr(argv[i], '=');
    if (!eq || eq == argv[i]) {
      fprintf(stderr, "expected ID=FILE, got %s\n", argv[i]);
      rc = 2;
      goto done;
    }
    *eq = '\0';
    vp_audio utterance = vp_audio_path(eq + 1);
    vp_enroll_result enrolled;
    if ((s = vp_engine_enroll(engine, argv[i], &utterance, 1, &enrolled)) != VP_STATUS_OK) {
      rc = fail("enrolling", s);
      goto done;
    }
    printf("enrolled %s from %s\n", argv[i], eq + 1);
  }

  vp_audio audio = vp_audio_path(query);
  /* NAN: the engine's default threshold. */
  if ((s = vp_engine_identify(engine, &audio, 3, NULL, 0, NAN, &matches)) != VP_STATUS_OK) {
    rc = fail("identifying", s);
    goto done;
  }
  if (matches->best)
    printf("%s: %s (score %.4f, threshold %.2f)\n", query, matches->best->id,
           matches->best->score, matches->threshold);
  else
    printf("%s: unknown speaker (threshold %.2f)\n", query, matches->threshold);
  for (size_t i = 0; i < matches->len; ++i)
    printf("  %zu. %s %.6f\n", i + 1, matches->items[i].id, matches->items[i].score);
  rc = 0;

done:
  vp_matches_free(matches);
  vp_engine_free(engine);
  vp_store_free(store);
  vp_speaker_encoder_free(encoder);
  return rc;
}
