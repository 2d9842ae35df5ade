/*
 * The C test of libvoiceprint's image API: every vp_image_* function of
 * voiceprint.h, on real images (voiceprint-core/tests/fixtures/images: 96x64
 * crops of scikit-image's "chelsea" photo in six formats, damaged copies,
 * 224x224 Pillow-resized photos) with the two small random-weight CNN
 * fixtures (tiny_cnn_nchw.onnx: [N,3,224,224] -> "features" [N,32] and
 * "logits" [N,10]; tiny_cnn_nhwc.onnx: the same behind an NHWC input), and
 * on bad input (each error status), plus searches from four threads while a
 * fifth adds. Run by scripts/test_ffi.sh, natively and under valgrind:
 *
 *   test_image FIXTURE_DIR TMP_DIR
 *
 * Pixels are never decoded here: raw buffers are either synthetic or the
 * pixel array of the uncompressed 24-bit BMP fixture, copied out row by row
 * (the library must then give exactly what it gives for the BMP file).
 *
 * Prints one line per failed check and ends with "N passed, N failed";
 * exits non-zero on any failure.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voiceprint.h>

#include "check.h"

static const char *FIXTURES;
static const char *TMP_DIR;
static char NCHW_MODEL[4096];
static char NHWC_MODEL[4096];

/* Same-size images: equal within this (one model run each, same input). */
#define SAME 1e-6

static const char *fixture(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s/%s", FIXTURES, name);
  return out;
}

/* ---------------------------------------------------------------- pixels */

/* A raw pixel buffer built here, with the width, height and stride to
 * describe it. */
struct pixels {
  unsigned char *data;
  size_t len;
  uint32_t width, height;
  size_t stride;
};

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The pixels of an uncompressed bottom-up 24-bit BMP (what chelsea.bmp is)
 * as top-down rows of `format` (BGR8, BGRA8 or RGB8) with `pad` bytes of
 * padding after each row. The BMP's own pixel array is BGR; nothing is
 * decoded, bytes are only moved. */
static struct pixels bmp_pixels(const char *path, vp_pixel_format format, size_t pad) {
  struct pixels px = {0};
  size_t len = 0;
  unsigned char *bmp = read_file(path, &len);
  CHECK(bmp != NULL && len > 54 && bmp[0] == 'B' && bmp[1] == 'M');
  if (!bmp || len <= 54) {
    free(bmp);
    return px;
  }
  uint32_t offset = le32(bmp + 10), width = le32(bmp + 18);
  int32_t height = (int32_t)le32(bmp + 22);
  uint16_t bpp = (uint16_t)(bmp[28] | bmp[29] << 8);
  uint32_t compression = le32(bmp + 30);
  size_t src_stride = ((size_t)width * 3 + 3) / 4 * 4;
  CHECK(bpp == 24 && compression == 0 && height > 0);
  CHECK(offset + src_stride * (size_t)height <= len);
  if (bpp != 24 || compression != 0 || height <= 0 || offset + src_stride * (size_t)height > len) {
    free(bmp);
    return px;
  }
  size_t channels = format == VP_PIXEL_FORMAT_BGRA8 ? 4 : 3;
  px.width = width;
  px.height = (uint32_t)height;
  px.stride = width * channels + pad;
  px.len = px.stride * px.height;
  px.data = malloc(px.len);
  memset(px.data, 0xAB, px.len); /* the padding: must be ignored */
  for (uint32_t y = 0; y < px.height; ++y) {
    const unsigned char *src = bmp + offset + src_stride * (px.height - 1 - y);
    unsigned char *dst = px.data + px.stride * y;
    for (uint32_t x = 0; x < width; ++x) {
      const unsigned char *bgr = src + 3 * x;
      unsigned char *p = dst + channels * x;
      if (format == VP_PIXEL_FORMAT_RGB8) {
        p[0] = bgr[2], p[1] = bgr[1], p[2] = bgr[0];
      } else {
        p[0] = bgr[0], p[1] = bgr[1], p[2] = bgr[2];
      }
      if (channels == 4) p[3] = (unsigned char)(x * 7 + y); /* alpha: dropped */
    }
  }
  free(bmp);
  return px;
}

/* A synthetic width x height picture (gradients and a disc), packed, in
 * `format` (RGB8, BGR8 or RGBA8): the same picture whatever the format. */
static struct pixels gradient(uint32_t width, uint32_t height, vp_pixel_format format) {
  struct pixels px = {0};
  size_t channels = format == VP_PIXEL_FORMAT_RGBA8 || format == VP_PIXEL_FORMAT_BGRA8 ? 4 : 3;
  px.width = width;
  px.height = height;
  px.stride = width * channels;
  px.len = px.stride * height;
  px.data = malloc(px.len);
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      double dx = x - width * 0.6, dy = y - height * 0.4;
      bool disc = dx * dx + dy * dy < (height * 0.3) * (height * 0.3);
      unsigned char r = (unsigned char)(255 * x / (width - 1));
      unsigned char g = (unsigned char)(255 * y / (height - 1));
      unsigned char b = disc ? 230 : 20;
      unsigned char *p = px.data + y * px.stride + x * channels;
      if (format == VP_PIXEL_FORMAT_BGR8 || format == VP_PIXEL_FORMAT_BGRA8) {
        p[0] = b, p[1] = g, p[2] = r;
      } else {
        p[0] = r, p[1] = g, p[2] = b;
      }
      if (channels == 4) p[3] = 255;
    }
  }
  return px;
}

static vp_image pixels_image(const struct pixels *px, vp_pixel_format format) {
  return vp_image_pixels(px->data, px->len, px->width, px->height, px->stride, format);
}

/* --------------------------------------------------------------- helpers */

/* The vector of one image, malloc'ed (free it), or NULL on failure. */
static float *embed_copy(const vp_image_encoder *enc, const vp_image *image) {
  vp_embedding *e = NULL;
  CHECK_STATUS(vp_image_encoder_embed(enc, image, &e), VP_STATUS_OK);
  if (!e) return NULL;
  float *v = malloc(e->dim * sizeof *v);
  memcpy(v, e->vector, e->dim * sizeof *v);
  vp_embedding_free(e);
  return v;
}

static double dot(const float *a, const float *b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += (double)a[i] * b[i];
  return s;
}

static bool matches_contain(const vp_matches *m, const char *id) {
  for (size_t i = 0; m && i < m->len; ++i)
    if (strcmp(m->items[i].id, id) == 0) return true;
  return false;
}

static vp_image_encoder *load(const char *model, const char *profile, const char *output) {
  vp_image_encoder_config cfg = vp_image_encoder_config_default();
  cfg.output_name = output;
  vp_image_encoder *enc = NULL;
  CHECK_STATUS(vp_image_encoder_new(model, profile, &cfg, &enc), VP_STATUS_OK);
  return enc;
}

/* -------------------------------------------------------------- profiles */

