// The C++ test of voiceprint.hpp's image classes: every member of
// voiceprint::Image, ImageEncoder and ImageIndex, and the exceptions they
// throw (status and message), on the image fixtures. Run by
// scripts/test_ffi.sh, natively and under valgrind:
//
//   test_image_cpp FIXTURE_DIR TMP_DIR
//
// Prints one line per failed check and ends with "N passed, N failed";
// exits non-zero on any failure.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <voiceprint.hpp>

namespace vp = voiceprint;

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (cond) {                                                                  \
      ++passed;                                                                  \
    } else {                                                                     \
      ++failed;                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                            \
  } while (0)

// `body` throws voiceprint::Error with `status` and a message containing `text`.
template <class F>
static void check_throws(F body, vp_status status, const std::string& text, int line) {
  try {
    body();
    ++failed;
    std::fprintf(stderr, "line %d: no exception, expected %s\n", line, vp_status_name(status));
  } catch (const vp::Error& e) {
    bool ok = e.status() == status && std::string(e.what()).find(text) != std::string::npos &&
              std::string(e.status_name()) == vp_status_name(status);
    if (ok) {
      ++passed;
    } else {
      ++failed;
      std::fprintf(stderr, "line %d: %s (%s), expected %s with \"%s\"\n", line, e.status_name(),
                   e.what(), vp_status_name(status), text.c_str());
    }
  }
}
#define CHECK_THROWS(body, status, text) check_throws([&] { body; }, status, text, __LINE__)

static std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

