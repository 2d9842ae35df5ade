/*
 * Index images, then find the ones most like a query image.
 *
 *   search_images [-p PROFILE] [-o OUTPUT] MODEL QUERY IMAGE [IMAGE ...]
 *
 * e.g. search_images -p keras-mobilenetv2 -o features mobilenetv2.onnx upload.webp \
 *          catalogue/sku-1.jpg catalogue/sku-2.png
 *
 * Each IMAGE is stored under its file name (the index is in memory); the
 * query's five nearest are printed with their cosine scores. PROFILE is a
 * preprocessing preset (keras-mobilenetv2, torchvision, clip; default
 * torchvision), OUTPUT the model's feature output (default its first).
 * Build against the installed library:
 *   cc -Wall -Wextra -Werror search_images.c $(pkg-config --cflags --libs voiceprint)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voiceprint.h>

/* Prints the failed call and the library's message; returns 1 for main. */
static int fail(const char *what, vp_status status) {
  fprintf(stderr, "%s failed: %s: %s\n", what, vp_status_name(status), vp_last_error_message());
  return 1;
}

/* "catalogue/sku-1.jpg" -> "sku-1.jpg". */
static const char *file_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int main(int argc, char **argv) {
  const char *profile = "torchvision";
  vp_image_encoder_config config = vp_image_encoder_config_default();
  int arg = 1;
  while (arg + 1 < argc && (strcmp(argv[arg], "-p") == 0 || strcmp(argv[arg], "-o") == 0)) {
    if (argv[arg][1] == 'p') profile = argv[arg + 1];
    else config.output_name = argv[arg + 1];
    arg += 2;
  }
  if (argc - arg < 3) {
    fprintf(stderr, "usage: %s [-p PROFILE] [-o OUTPUT] MODEL QUERY IMAGE [IMAGE ...]\n", argv[0]);
    return 2;
  }
  const char *model = argv[arg];
  const char *query = argv[arg + 1];
  size_t count = (size_t)(argc - arg - 2);

  vp_image_encoder *encoder = NULL;
  vp_store *store = NULL;
  vp_image_index *index = NULL;
  vp_matches *matches = NULL;
  const char **ids = malloc(count * sizeof *ids);
  vp_image *images = malloc(count * sizeof *images);
  int rc = 1;
  vp_status s;

  if ((s = vp_image_encoder_new(model, profile, &config, &encoder)) != VP_STATUS_OK) {
    rc = fail("loading the model", s);
    goto done;
  }
  s = vp_store_memory_new(vp_image_encoder_model_id(encoder), vp_image_encoder_dim(encoder),
                          &store);
  if (s != VP_STATUS_OK) {
    rc = fail("making the store", s);
    goto done;
  }
  if ((s = vp_image_index_new(encoder, store, &index)) != VP_STATUS_OK) {
    rc = fail("making the index", s);
    goto done;
  }

  /* One batch: decoded in parallel, run through the model together. */
  for (size_t i = 0; i < count; ++i) {
    ids[i] = file_name(argv[arg + 2 + i]);
    images[i] = vp_image_path(argv[arg + 2 + i]);
  }
  if ((s = vp_image_index_add_batch(index, ids, images, count, NULL)) != VP_STATUS_OK) {
    rc = fail("adding the images", s);
    goto done;
  }
  printf("indexed %zu images with %s (%zu-dim vectors)\n", count,
         vp_image_encoder_model_id(encoder), vp_image_encoder_dim(encoder));

  vp_image q = vp_image_path(query);
  if ((s = vp_image_index_search(index, &q, 5, NULL, 0, &matches)) != VP_STATUS_OK) {
    rc = fail("searching", s);
    goto done;
  }
  printf("%s:\n", query);
  for (size_t i = 0; i < matches->len; ++i)
    printf("  %zu. %s %.6f\n", i + 1, matches->items[i].id, matches->items[i].score);
  rc = 0;

done:
  vp_matches_free(matches);
  vp_image_index_free(index);
  vp_store_free(store);
  vp_image_encoder_free(encoder);
  free(images);
  free(ids);
  return rc;
}