static void test_profiles(void) {
  vp_image_profile p;
  memset(&p, 0, sizeof p);
  CHECK_STATUS(vp_image_profile_preset("torchvision", &p), VP_STATUS_OK);
  CHECK(p.width == 224 && p.height == 224);
  CHECK(p.resize == VP_RESIZE_MODE_SHORTER_SIDE_THEN_CENTER_CROP && p.shorter_side == 256);
  CHECK(p.filter == VP_RESIZE_FILTER_BILINEAR && p.layout == VP_TENSOR_LAYOUT_NCHW);
  CHECK(p.channels == VP_CHANNEL_ORDER_RGB);
  CHECK(fabsf(p.mean[0] - 0.485f) < 1e-6f && fabsf(p.std[2] - 0.225f) < 1e-6f);
  CHECK_STATUS(vp_image_profile_preset("keras-mobilenetv2", &p), VP_STATUS_OK);
  CHECK(p.resize == VP_RESIZE_MODE_STRETCH && p.shorter_side == 0);
  CHECK(p.layout == VP_TENSOR_LAYOUT_NHWC && p.mean[1] == 0.5f && p.std[1] == 0.5f);
  CHECK_STATUS(vp_image_profile_preset("clip", &p), VP_STATUS_OK);
  CHECK(p.filter == VP_RESIZE_FILTER_BICUBIC && p.shorter_side == 224);

  vp_image_profile before = p;
  CHECK_STATUS(vp_image_profile_preset("resnet-ish", &p), VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(message_has("resnet-ish") && message_has("torchvision") && message_has("keras-mobilenetv2"));
  CHECK(memcmp(&before, &p, sizeof p) == 0);
  CHECK_STATUS(vp_image_profile_preset(NULL, &p), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_profile_preset("clip", NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_profile_preset(BAD_UTF8, &p), VP_STATUS_INVALID_UTF8);
}

/* --------------------------------------------------------------- encoder */

static void test_encoder_construction(void) {
  vp_image_encoder *enc = (vp_image_encoder *)1;
  vp_image_encoder_config cfg = vp_image_encoder_config_default();
  CHECK(cfg.model_id == NULL && cfg.input_name == NULL && cfg.output_name == NULL);
  CHECK(cfg.normalize && cfg.dim == 0 && cfg.max_batch > 0);
  CHECK(cfg.max_bytes == 64u << 20 && cfg.max_pixels == 89478485u);

  CHECK_STATUS(vp_image_encoder_new(NULL, "torchvision", NULL, &enc), VP_STATUS_NULL_POINTER);
  CHECK(enc == NULL);
  CHECK(message_has("model_path"));
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, NULL, NULL, &enc), VP_STATUS_NULL_POINTER);
  CHECK(message_has("profile"));
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", NULL, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_new(BAD_UTF8, "torchvision", NULL, &enc), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, BAD_UTF8, NULL, &enc), VP_STATUS_INVALID_UTF8);
  char missing[4096];
  snprintf(missing, sizeof missing, "%s/no-such-model.onnx", TMP_DIR);
  CHECK_STATUS(vp_image_encoder_new(missing, "torchvision", NULL, &enc), VP_STATUS_MODEL_LOAD);
  CHECK(message_has("no-such-model.onnx"));
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "resnet-ish", NULL, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(message_has("resnet-ish"));
  /* A profile whose layout is not the model's. */
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "keras-mobilenetv2", NULL, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(message_has("layout"));
  CHECK_STATUS(vp_image_encoder_new(NHWC_MODEL, "torchvision", NULL, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(enc == NULL);

  /* Config fields reach core: each bad one is refused. */
  cfg.output_name = "no-such-output";
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc), VP_STATUS_MODEL_LOAD);
  CHECK(message_has("no-such-output"));
  cfg = vp_image_encoder_config_default();
  cfg.input_name = "no-such-input";
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc), VP_STATUS_MODEL_LOAD);
  cfg = vp_image_encoder_config_default();
  cfg.output_name = BAD_UTF8;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc), VP_STATUS_INVALID_UTF8);
  CHECK(message_has("output_name"));
  cfg = vp_image_encoder_config_default();
  cfg.output_name = "features";
  cfg.dim = 31;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(message_has("31") && message_has("32"));
  cfg.dim = 32;
  cfg.max_batch = 0;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  cfg.max_batch = 4;
  cfg.model_id = "";
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(enc == NULL);

  /* Success: the model id defaults to the file's stem; dim from the output. */
  cfg = vp_image_encoder_config_default();
  cfg.output_name = "features";
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc), VP_STATUS_OK);
  CHECK(enc && strcmp(vp_image_encoder_model_id(enc), "tiny_cnn_nchw") == 0);
  CHECK(vp_image_encoder_dim(enc) == 32);
  vp_image_profile p, want;
  CHECK_STATUS(vp_image_encoder_profile(enc, &p), VP_STATUS_OK);
  CHECK_STATUS(vp_image_profile_preset("torchvision", &want), VP_STATUS_OK);
  CHECK(memcmp(&p, &want, sizeof p) == 0);
  CHECK_STATUS(vp_image_encoder_profile(NULL, &p), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_profile(enc, NULL), VP_STATUS_NULL_POINTER);
  vp_image_encoder_free(enc);
  cfg.output_name = "logits";
  cfg.model_id = "tiny-logits";
  cfg.dim = 10;
  enc = NULL;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &enc), VP_STATUS_OK);
  CHECK(enc && vp_image_encoder_dim(enc) == 10);
  CHECK(enc && strcmp(vp_image_encoder_model_id(enc), "tiny-logits") == 0);
  vp_image_encoder_free(enc);

  /* A custom profile: checked field by field. */
  vp_image_profile custom;
  CHECK_STATUS(vp_image_profile_preset("torchvision", &custom), VP_STATUS_OK);
  enc = (vp_image_encoder *)1;
  vp_image_profile bad = custom;
  bad.width = 160; /* the model's input is 224 wide */
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &bad, NULL, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  CHECK(enc == NULL);
  bad = custom;
  bad.std[1] = 0.0f;
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &bad, NULL, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  bad = custom;
  bad.shorter_side = 0;
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &bad, NULL, &enc),
               VP_STATUS_INVALID_MODEL_SPEC);
  bad = custom;
  bad.filter = 17;
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &bad, NULL, &enc),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("17") && message_has("filter"));
  bad = custom;
  bad.layout = 5;
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &bad, NULL, &enc),
               VP_STATUS_INVALID_ARGUMENT);
  bad = custom;
  bad.resize = 9;
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &bad, NULL, &enc),
               VP_STATUS_INVALID_ARGUMENT);
  bad = custom;
  bad.channels = 3;
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &bad, NULL, &enc),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, NULL, NULL, &enc),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_new_with_profile(NULL, &custom, NULL, &enc),
               VP_STATUS_NULL_POINTER);

  /* Getters on NULL give neutral values instead of crashing. */
  CHECK(vp_image_encoder_model_id(NULL) == NULL);
  CHECK(vp_image_encoder_dim(NULL) == 0);
  vp_image_encoder_free(NULL);
}

/* ------------------------------------------------------------ embeddings */