static double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::fmax(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FIXTURE_DIR TMP_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1], tmp = argv[2];
  const std::string nchw = dir + "/tiny_cnn_nchw.onnx", png = dir + "/chelsea.png";
  try {
    vp::init_runtime(nullptr, "cpu", 1);

    // Profiles and encoders.
    vp::ImageProfile tv = vp::image_profile("torchvision");
    CHECK(tv.width == 224 && tv.layout == VP_TENSOR_LAYOUT_NCHW);
    CHECK_THROWS(vp::image_profile("resnet-ish"), VP_STATUS_INVALID_MODEL_SPEC, "resnet-ish");
    vp::ImageEncoderOptions opt;
    CHECK(opt.normalize && opt.max_batch > 0 && !opt.output_name);
    opt.output_name = "features";
    vp::ImageEncoder enc(nchw, "torchvision", opt);
    CHECK(enc.model_id() == "tiny_cnn_nchw" && enc.dim() == 32);
    CHECK(enc.profile().shorter_side == 256);
    CHECK_THROWS(vp::ImageEncoder(nchw, "keras-mobilenetv2", opt), VP_STATUS_INVALID_MODEL_SPEC,
                 "layout");
    vp::ImageEncoderOptions bad = opt;
    bad.output_name = "no-such-output";
    CHECK_THROWS(vp::ImageEncoder(nchw, "torchvision", bad), VP_STATUS_MODEL_LOAD, "no-such-output");
    vp::ImageProfile custom = tv;
    custom.channels = 7;
    CHECK_THROWS(vp::ImageEncoder(nchw, custom, opt), VP_STATUS_INVALID_ARGUMENT, "channels");
    custom = tv;
    custom.resize = VP_RESIZE_MODE_STRETCH;
    custom.shorter_side = 0;
    {
      vp::ImageEncoderOptions named = opt;
      named.model_id = "stretched";
      vp::ImageEncoder stretched(nchw, custom, named);
      CHECK(stretched.model_id() == "stretched" && stretched.profile().resize == VP_RESIZE_MODE_STRETCH);
    }

    // Embedding: path, bytes, pixels; batch equals single.
    const std::vector<std::uint8_t> bytes = read_bytes(png);
    vp::Embedding a = enc.embed(vp::Image::path(png));
    vp::Embedding b = enc.embed(vp::Image::bytes(bytes));
    CHECK(a.vector.size() == 32 && a.model_id == "tiny_cnn_nchw");
    CHECK(max_abs_diff(a.vector, b.vector) < 1e-6);
    std::vector<std::uint8_t> grey(16 * 12);
    for (std::size_t i = 0; i < grey.size(); ++i) grey[i] = std::uint8_t(i * 3);
    vp::Image grey_image = vp::Image::pixels(grey, 16, 12, vp::PixelFormat::Gray8);
    std::vector<std::uint8_t> rgb(16 * 12 * 3);
    for (std::size_t i = 0; i < grey.size(); ++i) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = grey[i];
    vp::Embedding g = enc.embed(grey_image);
    vp::Embedding g_rgb = enc.embed(vp::Image::pixels(rgb.data(), rgb.size(), 16, 12, vp::PixelFormat::Rgb8, 48));
    CHECK(max_abs_diff(g.vector, g_rgb.vector) < 1e-6);
    std::vector<vp::Embedding> batch =
        enc.embed_batch({vp::Image::path(png), vp::Image::bytes(bytes), grey_image});
    CHECK(batch.size() == 3);
    if (batch.size() == 3) {
      CHECK(max_abs_diff(batch[0].vector, a.vector) < 1e-6);
      CHECK(max_abs_diff(batch[2].vector, g.vector) < 1e-6);
    }
    CHECK(enc.embed_batch({}).empty());
    vp::ImageTensor t = enc.preprocess(vp::Image::path(png));
    CHECK(t.shape[0] == 3 && t.shape[1] == 224 && t.shape[2] == 224 && t.data.size() == 3 * 224 * 224);

    CHECK_THROWS(enc.embed(vp::Image::path("/nonexistent/x.png")), VP_STATUS_IO, "/nonexistent/x.png");
    CHECK_THROWS(enc.embed(vp::Image::path(dir + "/truncated_chelsea.png")), VP_STATUS_CORRUPT_INPUT, "");
    CHECK_THROWS(enc.embed(vp::Image::bytes(rgb)), VP_STATUS_UNSUPPORTED_FORMAT, "");
    CHECK_THROWS(enc.embed(vp::Image::pixels(rgb, 16, 12, vp::PixelFormat::Rgb8, 47)),
                 VP_STATUS_INVALID_ARGUMENT, "stride");
    CHECK_THROWS(enc.embed(vp::Image::pixels(grey, 16, 13, vp::PixelFormat::Gray8)),
                 VP_STATUS_INVALID_ARGUMENT, "needs");
    CHECK_THROWS(enc.embed_batch({vp::Image::path(png), vp::Image::path("/nonexistent/y.png")}),
                 VP_STATUS_IO, "y.png");

    // The index, on a SQLite file.
    const std::string db = tmp + "/cpp-images.db";
    std::remove(db.c_str());  // a fresh file, also when run again
    CHECK_THROWS(vp::ImageIndex(enc, vp::Store::memory("other-model", 32)), VP_STATUS_MODEL_MISMATCH,
                 "other-model");
    CHECK_THROWS(vp::ImageIndex(enc, vp::Store::memory("tiny_cnn_nchw", 31)),
                 VP_STATUS_DIMENSION_MISMATCH, "31");
    {
      vp::ImageIndex index(enc, vp::Store::sqlite(db, enc.model_id(), enc.dim()));
      CHECK(!index.add("chelsea", vp::Image::path(png), {{"kind", "cat"}}));
      CHECK(index.add("chelsea", vp::Image::bytes(bytes), {{"kind", "cat"}, {"name", "Chelsea"}}));
      CHECK(index.add_batch({"camera", "grey"}, {vp::Image::path(dir + "/pillow_torchvision_camera.png"),
                                                 grey_image}) == 0);
      CHECK_THROWS(index.add_batch({"a"}, {}), VP_STATUS_INVALID_ARGUMENT, "1 ids for 0 images");
      CHECK_THROWS(index.add("", vp::Image::path(png)), VP_STATUS_INVALID_ID, "");
      vp::Embedding unit = index.embed(vp::Image::path(png));
      std::vector<float> twice = unit.vector;
      for (float& x : twice) x *= 2.0f;
      CHECK(!index.add_vector("vector", twice, {{"from", "elsewhere"}}));
      CHECK(index.add_vector("vector", twice.data(), twice.size()));
      CHECK_THROWS(index.add_vector("short", std::vector<float>(31, 1.0f)),
                   VP_STATUS_DIMENSION_MISMATCH, "31");
      CHECK(index.count() == 4);
      std::vector<vp::Match> found = index.search(vp::Image::path(dir + "/chelsea.bmp"), 2);
      CHECK(found.size() == 2 && found[0].score > 0.9999f);
      CHECK(found.size() == 2 && (found[0].id == "chelsea" || found[0].id == "vector"));
      found = index.search(vp::Image::path(png), 5, std::vector<std::string>{"camera", "grey"});
      CHECK(found.size() == 2 && found[0].id != "chelsea" && found[1].id != "chelsea");
      found = index.search(vp::Image::path(png), 5, std::vector<std::string>{});
      CHECK(found.empty());
      found = index.search_vector(twice, 1, std::vector<std::string>{"vector"});
      CHECK(found.size() == 1 && found[0].id == "vector" && std::fabs(found[0].score - 1.0f) < 1e-4f);
      found = index.search_vector(unit.vector.data(), unit.vector.size(), 10);
      CHECK(found.size() == 4);
      CHECK_THROWS(index.search_vector(std::vector<float>(33, 1.0f)), VP_STATUS_DIMENSION_MISMATCH, "33");
      CHECK_THROWS(index.search(vp::Image::path(png), 0), VP_STATUS_INVALID_ARGUMENT, "k");

      std::optional<vp::ImageRecord> r = index.get("chelsea");
      CHECK(r && r->id == "chelsea" && r->vector.size() == 32 && r->status == vp::SpeakerStatus::Active);
      CHECK(r && r->labels.size() == 2 && r->labels.at("name") == "Chelsea");
      CHECK(r && r->created_at_ms > 0 && r->updated_at_ms >= r->created_at_ms);
      CHECK(r && max_abs_diff(r->vector, unit.vector) < 1e-6);
      CHECK(!index.get("nobody"));
      index.set_status("chelsea", vp::SpeakerStatus::Disabled);
      found = index.search(vp::Image::path(png), 10);
      CHECK(found.size() == 3);
      for (const vp::Match& m : found) CHECK(m.id != "chelsea");
      CHECK(index.get("chelsea")->status == vp::SpeakerStatus::Disabled);
      index.set_status("chelsea", vp::SpeakerStatus::Active);
      CHECK_THROWS(index.set_status("nobody", vp::SpeakerStatus::Active), VP_STATUS_NOT_FOUND, "nobody");
      CHECK((index.list() == std::vector<std::string>{"camera", "chelsea", "grey", "vector"}));
      CHECK(index.remove("vector"));
      CHECK(!index.remove("vector"));
      CHECK(index.count() == 3);
    }
    // Reopened: the same records.
    vp::ImageIndex reopened(enc, vp::Store::open_sqlite(db));
    CHECK((reopened.list() == std::vector<std::string>{"camera", "chelsea", "grey"}));
    std::vector<vp::Match> again = reopened.search(vp::Image::bytes(bytes), 1);
    CHECK(again.size() == 1 && again[0].id == "chelsea");
  } catch (const std::exception& e) {
    ++failed;
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