static void test_embeddings(const vp_image_encoder *enc) {
  size_t dim = vp_image_encoder_dim(enc);
  char path[4096];

  /* A path and the same file's bytes give the same vector. */
  fixture(path, sizeof path, "chelsea.png");
  vp_image im = vp_image_path(path);
  vp_embedding *from_path = (vp_embedding *)1;
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &from_path), VP_STATUS_OK);
  CHECK(from_path && from_path->dim == dim);
  CHECK(from_path && fabs(norm(from_path->vector, dim) - 1.0) < 1e-5);
  CHECK(from_path && strcmp(from_path->model_id, "tiny_cnn_nchw") == 0);
  if (!from_path) return;
  const float *png = from_path->vector;
  size_t len = 0;
  unsigned char *bytes = read_file(path, &len);
  CHECK(bytes && len > 0);
  im = vp_image_bytes(bytes, len);
  float *from_bytes = embed_copy(enc, &im);
  CHECK(from_bytes && max_abs_diff(png, from_bytes, dim) < SAME);

  /* Every lossless format of the same picture gives the same vector; the
   * lossy ones a close one. */
  const char *lossless[3] = {"chelsea.bmp", "chelsea.tiff", "chelsea.webp"};
  for (int i = 0; i < 3; ++i) {
    im = vp_image_path(fixture(path, sizeof path, lossless[i]));
    float *v = embed_copy(enc, &im);
    CHECK(v && max_abs_diff(png, v, dim) < SAME);
    if (v && max_abs_diff(png, v, dim) >= SAME) fprintf(stderr, "  (%s)\n", lossless[i]);
    free(v);
  }
  const char *lossy[3] = {"chelsea.jpg", "chelsea.gif", "chelsea_exif6.jpg"};
  for (int i = 0; i < 3; ++i) {
    im = vp_image_path(fixture(path, sizeof path, lossy[i]));
    float *v = embed_copy(enc, &im);
    CHECK(v && dot(png, v, dim) > 0.99);
    free(v);
  }

  /* Raw pixels: the BMP's own pixel array as BGR (rows padded), BGRA and
   * RGB give what the BMP file gives. */
  fixture(path, sizeof path, "chelsea.bmp");
  struct pixels bgr = bmp_pixels(path, VP_PIXEL_FORMAT_BGR8, 13);
  struct pixels bgra = bmp_pixels(path, VP_PIXEL_FORMAT_BGRA8, 0);
  struct pixels rgb = bmp_pixels(path, VP_PIXEL_FORMAT_RGB8, 0);
  CHECK(bgr.width == 96 && bgr.height == 64 && bgr.stride == 96 * 3 + 13);
  vp_image px_bgr = pixels_image(&bgr, VP_PIXEL_FORMAT_BGR8);
  float *v_bgr = embed_copy(enc, &px_bgr);
  CHECK(v_bgr && max_abs_diff(png, v_bgr, dim) < SAME);
  /* Stride 0 means packed rows. */
  vp_image px_bgra = vp_image_pixels(bgra.data, bgra.len, bgra.width, bgra.height, 0,
                                     VP_PIXEL_FORMAT_BGRA8);
  float *v_bgra = embed_copy(enc, &px_bgra);
  CHECK(v_bgra && max_abs_diff(png, v_bgra, dim) < SAME);
  vp_image px_rgb = pixels_image(&rgb, VP_PIXEL_FORMAT_RGB8);
  float *v_rgb = embed_copy(enc, &px_rgb);
  CHECK(v_rgb && max_abs_diff(png, v_rgb, dim) < SAME);
  /* The same bytes read with the wrong channel order are another picture. */
  vp_image swapped = pixels_image(&rgb, VP_PIXEL_FORMAT_BGR8);
  float *v_swapped = embed_copy(enc, &swapped);
  CHECK(v_swapped && max_abs_diff(png, v_swapped, dim) > 1e-3);

  /* A synthetic picture: the same in RGB, BGR and RGBA, and not chelsea. */
  struct pixels g_rgb = gradient(120, 80, VP_PIXEL_FORMAT_RGB8);
  struct pixels g_bgr = gradient(120, 80, VP_PIXEL_FORMAT_BGR8);
  struct pixels g_rgba = gradient(120, 80, VP_PIXEL_FORMAT_RGBA8);
  vp_image gi_rgb = pixels_image(&g_rgb, VP_PIXEL_FORMAT_RGB8);
  vp_image gi_bgr = pixels_image(&g_bgr, VP_PIXEL_FORMAT_BGR8);
  vp_image gi_rgba = pixels_image(&g_rgba, VP_PIXEL_FORMAT_RGBA8);
  float *g1 = embed_copy(enc, &gi_rgb), *g2 = embed_copy(enc, &gi_bgr), *g3 = embed_copy(enc, &gi_rgba);
  CHECK(g1 && g2 && max_abs_diff(g1, g2, dim) < SAME);
  CHECK(g1 && g3 && max_abs_diff(g1, g3, dim) < SAME);
  CHECK(g1 && max_abs_diff(g1, png, dim) > 1e-3);
  /* Grey pixels work too. */
  unsigned char grey[32 * 24];
  for (size_t i = 0; i < sizeof grey; ++i) grey[i] = (unsigned char)(i % 251);
  vp_image gr = vp_image_pixels(grey, sizeof grey, 32, 24, 32, VP_PIXEL_FORMAT_GRAY8);
  float *v_grey = embed_copy(enc, &gr);
  CHECK(v_grey && fabs(norm(v_grey, dim) - 1.0) < 1e-5);

  /* Batch: the same vectors as one call each, in order. */
  fixture(path, sizeof path, "chelsea.png");
  vp_image batch[5] = {vp_image_path(path), vp_image_bytes(bytes, len), px_bgr, gi_rgb, gr};
  const float *single[5] = {png, from_bytes, v_bgr, g1, v_grey};
  vp_embeddings *m = (vp_embeddings *)1;
  CHECK_STATUS(vp_image_encoder_embed_batch(enc, batch, 5, &m), VP_STATUS_OK);
  CHECK(m && m->count == 5 && m->dim == dim && strcmp(m->model_id, "tiny_cnn_nchw") == 0);
  for (size_t i = 0; m && m->count == 5 && i < 5; ++i)
    CHECK(single[i] && max_abs_diff(m->vectors + i * dim, single[i], dim) < SAME);
  vp_embeddings_free(m);
  /* ... also when the batch is cut into several model runs. */
  vp_image_encoder_config cfg = vp_image_encoder_config_default();
  cfg.output_name = "features";
  cfg.max_batch = 2;
  vp_image_encoder *small = NULL;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &small), VP_STATUS_OK);
  m = NULL;
  CHECK_STATUS(vp_image_encoder_embed_batch(small, batch, 5, &m), VP_STATUS_OK);
  for (size_t i = 0; m && m->count == 5 && i < 5; ++i)
    CHECK(single[i] && max_abs_diff(m->vectors + i * dim, single[i], dim) < SAME);
  CHECK(m && m->count == 5);
  vp_embeddings_free(m);
  vp_image_encoder_free(small);
  /* An empty batch is no error: 0 rows of the encoder's dim. */
  m = NULL;
  CHECK_STATUS(vp_image_encoder_embed_batch(enc, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->count == 0 && m->dim == dim);
  vp_embeddings_free(m);
  m = (vp_embeddings *)1;
  CHECK_STATUS(vp_image_encoder_embed_batch(enc, NULL, 2, &m), VP_STATUS_NULL_POINTER);
  CHECK(m == NULL);
  vp_image bad_batch[2] = {vp_image_path(path), vp_image_path("/nonexistent/x.png")};
  CHECK_STATUS(vp_image_encoder_embed_batch(enc, bad_batch, 2, &m), VP_STATUS_IO);
  CHECK(m == NULL);
  CHECK_STATUS(vp_image_encoder_embed_batch(NULL, batch, 5, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_embed_batch(enc, batch, 5, NULL), VP_STATUS_NULL_POINTER);

  /* normalize = false: the model's raw output, the same direction. */
  cfg = vp_image_encoder_config_default();
  cfg.output_name = "features";
  cfg.normalize = false;
  vp_image_encoder *raw_enc = NULL;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &raw_enc), VP_STATUS_OK);
  im = vp_image_path(path);
  float *raw = raw_enc ? embed_copy(raw_enc, &im) : NULL;
  CHECK(raw && fabs(norm(raw, dim) - 1.0) > 1e-3);
  float cos = 0.0f;
  if (raw) CHECK_STATUS(vp_cosine(raw, dim, png, dim, &cos), VP_STATUS_OK);
  CHECK(cos > 0.99999f);
  free(raw);
  vp_image_encoder_free(raw_enc);

  /* The NHWC model with the Keras profile. */
  vp_image_encoder *keras = load(NHWC_MODEL, "keras-mobilenetv2", "features");
  if (keras) {
    CHECK(strcmp(vp_image_encoder_model_id(keras), "tiny_cnn_nhwc") == 0);
    CHECK(vp_image_encoder_dim(keras) == 32);
    float *k1 = embed_copy(keras, &im), *k2 = embed_copy(keras, &px_bgr);
    CHECK(k1 && k2 && max_abs_diff(k1, k2, dim) < SAME);
    CHECK(k1 && fabs(norm(k1, dim) - 1.0) < 1e-5);
    free(k1);
    free(k2);
  }
  vp_image_encoder_free(keras);

  free(v_grey);
  free(g1);
  free(g2);
  free(g3);
  free(g_rgb.data);
  free(g_bgr.data);
  free(g_rgba.data);
  free(v_swapped);
  free(v_rgb);
  free(v_bgra);
  free(v_bgr);
  free(rgb.data);
  free(bgra.data);
  free(bgr.data);
  free(from_bytes);
  free(bytes);
  vp_embedding_free(from_path);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(const vp_image_encoder *enc) {
  char path[4096];
  vp_embedding *e = (vp_embedding *)1;
  vp_image im = vp_image_path("/nonexistent/missing.png");
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_IO);
  CHECK(e == NULL);
  CHECK(message_has("/nonexistent/missing.png"));
  im = vp_image_path(BAD_UTF8);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_INVALID_UTF8);
  im = vp_image_path(NULL);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_embed(enc, NULL, &e), VP_STATUS_NULL_POINTER);
  im = vp_image_path(fixture(path, sizeof path, "chelsea.png"));
  CHECK_STATUS(vp_image_encoder_embed(NULL, &im, &e), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, NULL), VP_STATUS_NULL_POINTER);

  /* Damaged files of a known format, as paths and as bytes. */
  const char *truncated[2] = {"truncated_chelsea.png", "truncated_chelsea.jpg"};
  for (int i = 0; i < 2; ++i) {
    fixture(path, sizeof path, truncated[i]);
    im = vp_image_path(path);
    CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_CORRUPT_INPUT);
    size_t len = 0;
    unsigned char *bytes = read_file(path, &len);
    im = vp_image_bytes(bytes, len);
    CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_CORRUPT_INPUT);
    free(bytes);
  }
  unsigned char garbage[4096];
  uint32_t seed = 11;
  for (size_t i = 0; i < sizeof garbage; ++i) garbage[i] = (unsigned char)lcg(&seed);
  im = vp_image_bytes(garbage, sizeof garbage);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_UNSUPPORTED_FORMAT);
  char text_file[4096];
  snprintf(text_file, sizeof text_file, "%s/not-an-image.png", TMP_DIR);
  write_file(text_file, "just some text, whatever the file name says", 43);
  im = vp_image_path(text_file);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_UNSUPPORTED_FORMAT);
  im = vp_image_bytes(garbage, 0);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_EMPTY_INPUT);
  im = vp_image_bytes(NULL, 10);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_NULL_POINTER);

  /* Raw pixels that do not describe their buffer. */
  unsigned char px[4 * 3 * 3];
  memset(px, 100, sizeof px);
  im = vp_image_pixels(px, sizeof px, 4, 3, 11, VP_PIXEL_FORMAT_RGB8); /* a row is 12 bytes */
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("stride"));
  im = vp_image_pixels(px, sizeof px - 1, 4, 3, 0, VP_PIXEL_FORMAT_RGB8);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("35"));
  im = vp_image_pixels(px, sizeof px, 3, 3, 16, VP_PIXEL_FORMAT_RGBA8); /* needs 44 bytes */
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_INVALID_ARGUMENT);
  im = vp_image_pixels(px, sizeof px, 0, 3, 0, VP_PIXEL_FORMAT_RGB8);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_EMPTY_INPUT);
  im = vp_image_pixels(px, sizeof px, 4, 3, 0, 9);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("vp_pixel_format"));
  im = vp_image_pixels(NULL, sizeof px, 4, 3, 0, VP_PIXEL_FORMAT_RGB8);
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_NULL_POINTER);
  im = vp_image_pixels(px, sizeof px, 4, 3, 0, VP_PIXEL_FORMAT_RGB8);
  im.kind = 42;
  CHECK_STATUS(vp_image_encoder_embed(enc, &im, &e), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("42"));
  CHECK(e == NULL);

  /* The encoder's limits: bytes of a file or buffer, pixels of any image. */
  vp_image_encoder_config cfg = vp_image_encoder_config_default();
  cfg.output_name = "features";
  cfg.max_bytes = 5000;
  cfg.max_pixels = 100;
  vp_image_encoder *strict = NULL;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &strict), VP_STATUS_OK);
  im = vp_image_path(fixture(path, sizeof path, "chelsea.png"));
  CHECK_STATUS(vp_image_encoder_embed(strict, &im, &e), VP_STATUS_INPUT_TOO_LARGE); /* 14.9 kB */
  CHECK(message_has("5000") && message_has("bytes"));
  im = vp_image_path(fixture(path, sizeof path, "chelsea.jpg")); /* 3.7 kB, 6144 pixels */
  CHECK_STATUS(vp_image_encoder_embed(strict, &im, &e), VP_STATUS_INPUT_TOO_LARGE);
  CHECK(message_has("pixels"));
  im = vp_image_pixels(px, sizeof px, 4, 3, 0, VP_PIXEL_FORMAT_RGB8); /* 12 pixels */
  CHECK_STATUS(vp_image_encoder_embed(strict, &im, &e), VP_STATUS_OK);
  vp_embedding_free(e);
  e = NULL;
  unsigned char wide[101 * 3];
  memset(wide, 7, sizeof wide);
  im = vp_image_pixels(wide, sizeof wide, 101, 1, 0, VP_PIXEL_FORMAT_RGB8);
  CHECK_STATUS(vp_image_encoder_embed(strict, &im, &e), VP_STATUS_INPUT_TOO_LARGE);
  CHECK(message_has("pixels"));
  vp_image_encoder_free(strict);
  vp_embedding_free(NULL);
  vp_embeddings_free(NULL);
}

/* ------------------------------------------------------------ preprocess */

/* A uniform picture stays uniform through any resize and crop, so every
 * value of the tensor is known: (v / 255 - mean[c]) / std[c]. Checks the
 * layout and channel order the tensor comes in. */
static void check_uniform_tensor(const vp_image_encoder *enc, const unsigned char rgb[3]) {
  unsigned char px[40 * 30 * 3];
  for (size_t i = 0; i < 40 * 30; ++i) memcpy(px + 3 * i, rgb, 3);
  vp_image im = vp_image_pixels(px, sizeof px, 40, 30, 0, VP_PIXEL_FORMAT_RGB8);
  vp_image_profile p;
  CHECK_STATUS(vp_image_encoder_profile(enc, &p), VP_STATUS_OK);
  vp_image_tensor *t = (vp_image_tensor *)1;
  CHECK_STATUS(vp_image_encoder_preprocess(enc, &im, &t), VP_STATUS_OK);
  if (!t) return;
  bool nchw = p.layout == VP_TENSOR_LAYOUT_NCHW;
  size_t h = p.height, w = p.width;
  CHECK(t->len == 3 * h * w);
  if (nchw) CHECK(t->shape[0] == 3 && t->shape[1] == h && t->shape[2] == w);
  else CHECK(t->shape[0] == h && t->shape[1] == w && t->shape[2] == 3);
  double worst = 0.0;
  for (size_t i = 0; i < t->len; ++i) {
    size_t slot = nchw ? i / (h * w) : i % 3; /* the tensor's channel */
    size_t c = p.channels == VP_CHANNEL_ORDER_BGR ? 2 - slot : slot; /* its RGB channel */
    double want = (rgb[c] / 255.0 - p.mean[c]) / p.std[c];
    double d = fabs(t->data[i] - want);
    if (d > worst) worst = d;
  }
  CHECK(worst < 1e-5);
  vp_image_tensor_free(t);
}

static void test_preprocess(const vp_image_encoder *enc) {
  const unsigned char colour[3] = {200, 100, 50};
  check_uniform_tensor(enc, colour);
  vp_image_encoder *keras = load(NHWC_MODEL, "keras-mobilenetv2", "features");
  if (keras) check_uniform_tensor(keras, colour);
  vp_image_encoder_free(keras);
  /* A custom profile: BGR channel order, own statistics, nearest filter. */
  vp_image_profile custom;
  CHECK_STATUS(vp_image_profile_preset("torchvision", &custom), VP_STATUS_OK);
  custom.channels = VP_CHANNEL_ORDER_BGR;
  custom.filter = VP_RESIZE_FILTER_NEAREST;
  custom.resize = VP_RESIZE_MODE_STRETCH;
  custom.shorter_side = 0;
  custom.mean[0] = 0.25f, custom.std[0] = 0.5f;
  vp_image_encoder *bgr = NULL;
  CHECK_STATUS(vp_image_encoder_new_with_profile(NCHW_MODEL, &custom, NULL, &bgr), VP_STATUS_OK);
  if (bgr) {
    vp_image_profile back;
    CHECK_STATUS(vp_image_encoder_profile(bgr, &back), VP_STATUS_OK);
    CHECK(memcmp(&back, &custom, sizeof back) == 0);
    check_uniform_tensor(bgr, colour);
  }
  vp_image_encoder_free(bgr);

  /* A real file gives the model's shape; its errors are the decoder's. */
  char path[4096];
  vp_image im = vp_image_path(fixture(path, sizeof path, "chelsea.webp"));
  vp_image_tensor *t = NULL;
  CHECK_STATUS(vp_image_encoder_preprocess(enc, &im, &t), VP_STATUS_OK);
  CHECK(t && t->shape[0] == 3 && t->shape[1] == 224 && t->shape[2] == 224);
  vp_image_tensor_free(t);
  vp_image_tensor_free(NULL);
  t = (vp_image_tensor *)1;
  im = vp_image_path(fixture(path, sizeof path, "truncated_chelsea.png"));
  CHECK_STATUS(vp_image_encoder_preprocess(enc, &im, &t), VP_STATUS_CORRUPT_INPUT);
  CHECK(t == NULL);
  CHECK_STATUS(vp_image_encoder_preprocess(enc, NULL, &t), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_preprocess(NULL, &im, &t), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_encoder_preprocess(enc, &im, NULL), VP_STATUS_NULL_POINTER);
}

/* ----------------------------------------------------------------- index */

static void test_index_construction(const vp_image_encoder *enc) {
  vp_store *other_model = NULL, *other_dim = NULL, *good = NULL;
  vp_image_index *index = (vp_image_index *)1;
  CHECK_STATUS(vp_store_memory_new("some-other-model", 32, &other_model), VP_STATUS_OK);
  CHECK_STATUS(vp_store_memory_new("tiny_cnn_nchw", 31, &other_dim), VP_STATUS_OK);
  CHECK_STATUS(vp_store_memory_new("tiny_cnn_nchw", 32, &good), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_new(enc, other_model, &index), VP_STATUS_MODEL_MISMATCH);
  CHECK(index == NULL);
  CHECK(message_has("some-other-model") && message_has("tiny_cnn_nchw"));
  CHECK_STATUS(vp_image_index_new(enc, other_dim, &index), VP_STATUS_DIMENSION_MISMATCH);
  CHECK_STATUS(vp_image_index_new(NULL, good, &index), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_new(enc, NULL, &index), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_new(enc, good, NULL), VP_STATUS_NULL_POINTER);
  /* A SQLite store made by the speaker side for another model. */
  char db[4096];
  snprintf(db, sizeof db, "%s/speaker-model.db", TMP_DIR);
  vp_store *speakers = NULL;
  CHECK_STATUS(vp_store_sqlite_create_or_open(db, "ge2e-resemblyzer", 32, &speakers), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_new(enc, speakers, &index), VP_STATUS_MODEL_MISMATCH);
  vp_store_free(speakers);

  /* An index over an encoder that does not normalise still stores and
   * queries unit vectors. */
  vp_image_encoder_config cfg = vp_image_encoder_config_default();
  cfg.output_name = "features";
  cfg.normalize = false;
  vp_image_encoder *raw_enc = NULL;
  CHECK_STATUS(vp_image_encoder_new(NCHW_MODEL, "torchvision", &cfg, &raw_enc), VP_STATUS_OK);
  index = NULL;
  CHECK_STATUS(vp_image_index_new(raw_enc, good, &index), VP_STATUS_OK);
  vp_image_encoder_free(raw_enc); /* the index keeps its own reference */
  char path[4096];
  vp_image im = vp_image_path(fixture(path, sizeof path, "chelsea.png"));
  vp_embedding *e = NULL;
  CHECK_STATUS(vp_image_index_embed(index, &im, &e), VP_STATUS_OK);
  CHECK(e && e->dim == 32 && fabs(norm(e->vector, e->dim) - 1.0) < 1e-5);
  vp_embedding_free(e);
  e = (vp_embedding *)1;
  CHECK_STATUS(vp_image_index_embed(index, NULL, &e), VP_STATUS_NULL_POINTER);
  CHECK(e == NULL);
  CHECK_STATUS(vp_image_index_embed(NULL, &im, &e), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_embed(index, &im, NULL), VP_STATUS_NULL_POINTER);
  im = vp_image_path("/nonexistent/q.png");
  CHECK_STATUS(vp_image_index_embed(index, &im, &e), VP_STATUS_IO);
  vp_image_index_free(index);
  vp_image_index_free(NULL);
  vp_store_free(other_model);
  vp_store_free(other_dim);
  vp_store_free(good);
}

/* The photos the index holds, and how each is given. */
enum { PHOTOS = 4 };
static const char *PHOTO_IDS[PHOTOS] = {"camera", "chelsea", "gradient", "rocket"};

/* The query each photo is searched with: another file, or the same
 * picture another way (bytes, pixels). */
static vp_image query_of(int i, char *path, size_t size, const unsigned char *bytes, size_t len,
                         const struct pixels *g) {
  switch (i) {
    case 0: return vp_image_bytes(bytes, len); /* pillow camera, bytes */
    case 1: return vp_image_path(fixture(path, size, "chelsea.bmp"));
    case 2: return pixels_image(g, VP_PIXEL_FORMAT_BGR8);
    default: return vp_image_path(fixture(path, size, "pillow_torchvision_rocket.png"));
  }
}

struct ranking {
  size_t len;
  char ids[16][64];
  float scores[16];
};

static void keep_ranking(const vp_matches *m, struct ranking *r) {
  r->len = m ? m->len : 0;
  for (size_t i = 0; i < r->len && i < 16; ++i) {
    snprintf(r->ids[i], sizeof r->ids[i], "%s", m->items[i].id);
    r->scores[i] = m->items[i].score;
  }
}

static void fill_index(const vp_image_index *index, struct pixels *g_rgb) {
  char path[4096], p2[4096], p3[4096];
  /* add: a path, with labels; adding again replaces. */
  vp_label labels[2] = {{"name", "Chelsea"}, {"kind", "cat"}};
  vp_image im = vp_image_path(fixture(path, sizeof path, "chelsea.png"));
  bool replaced = true;
  CHECK_STATUS(vp_image_index_add(index, "chelsea", &im, labels, 2, &replaced), VP_STATUS_OK);
  CHECK(!replaced);
  CHECK_STATUS(vp_image_index_add(index, "chelsea", &im, labels, 2, &replaced), VP_STATUS_OK);
  CHECK(replaced);
  /* add: raw pixels, no labels, no out. */
  vp_image gi = pixels_image(g_rgb, VP_PIXEL_FORMAT_RGB8);
  CHECK_STATUS(vp_image_index_add(index, "gradient", &gi, NULL, 0, NULL), VP_STATUS_OK);
  /* add_batch: two files and a duplicate of chelsea to be removed later. */
  const char *ids[3] = {"camera", "rocket", "temporary"};
  vp_image images[3] = {
      vp_image_path(fixture(path, sizeof path, "pillow_torchvision_camera.png")),
      vp_image_path(fixture(p2, sizeof p2, "rocket-missing.png")),
      vp_image_path(fixture(p3, sizeof p3, "chelsea.tiff")),
  };
  size_t n = 99;
  size_t count = 0;
  /* One bad image: nothing is stored. */
  CHECK_STATUS(vp_image_index_add_batch(index, ids, images, 3, &n), VP_STATUS_IO);
  CHECK_STATUS(vp_image_index_count(index, &count), VP_STATUS_OK);
  CHECK(count == 2);
  images[1] = vp_image_path(fixture(p2, sizeof p2, "pillow_torchvision_rocket.png"));
  const char *bad_ids[3] = {"camera", "", "temporary"};
  CHECK_STATUS(vp_image_index_add_batch(index, bad_ids, images, 3, &n), VP_STATUS_INVALID_ID);
  const char *null_ids[3] = {"camera", NULL, "temporary"};
  CHECK_STATUS(vp_image_index_add_batch(index, null_ids, images, 3, &n), VP_STATUS_NULL_POINTER);
  CHECK(message_has("ids[i]"));
  const char *utf8_ids[3] = {"camera", BAD_UTF8, "temporary"};
  CHECK_STATUS(vp_image_index_add_batch(index, utf8_ids, images, 3, &n), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_image_index_count(index, &count), VP_STATUS_OK);
  CHECK(count == 2);
  CHECK_STATUS(vp_image_index_add_batch(index, ids, images, 3, &n), VP_STATUS_OK);
  CHECK(n == 0);
  CHECK_STATUS(vp_image_index_add_batch(index, ids, images, 1, NULL), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_add_batch(index, ids, images, 3, &n), VP_STATUS_OK);
  CHECK(n == 3);
  CHECK_STATUS(vp_image_index_add_batch(index, NULL, NULL, 0, &n), VP_STATUS_OK);
  CHECK(n == 0);
  CHECK_STATUS(vp_image_index_add_batch(index, NULL, images, 3, &n), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add_batch(index, ids, NULL, 3, &n), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add_batch(NULL, ids, images, 3, &n), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_count(index, &count), VP_STATUS_OK);
  CHECK(count == 5);

  /* add errors. */
  CHECK_STATUS(vp_image_index_add(index, "", &im, NULL, 0, NULL), VP_STATUS_INVALID_ID);
  CHECK_STATUS(vp_image_index_add(index, "bad\nid", &im, NULL, 0, NULL), VP_STATUS_INVALID_ID);
  CHECK_STATUS(vp_image_index_add(index, NULL, &im, NULL, 0, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add(index, BAD_UTF8, &im, NULL, 0, NULL), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_image_index_add(index, "x", NULL, NULL, 0, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add(NULL, "x", &im, NULL, 0, NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add(index, "x", &im, NULL, 2, NULL), VP_STATUS_NULL_POINTER);
  vp_label twice[2] = {{"k", "1"}, {"k", "2"}};
  CHECK_STATUS(vp_image_index_add(index, "x", &im, twice, 2, NULL), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("\"k\""));
  vp_label null_value[1] = {{"k", NULL}};
  CHECK_STATUS(vp_image_index_add(index, "x", &im, null_value, 1, NULL), VP_STATUS_NULL_POINTER);
  vp_label bad_key[1] = {{BAD_UTF8, "v"}};
  CHECK_STATUS(vp_image_index_add(index, "x", &im, bad_key, 1, NULL), VP_STATUS_INVALID_UTF8);
  vp_image missing = vp_image_path("/nonexistent/x.png");
  CHECK_STATUS(vp_image_index_add(index, "x", &missing, NULL, 0, NULL), VP_STATUS_IO);
  vp_image truncated = vp_image_path(fixture(path, sizeof path, "truncated_chelsea.jpg"));
  CHECK_STATUS(vp_image_index_add(index, "x", &truncated, NULL, 0, NULL), VP_STATUS_CORRUPT_INPUT);
  CHECK_STATUS(vp_image_index_count(index, &count), VP_STATUS_OK);
  CHECK(count == 5);
}

static void test_index(const vp_image_encoder *enc, const char *db, struct ranking *before) {
  vp_store *store = NULL;
  CHECK_STATUS(vp_store_sqlite_create_or_open(db, vp_image_encoder_model_id(enc),
                                              vp_image_encoder_dim(enc), &store),
               VP_STATUS_OK);
  vp_image_index *index = NULL;
  CHECK_STATUS(vp_image_index_new(enc, store, &index), VP_STATUS_OK);
  vp_store_free(store); /* the index keeps its own reference */
  if (!index) return;
  size_t dim = vp_image_encoder_dim(enc);
  char path[4096];
  struct pixels g_rgb = gradient(120, 80, VP_PIXEL_FORMAT_RGB8);
  struct pixels g_bgr = gradient(120, 80, VP_PIXEL_FORMAT_BGR8);
  fill_index(index, &g_rgb);

  /* Each photo's query finds it first with a score of ~1. */
  size_t camera_len = 0;
  unsigned char *camera =
      read_file(fixture(path, sizeof path, "pillow_torchvision_camera.png"), &camera_len);
  for (int i = 0; i < PHOTOS; ++i) {
    vp_image q = query_of(i, path, sizeof path, camera, camera_len, &g_bgr);
    vp_matches *m = (vp_matches *)1;
    CHECK_STATUS(vp_image_index_search(index, &q, 3, NULL, 0, &m), VP_STATUS_OK);
    if (!m) continue;
    CHECK(m->len == 3 && m->best == NULL && isnan(m->threshold));
    const char *want = PHOTO_IDS[i];
    /* chelsea.tiff is stored too (as "temporary"): the same picture. */
    bool first = m->len > 0 && (strcmp(m->items[0].id, want) == 0 ||
                                (i == 1 && strcmp(m->items[0].id, "temporary") == 0));
    CHECK(first);
    if (!first && m->len > 0) fprintf(stderr, "  query %s found %s first\n", want, m->items[0].id);
    CHECK(m->len > 0 && m->items[0].score > 0.9999f && m->items[0].score < 1.0001f);
    for (size_t j = 1; j < m->len; ++j) CHECK(m->items[j - 1].score >= m->items[j].score);
    vp_matches_free(m);
  }

  /* A lossy copy of chelsea finds the chelsea pictures first. */
  vp_image jpg = vp_image_path(fixture(path, sizeof path, "chelsea.jpg"));
  vp_matches *m = NULL;
  CHECK_STATUS(vp_image_index_search(index, &jpg, 2, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 2 && matches_contain(m, "chelsea") && matches_contain(m, "temporary"));
  vp_matches_free(m);

  /* Candidates restrict the search; NULL is "all", an empty list "none". */
  const char *candidates[3] = {"camera", "rocket", "nobody"};
  vp_image q = vp_image_path(fixture(path, sizeof path, "chelsea.png"));
  CHECK_STATUS(vp_image_index_search(index, &q, 5, candidates, 3, &m), VP_STATUS_OK);
  CHECK(m && m->len == 2 && matches_contain(m, "camera") && matches_contain(m, "rocket"));
  vp_matches_free(m);
  CHECK_STATUS(vp_image_index_search(index, &q, 5, candidates, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 0);
  vp_matches_free(m);
  CHECK_STATUS(vp_image_index_search(index, &q, 10, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 5);
  vp_matches_free(m);

  /* Search errors. */
  m = (vp_matches *)1;
  CHECK_STATUS(vp_image_index_search(index, &q, 0, NULL, 0, &m), VP_STATUS_INVALID_ARGUMENT);
  CHECK(m == NULL);
  CHECK(message_has("at least"));
  const char *bad_candidates[2] = {"camera", BAD_UTF8};
  CHECK_STATUS(vp_image_index_search(index, &q, 1, bad_candidates, 2, &m), VP_STATUS_INVALID_UTF8);
  const char *null_candidate[2] = {"camera", NULL};
  CHECK_STATUS(vp_image_index_search(index, &q, 1, null_candidate, 2, &m), VP_STATUS_NULL_POINTER);
  vp_image missing = vp_image_path("/nonexistent/q.png");
  CHECK_STATUS(vp_image_index_search(index, &missing, 1, NULL, 0, &m), VP_STATUS_IO);
  unsigned char junk[64] = {0x89, 'P', 'N', 'G'};
  vp_image garbage = vp_image_bytes(junk + 1, sizeof junk - 1);
  CHECK_STATUS(vp_image_index_search(index, &garbage, 1, NULL, 0, &m), VP_STATUS_UNSUPPORTED_FORMAT);
  CHECK_STATUS(vp_image_index_search(index, NULL, 1, NULL, 0, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_search(NULL, &q, 1, NULL, 0, &m), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_search(index, &q, 1, NULL, 0, NULL), VP_STATUS_NULL_POINTER);

  /* get: the stored vector and metadata; an unknown id is NULL, not an error. */
  vp_image_record *r = (vp_image_record *)1;
  CHECK_STATUS(vp_image_index_get(index, "chelsea", &r), VP_STATUS_OK);
  CHECK(r != NULL);
  float stored[64] = {0};
  if (r) {
    CHECK(strcmp(r->id, "chelsea") == 0 && r->dim == dim);
    CHECK(fabs(norm(r->vector, r->dim) - 1.0) < 1e-5);
    CHECK(r->status == VP_SPEAKER_STATUS_ACTIVE);
    CHECK(r->created_at_ms > 0 && r->updated_at_ms >= r->created_at_ms);
    CHECK(r->labels_len == 2);
    if (r->labels_len == 2) {
      CHECK(strcmp(r->labels[0].key, "kind") == 0 && strcmp(r->labels[0].value, "cat") == 0);
      CHECK(strcmp(r->labels[1].key, "name") == 0 && strcmp(r->labels[1].value, "Chelsea") == 0);
    }
    if (r->dim <= 64) memcpy(stored, r->vector, r->dim * sizeof *stored);
    vp_embedding *e = NULL;
    CHECK_STATUS(vp_image_index_embed(index, &q, &e), VP_STATUS_OK);
    CHECK(e && max_abs_diff(e->vector, r->vector, dim) < SAME);
    vp_embedding_free(e);
  }
  vp_image_record_free(r);
  vp_image_record_free(NULL);
  r = (vp_image_record *)1;
  CHECK_STATUS(vp_image_index_get(index, "nobody", &r), VP_STATUS_OK);
  CHECK(r == NULL);
  CHECK_STATUS(vp_image_index_get(index, "gradient", &r), VP_STATUS_OK);
  CHECK(r && r->labels_len == 0);
  vp_image_record_free(r);
  CHECK_STATUS(vp_image_index_get(index, NULL, &r), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_get(index, BAD_UTF8, &r), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_image_index_get(index, "chelsea", NULL), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_get(NULL, "chelsea", &r), VP_STATUS_NULL_POINTER);

  /* search_vector and add_vector with a vector from elsewhere. */
  CHECK_STATUS(vp_image_index_search_vector(index, stored, dim, 1, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 1 && m->items[0].score > 0.9999f && m->best == NULL);
  CHECK(m && m->len == 1 &&
        (strcmp(m->items[0].id, "chelsea") == 0 || strcmp(m->items[0].id, "temporary") == 0));
  vp_matches_free(m);
  float scaled[64];
  for (size_t i = 0; i < dim && i < 64; ++i) scaled[i] = 3.0f * stored[i];
  bool replaced = true;
  CHECK_STATUS(vp_image_index_add_vector(index, "vector", scaled, dim, NULL, 0, &replaced),
               VP_STATUS_OK);
  CHECK(!replaced);
  vp_label l1[1] = {{"source", "node-2"}};
  CHECK_STATUS(vp_image_index_add_vector(index, "vector", scaled, dim, l1, 1, &replaced),
               VP_STATUS_OK);
  CHECK(replaced);
  CHECK_STATUS(vp_image_index_get(index, "vector", &r), VP_STATUS_OK);
  CHECK(r && max_abs_diff(r->vector, stored, dim) < SAME); /* normalised */
  CHECK(r && r->labels_len == 1 && strcmp(r->labels[0].value, "node-2") == 0);
  vp_image_record_free(r);
  const char *only[1] = {"vector"};
  CHECK_STATUS(vp_image_index_search_vector(index, scaled, dim, 3, only, 1, &m), VP_STATUS_OK);
  CHECK(m && m->len == 1 && strcmp(m->items[0].id, "vector") == 0);
  CHECK(m && m->len == 1 && fabsf(m->items[0].score - 1.0f) < 1e-4f);
  vp_matches_free(m);
  CHECK_STATUS(vp_image_index_add_vector(index, "short", stored, dim - 1, NULL, 0, NULL),
               VP_STATUS_DIMENSION_MISMATCH);
  CHECK(message_has("32") && message_has("31"));
  float zeros[64] = {0};
  CHECK_STATUS(vp_image_index_add_vector(index, "zero", zeros, dim, NULL, 0, NULL),
               VP_STATUS_INVALID_ARGUMENT);
  float with_nan[64];
  memcpy(with_nan, stored, sizeof with_nan);
  with_nan[3] = NAN;
  CHECK_STATUS(vp_image_index_add_vector(index, "nan", with_nan, dim, NULL, 0, NULL),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_image_index_add_vector(index, "", stored, dim, NULL, 0, NULL),
               VP_STATUS_INVALID_ID);
  CHECK_STATUS(vp_image_index_add_vector(index, "x", NULL, dim, NULL, 0, NULL),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add_vector(index, NULL, stored, dim, NULL, 0, NULL),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add_vector(NULL, "x", stored, dim, NULL, 0, NULL),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_add_vector(index, "x", (const float *)((const char *)stored + 1), dim,
                                         NULL, 0, NULL),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_image_index_search_vector(index, stored, dim + 1, 1, NULL, 0, &m),
               VP_STATUS_DIMENSION_MISMATCH);
  CHECK(m == NULL);
  CHECK_STATUS(vp_image_index_search_vector(index, stored, dim, 0, NULL, 0, &m),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_image_index_search_vector(index, zeros, dim, 1, NULL, 0, &m),
               VP_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(vp_image_index_search_vector(index, NULL, dim, 1, NULL, 0, &m),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_search_vector(NULL, stored, dim, 1, NULL, 0, &m),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_search_vector(index, stored, dim, 1, NULL, 0, NULL),
               VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_search_vector(index, stored, dim, 1, bad_candidates, 2, &m),
               VP_STATUS_INVALID_UTF8);

  /* search_vectors: a batch of queries gives, per query, exactly what
   * search_vector gives for it (ids, order, scores), with and without
   * candidates. */
  {
    enum { ROWS = 3 };
    float queries[ROWS * 64];
    for (size_t i = 0; i < dim && i < 64; ++i) {
      queries[i] = stored[i];
      queries[dim + i] = scaled[i];
      queries[2 * dim + i] = stored[dim - 1 - i] + 0.25f;
    }
    const char *pair[2] = {"vector", "gradient"};
    for (int with_candidates = 0; with_candidates < 2; ++with_candidates) {
      const char *const *cands = with_candidates ? pair : NULL;
      size_t ncands = with_candidates ? 2 : 0;
      vp_batch_matches *batch = NULL;
      CHECK_STATUS(
          vp_image_index_search_vectors(index, queries, ROWS, dim, 4, cands, ncands, &batch),
          VP_STATUS_OK);
      CHECK(batch && batch->len == ROWS);
      for (size_t row = 0; batch && row < batch->len && row < ROWS; ++row) {
        CHECK_STATUS(vp_image_index_search_vector(index, queries + row * dim, dim, 4, cands,
                                                  ncands, &m),
                     VP_STATUS_OK);
        CHECK(m && m->len == (with_candidates ? 2u : 4u));
        CHECK(same_matches(&batch->items[row], m));
        CHECK(batch->items[row].best == NULL && isnan(batch->items[row].threshold));
        vp_matches_free(m);
      }
      vp_batch_matches_free(batch);
    }
    vp_batch_matches_free(NULL);
    vp_batch_matches *batch = (vp_batch_matches *)1;
    CHECK_STATUS(vp_image_index_search_vectors(index, queries, 0, dim, 1, NULL, 0, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK(batch == NULL);
    CHECK_STATUS(vp_image_index_search_vectors(index, NULL, 0, dim, 1, NULL, 0, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(vp_image_index_search_vectors(index, queries, ROWS, dim - 1, 1, NULL, 0, &batch),
                 VP_STATUS_DIMENSION_MISMATCH);
    CHECK(message_has("32") && message_has("31"));
    CHECK_STATUS(vp_image_index_search_vectors(index, queries, ROWS, 0, 1, NULL, 0, &batch),
                 VP_STATUS_DIMENSION_MISMATCH);
    CHECK_STATUS(vp_image_index_search_vectors(index, queries, SIZE_MAX / 2, dim, 1, NULL, 0, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(vp_image_index_search_vectors(index, queries, ROWS, dim, 0, NULL, 0, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    float with_zero_row[2 * 64] = {0};
    memcpy(with_zero_row, stored, dim * sizeof *stored);
    CHECK_STATUS(vp_image_index_search_vectors(index, with_zero_row, 2, dim, 1, NULL, 0, &batch),
                 VP_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(vp_image_index_search_vectors(index, NULL, ROWS, dim, 1, NULL, 0, &batch),
                 VP_STATUS_NULL_POINTER);
    CHECK_STATUS(vp_image_index_search_vectors(NULL, queries, ROWS, dim, 1, NULL, 0, &batch),
                 VP_STATUS_NULL_POINTER);
    CHECK_STATUS(vp_image_index_search_vectors(index, queries, ROWS, dim, 1, NULL, 0, NULL),
                 VP_STATUS_NULL_POINTER);
    CHECK_STATUS(
        vp_image_index_search_vectors(index, queries, ROWS, dim, 1, bad_candidates, 2, &batch),
        VP_STATUS_INVALID_UTF8);
    CHECK(batch == NULL);
  }

  /* set_status: a disabled image is kept, never found. */
  CHECK_STATUS(vp_image_index_set_status(index, "chelsea", VP_SPEAKER_STATUS_DISABLED), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_search(index, &q, 10, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 5 && !matches_contain(m, "chelsea"));
  vp_matches_free(m);
  const char *just_chelsea[1] = {"chelsea"};
  CHECK_STATUS(vp_image_index_search(index, &q, 10, just_chelsea, 1, &m), VP_STATUS_OK);
  CHECK(m && m->len == 0);
  vp_matches_free(m);
  CHECK_STATUS(vp_image_index_search_vector(index, stored, dim, 10, just_chelsea, 1, &m),
               VP_STATUS_OK);
  CHECK(m && m->len == 0);
  vp_matches_free(m);
  CHECK_STATUS(vp_image_index_get(index, "chelsea", &r), VP_STATUS_OK);
  CHECK(r && r->status == VP_SPEAKER_STATUS_DISABLED);
  vp_image_record_free(r);
  /* Adding the image again keeps its status. */
  CHECK_STATUS(vp_image_index_add(index, "chelsea", &q, NULL, 0, &replaced), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_get(index, "chelsea", &r), VP_STATUS_OK);
  CHECK(r && r->status == VP_SPEAKER_STATUS_DISABLED && r->labels_len == 0);
  vp_image_record_free(r);
  CHECK_STATUS(vp_image_index_set_status(index, "chelsea", VP_SPEAKER_STATUS_ACTIVE), VP_STATUS_OK);
  vp_label labels[2] = {{"name", "Chelsea"}, {"kind", "cat"}};
  CHECK_STATUS(vp_image_index_add(index, "chelsea", &q, labels, 2, NULL), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_set_status(index, "chelsea", 7), VP_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("7"));
  CHECK_STATUS(vp_image_index_set_status(index, "nobody", VP_SPEAKER_STATUS_ACTIVE), VP_STATUS_NOT_FOUND);
  CHECK(message_has("nobody"));
  CHECK_STATUS(vp_image_index_set_status(NULL, "chelsea", 0), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_set_status(index, NULL, 0), VP_STATUS_NULL_POINTER);

  /* list: sorted ids; remove: true once, then false; count. */
  vp_string_list *ids = NULL;
  CHECK_STATUS(vp_image_index_list(index, &ids), VP_STATUS_OK);
  const char *want[6] = {"camera", "chelsea", "gradient", "rocket", "temporary", "vector"};
  CHECK(ids && ids->len == 6);
  for (size_t i = 0; ids && i < ids->len && i < 6; ++i) CHECK(strcmp(ids->items[i], want[i]) == 0);
  vp_string_list_free(ids);
  ids = (vp_string_list *)1;
  CHECK_STATUS(vp_image_index_list(NULL, &ids), VP_STATUS_NULL_POINTER);
  CHECK(ids == NULL);
  CHECK_STATUS(vp_image_index_list(index, NULL), VP_STATUS_NULL_POINTER);
  bool removed = false;
  CHECK_STATUS(vp_image_index_remove(index, "vector", &removed), VP_STATUS_OK);
  CHECK(removed);
  CHECK_STATUS(vp_image_index_remove(index, "vector", &removed), VP_STATUS_OK);
  CHECK(!removed);
  CHECK_STATUS(vp_image_index_remove(index, "temporary", NULL), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_remove(index, NULL, &removed), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_remove(index, BAD_UTF8, &removed), VP_STATUS_INVALID_UTF8);
  CHECK_STATUS(vp_image_index_remove(NULL, "x", &removed), VP_STATUS_NULL_POINTER);
  size_t count = 0;
  CHECK_STATUS(vp_image_index_count(index, &count), VP_STATUS_OK);
  CHECK(count == 4);
  CHECK_STATUS(vp_image_index_count(NULL, &count), VP_STATUS_NULL_POINTER);
  CHECK_STATUS(vp_image_index_count(index, NULL), VP_STATUS_NULL_POINTER);

  /* The ranking the reopened file must reproduce. */
  CHECK_STATUS(vp_image_index_search(index, &q, 10, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == 4);
  keep_ranking(m, before);
  vp_matches_free(m);

  free(camera);
  free(g_rgb.data);
  free(g_bgr.data);
  vp_image_index_free(index);
}

/* The SQLite file is durable: a new index (and a new encoder) over the
 * reopened file gives the same ranking, id for id, score for score. */
static void test_reopen(const char *db, const struct ranking *before) {
  vp_store *store = NULL;
  CHECK_STATUS(vp_store_sqlite_open(db, &store), VP_STATUS_OK);
  CHECK(store && strcmp(vp_store_model_id(store), "tiny_cnn_nchw") == 0 && vp_store_dim(store) == 32);
  vp_image_encoder *enc = load(NCHW_MODEL, "torchvision", "features");
  vp_image_index *index = NULL;
  CHECK_STATUS(vp_image_index_new(enc, store, &index), VP_STATUS_OK);
  vp_store_free(store);
  vp_image_encoder_free(enc);
  if (!index) return;
  char path[4096];
  vp_image q = vp_image_path(fixture(path, sizeof path, "chelsea.png"));
  vp_matches *m = NULL;
  CHECK_STATUS(vp_image_index_search(index, &q, 10, NULL, 0, &m), VP_STATUS_OK);
  CHECK(m && m->len == before->len);
  for (size_t i = 0; m && i < m->len && i < before->len; ++i) {
    CHECK(strcmp(m->items[i].id, before->ids[i]) == 0);
    CHECK(fabsf(m->items[i].score - before->scores[i]) < 1e-6f);
  }
  vp_matches_free(m);
  vp_image_record *r = NULL;
  CHECK_STATUS(vp_image_index_get(index, "chelsea", &r), VP_STATUS_OK);
  CHECK(r && r->labels_len == 2);
  vp_image_record_free(r);
  vp_image_index_free(index);
}

/* ----------------------------------------------------------- concurrency */

enum { SEARCH_THREADS = 4 };

struct worker {
  const vp_image_index *index;
  int which;
  int rounds;
};

/* Searches its photo's query and checks it comes first; its own error
 * messages stay its own. */
static void *search_worker(void *arg) {
  struct worker *w = arg;
  char path[4096], ghost[128];
  size_t len = 0;
  unsigned char *camera =
      read_file(fixture(path, sizeof path, "pillow_torchvision_camera.png"), &len);
  struct pixels g = gradient(120, 80, VP_PIXEL_FORMAT_BGR8);
  snprintf(ghost, sizeof ghost, "/nonexistent/ghost-of-thread-%d.png", w->which);
  vp_image missing = vp_image_path(ghost);
  for (int r = 0; r < w->rounds; ++r) {
    vp_image q = query_of(w->which, path, sizeof path, camera, len, &g);
    vp_matches *m = NULL;
    CHECK_STATUS(vp_image_index_search(w->index, &q, 1, PHOTO_IDS, PHOTOS, &m), VP_STATUS_OK);
    CHECK(m && m->len == 1 && strcmp(m->items[0].id, PHOTO_IDS[w->which]) == 0);
    vp_matches_free(m);
    CHECK_STATUS(vp_image_index_search(w->index, &missing, 1, NULL, 0, &m), VP_STATUS_IO);
    CHECK(message_has(ghost));
  }
  free(g.data);
  free(camera);
  return NULL;
}

/* Adds new images while the others search. */
static void *add_worker(void *arg) {
  struct worker *w = arg;
  const char *files[3] = {"chelsea.gif", "chelsea.webp", "pillow_torchvision_chelsea.png"};
  for (int r = 0; r < w->rounds; ++r) {
    char path[4096], id[64];
    snprintf(id, sizeof id, "extra-%d", r);
    vp_image im = vp_image_path(fixture(path, sizeof path, files[r % 3]));
    CHECK_STATUS(vp_image_index_add(w->index, id, &im, NULL, 0, NULL), VP_STATUS_OK);
  }
  return NULL;
}

static void test_concurrency(const vp_image_encoder *enc, int rounds) {
  vp_store *store = NULL;
  vp_image_index *index = NULL;
  CHECK_STATUS(vp_store_memory_new("tiny_cnn_nchw", 32, &store), VP_STATUS_OK);
  CHECK_STATUS(vp_image_index_new(enc, store, &index), VP_STATUS_OK);
  vp_store_free(store);
  if (!index) return;
  struct pixels g = gradient(120, 80, VP_PIXEL_FORMAT_RGB8);
  fill_index(index, &g);
  free(g.data);
  pthread_t threads[SEARCH_THREADS + 1];
  struct worker workers[SEARCH_THREADS + 1];
  for (int i = 0; i <= SEARCH_THREADS; ++i) {
    workers[i] = (struct worker){index, i, rounds};
    CHECK(pthread_create(&threads[i], NULL, i < SEARCH_THREADS ? search_worker : add_worker,
                         &workers[i]) == 0);
  }
  for (int i = 0; i <= SEARCH_THREADS; ++i) pthread_join(threads[i], NULL);
  size_t count = 0;
  CHECK_STATUS(vp_image_index_count(index, &count), VP_STATUS_OK);
  CHECK(count == 5 + (size_t)rounds);
  vp_image_index_free(index);
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FIXTURE_DIR TMP_DIR\n", argv[0]);
    return 2;
  }
  FIXTURES = argv[1];
  TMP_DIR = argv[2];
  snprintf(NCHW_MODEL, sizeof NCHW_MODEL, "%s/tiny_cnn_nchw.onnx", FIXTURES);
  snprintf(NHWC_MODEL, sizeof NHWC_MODEL, "%s/tiny_cnn_nhwc.onnx", FIXTURES);
  /* Fewer rounds under valgrind. */
  const char *rounds_env = getenv("VP_TEST_ROUNDS");
  int rounds = rounds_env ? atoi(rounds_env) : 3;

  CHECK_STATUS(vp_runtime_init(NULL, "cpu", 1), VP_STATUS_OK);
  test_profiles();
  test_encoder_construction();
  vp_image_encoder *enc = load(NCHW_MODEL, "torchvision", "features");
  if (!enc) {
    fprintf(stderr, "cannot go on without an encoder\n");
    report();
    return 1;
  }
  test_embeddings(enc);
  test_errors(enc);
  test_preprocess(enc);
  test_index_construction(enc);
  char db[4096];
  snprintf(db, sizeof db, "%s/images.db", TMP_DIR);
  struct ranking before;
  memset(&before, 0, sizeof before);
  test_index(enc, db, &before);
  test_reopen(db, &before);
  test_concurrency(enc, rounds);
  vp_image_encoder_free(enc);
  return report();
}
