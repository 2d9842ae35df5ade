// libvoiceprint for C++17: a header-only RAII wrapper over voiceprint.h.
// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Handles are move-only objects that free themselves; every failing call
// throws voiceprint::Error carrying the vp_status and the library's
// message; vectors and strings come back as std::vector / std::string
// (copied out of the library's buffers, which are freed at once).
//
//   voiceprint::SpeakerEncoder enc("models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer");
//   voiceprint::Engine vp(enc, voiceprint::Store::memory(enc.model_id(), enc.dim()));
//   vp.enroll("alice", {voiceprint::Audio::path("alice.flac")});
//   auto who = vp.identify(voiceprint::Audio::path("who.wav"), 3);
//   if (who.best) std::cout << who.best->id << " " << who.best->score << "\n";
//
//   voiceprint::ImageEncoderOptions opt;
//   opt.output_name = "features";
//   voiceprint::ImageEncoder img("mobilenetv2.onnx", "keras-mobilenetv2", opt);
//   voiceprint::ImageIndex index(img, voiceprint::Store::sqlite("images.db", img.model_id(), img.dim()));
//   index.add("sku-123", voiceprint::Image::path("sku-123.jpg"));
//   for (const auto& m : index.search(voiceprint::Image::bytes(upload), 5))
//     std::cout << m.id << " " << m.score << "\n";
//
//   voiceprint::Diarizer who(enc, voiceprint::Vad("models/silero_vad.onnx"));
//   for (const auto& s : who.run(voiceprint::Audio::path("meeting.wav")).segments())
//     std::cout << s.start << " " << s.end << " " << s.speaker << "\n";
//
// Thread safety is that of the C handles: SpeakerEncoder, Store, Engine,
// Vad, Diarizer, GenderClassifier, ImageEncoder and ImageIndex may be used
// from many threads at once (const member functions); moving or destroying one needs exclusive use.

#ifndef VOICEPRINT_HPP
#define VOICEPRINT_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#if __cplusplus >= 202002L
#include <span>
#endif

#include "voiceprint.h"

namespace voiceprint {

/// A failed call: the status code and the library's message.
class Error : public std::runtime_error {
 public:
  Error(vp_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}

  /// The vp_status the call returned.
  vp_status status() const noexcept { return status_; }

  /// Its name, e.g. "VP_STATUS_NOT_FOUND".
  const char* status_name() const noexcept { return vp_status_name(status_); }

 private:
  vp_status status_;
};

namespace detail {

/// Throws Error for any status but VP_STATUS_OK.
inline void check(vp_status status) {
  if (status != VP_STATUS_OK) {
    throw Error(status, std::string(vp_status_name(status)) + ": " + vp_last_error_message());
  }
}

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

/// A library-owned pointer freed by its own _free function.
template <class T, void (*Free)(T*)>
using Unique = std::unique_ptr<T, Deleter<T, Free>>;

inline constexpr float kDefault = std::numeric_limits<float>::quiet_NaN();

inline float threshold_or_default(std::optional<float> t) { return t ? *t : kDefault; }

/// The C candidates argument: NULL when none are given (search all), else
/// the ids, never NULL, so an empty list still means "none of them".
inline const char* const* candidates_arg(bool given, const std::vector<const char*>& ids) {
  static const char* const kNoIds[1] = {nullptr};
  if (!given) return nullptr;
  return ids.empty() ? kNoIds : ids.data();
}

}  // namespace detail

/// Loads ONNX Runtime and sets how models run (see vp_runtime_init).
/// Optional; `library_path` nullptr searches the usual places.
inline void init_runtime(const char* library_path = nullptr, const char* provider = "cpu",
                         std::uint32_t intra_op_threads = 0) {
  detail::check(vp_runtime_init(library_path, provider, intra_op_threads));
}

/// The version of libvoiceprint.
inline std::string version() { return vp_version(); }

/// The version of the ONNX Runtime loaded, or nullopt before it is loaded.
inline std::optional<std::string> onnxruntime_version() {
  const char* v = vp_onnxruntime_version();
  return v ? std::optional<std::string>(v) : std::nullopt;
}

/// Cosine similarity of two vectors; throws on different lengths.
inline float cosine(const float* a, std::size_t a_len, const float* b, std::size_t b_len) {
  float out = 0.0f;
  detail::check(vp_cosine(a, a_len, b, b_len, &out));
  return out;
}

/// Cosine similarity of two vectors; throws on different lengths.
inline float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  return cosine(a.data(), a.size(), b.data(), b.size());
}

#if __cplusplus >= 202002L
/// Cosine similarity of two vectors; throws on different lengths.
inline float cosine(std::span<const float> a, std::span<const float> b) {
  return cosine(a.data(), a.size(), b.data(), b.size());
}
#endif

/// Audio passed into the library. A path is copied into the object; bytes
/// and PCM samples are borrowed and must outlive every call the Audio is
/// passed to.
class Audio {
 public:
  /// A WAV / FLAC / MP3 / OGG / M4A file.
  static Audio path(std::string file) {
    Audio a;
    a.kind_ = VP_AUDIO_KIND_PATH;
    a.path_ = std::move(file);
    return a;
  }

  /// The bytes of such a file (borrowed).
  static Audio bytes(const void* data, std::size_t len) {
    return Audio(VP_AUDIO_KIND_BYTES, data, len, 0);
  }

  /// The bytes of such a file (borrowed).
  static Audio bytes(const std::vector<std::uint8_t>& data) {
    return bytes(data.data(), data.size());
  }

  /// Mono float samples in [-1, 1] (borrowed).
  static Audio pcm(const float* samples, std::size_t len, std::uint32_t sample_rate) {
    return Audio(VP_AUDIO_KIND_PCM_F32, samples, len, sample_rate);
  }

  /// Mono float samples in [-1, 1] (borrowed).
  static Audio pcm(const std::vector<float>& samples, std::uint32_t sample_rate) {
    return pcm(samples.data(), samples.size(), sample_rate);
  }

  /// Mono 16-bit samples (borrowed).
  static Audio pcm(const std::int16_t* samples, std::size_t len, std::uint32_t sample_rate) {
    return Audio(VP_AUDIO_KIND_PCM_I16, samples, len, sample_rate);
  }

  /// Mono 16-bit samples (borrowed).
  static Audio pcm(const std::vector<std::int16_t>& samples, std::uint32_t sample_rate) {
    return pcm(samples.data(), samples.size(), sample_rate);
  }

#if __cplusplus >= 202002L
  /// Mono float samples in [-1, 1] (borrowed).
  static Audio pcm(std::span<const float> samples, std::uint32_t sample_rate) {
    return pcm(samples.data(), samples.size(), sample_rate);
  }

  /// Mono 16-bit samples (borrowed).
  static Audio pcm(std::span<const std::int16_t> samples, std::uint32_t sample_rate) {
    return pcm(samples.data(), samples.size(), sample_rate);
  }
#endif

  /// The C view, valid while this object lives unchanged.
  vp_audio raw() const {
    if (kind_ == VP_AUDIO_KIND_PATH) return vp_audio_path(path_.c_str());
    vp_audio a;
    a.kind = kind_;
    a.data = data_;
    a.len = len_;
    a.sample_rate = sample_rate_;
    return a;
  }

 private:
  Audio() = default;
  Audio(std::uint32_t kind, const void* data, std::size_t len, std::uint32_t sample_rate)
      : kind_(kind), data_(data), len_(len), sample_rate_(sample_rate) {}

  std::uint32_t kind_ = VP_AUDIO_KIND_PATH;
  std::string path_;
  const void* data_ = nullptr;
  std::size_t len_ = 0;
  std::uint32_t sample_rate_ = 0;
};

/// Whether a voiceprint takes part in matching.
enum class SpeakerStatus : std::uint32_t {
  Active = VP_SPEAKER_STATUS_ACTIVE,
  Disabled = VP_SPEAKER_STATUS_DISABLED,
};

/// A unit-length voiceprint and the model that made it.
struct Embedding {
  std::vector<float> vector;
  std::string model_id;
};

/// A candidate speaker and its cosine score.
struct Match {
  std::string id;
  float score = 0.0f;
};

/// Who is speaking: top-k matches, best first, and the accepted best.
struct Identification {
  std::vector<Match> matches;
  /// The best match when it reaches the threshold; nullopt = unknown speaker.
  std::optional<Match> best;
  float threshold = 0.0f;
};

/// The outcome of a verification.
struct Verification {
  float score = 0.0f;
  float threshold = 0.0f;
  bool accepted = false;
  SpeakerStatus status = SpeakerStatus::Active;
};

/// What an enrolment did.
struct Enrollment {
  std::uint32_t enrollment_count = 0;
  bool updated = false;
};

/// An enrolled speaker's voiceprint and metadata.
struct Speaker {
  std::string id;
  std::vector<float> vector;
  SpeakerStatus status = SpeakerStatus::Active;
  std::uint32_t enrollment_count = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::map<std::string, std::string> labels;
};

namespace detail {

inline std::vector<vp_audio> raw_audios(const std::vector<Audio>& audios) {
  std::vector<vp_audio> raw;
  raw.reserve(audios.size());
  for (const Audio& a : audios) raw.push_back(a.raw());
  return raw;
}

}  // namespace detail

/// A speaker-embedding model (an ONNX file).
class SpeakerEncoder {
 public:
  /// Loads `model_path` with a preset ("ge2e-resemblyzer", "campplus",
  /// "eres2net", "wespeaker-resnet").
  SpeakerEncoder(const std::string& model_path, const std::string& preset) {
    vp_speaker_encoder* h = nullptr;
    detail::check(vp_speaker_encoder_new(model_path.c_str(), preset.c_str(), &h));
    handle_.reset(h);
  }

  /// Loads `model_path`, reading its spec from the model's metadata.
  explicit SpeakerEncoder(const std::string& model_path) {
    vp_speaker_encoder* h = nullptr;
    detail::check(vp_speaker_encoder_new(model_path.c_str(), nullptr, &h));
    handle_.reset(h);
  }

  std::string model_id() const { return vp_speaker_encoder_model_id(handle()); }
  std::size_t dim() const { return vp_speaker_encoder_dim(handle()); }
  std::uint32_t sample_rate() const { return vp_speaker_encoder_sample_rate(handle()); }
  float default_threshold() const { return vp_speaker_encoder_default_threshold(handle()); }

  /// The voiceprint of one utterance.
  Embedding embed(const Audio& audio) const {
    vp_audio raw = audio.raw();
    vp_embedding* e = nullptr;
    detail::check(vp_speaker_encoder_embed(handle(), &raw, &e));
    detail::Unique<vp_embedding, vp_embedding_free> owned(e);
    return Embedding{std::vector<float>(e->vector, e->vector + e->dim), e->model_id};
  }

  /// Voiceprints of several utterances, in order (batched, faster).
  std::vector<Embedding> embed_batch(const std::vector<Audio>& audios) const {
    std::vector<vp_audio> raw = detail::raw_audios(audios);
    vp_embeddings* m = nullptr;
    detail::check(vp_speaker_encoder_embed_batch(handle(), raw.data(), raw.size(), &m));
    detail::Unique<vp_embeddings, vp_embeddings_free> owned(m);
    std::vector<Embedding> out;
    out.reserve(m->count);
    for (std::size_t i = 0; i < m->count; ++i) {
      const float* row = m->vectors + i * m->dim;
      out.push_back(Embedding{std::vector<float>(row, row + m->dim), m->model_id});
    }
    return out;
  }

  /// The C handle, owned by this object.
  const vp_speaker_encoder* handle() const noexcept { return handle_.get(); }

 private:
  detail::Unique<vp_speaker_encoder, vp_speaker_encoder_free> handle_;
};

/// A vector store bound to one model id and dimension.
class Store {
 public:
  /// Opens (or creates) a SQLite store file.
  static Store sqlite(const std::string& path, const std::string& model_id, std::size_t dim) {
    vp_store* h = nullptr;
    detail::check(vp_store_sqlite_create_or_open(path.c_str(), model_id.c_str(), dim, &h));
    return Store(h);
  }

  /// Opens an existing SQLite store file.
  static Store open_sqlite(const std::string& path) {
    vp_store* h = nullptr;
    detail::check(vp_store_sqlite_open(path.c_str(), &h));
    return Store(h);
  }

  /// A new in-memory store.
  static Store memory(const std::string& model_id, std::size_t dim) {
    vp_store* h = nullptr;
    detail::check(vp_store_memory_new(model_id.c_str(), dim, &h));
    return Store(h);
  }

  std::string model_id() const { return vp_store_model_id(handle()); }
  std::size_t dim() const { return vp_store_dim(handle()); }

  std::size_t count() const {
    std::size_t n = 0;
    detail::check(vp_store_count(handle(), &n));
    return n;
  }

  /// The C handle, owned by this object.
  const vp_store* handle() const noexcept { return handle_.get(); }

 private:
  explicit Store(vp_store* h) : handle_(h) {}
  detail::Unique<vp_store, vp_store_free> handle_;
};

/// Enrol, verify, identify and manage speakers. The engine keeps its own
/// references to the encoder and store: they may be destroyed first.
class Engine {
 public:
  Engine(const SpeakerEncoder& encoder, const Store& store,
         const vp_engine_config& config = vp_engine_config_default()) {
    vp_engine* h = nullptr;
    detail::check(vp_engine_new(encoder.handle(), store.handle(), &config, &h));
    handle_.reset(h);
  }

  /// Enrols `id` from one or more utterances (adds to an existing voiceprint).
  Enrollment enroll(const std::string& id, const std::vector<Audio>& utterances) const {
    std::vector<vp_audio> raw = detail::raw_audios(utterances);
    vp_enroll_result r{};
    detail::check(vp_engine_enroll(handle(), id.c_str(), raw.data(), raw.size(), &r));
    return Enrollment{r.enrollment_count, r.updated};
  }

  /// Scores `audio` against `id`; threshold nullopt = the engine's default.
  Verification verify(const std::string& id, const Audio& audio,
                      std::optional<float> threshold = std::nullopt) const {
    vp_audio raw = audio.raw();
    vp_verify_result r{};
    detail::check(vp_engine_verify(handle(), id.c_str(), &raw,
                                   detail::threshold_or_default(threshold), &r));
    return Verification{r.score, r.threshold, r.accepted, static_cast<SpeakerStatus>(r.status)};
  }

  /// The top `k` active speakers for `audio`, optionally among `candidates` only.
  Identification identify(const Audio& audio, std::size_t k = 3,
                          const std::optional<std::vector<std::string>>& candidates = std::nullopt,
                          std::optional<float> threshold = std::nullopt) const {
    vp_audio raw = audio.raw();
    std::vector<const char*> ids;
    if (candidates) {
      ids.reserve(candidates->size());
      for (const std::string& c : *candidates) ids.push_back(c.c_str());
    }
    vp_matches* m = nullptr;
    detail::check(vp_engine_identify(handle(), &raw, k,
                                     detail::candidates_arg(candidates.has_value(), ids),
                                     ids.size(), detail::threshold_or_default(threshold), &m));
    detail::Unique<vp_matches, vp_matches_free> owned(m);
    Identification out;
    out.threshold = m->threshold;
    for (std::size_t i = 0; i < m->len; ++i) out.matches.push_back({m->items[i].id, m->items[i].score});
    if (m->best) out.best = Match{m->best->id, m->best->score};
    return out;
  }

  /// Removes `id`; true when it existed.
  bool remove(const std::string& id) const {
    bool removed = false;
    detail::check(vp_engine_remove(handle(), id.c_str(), &removed));
    return removed;
  }

  /// The speaker's voiceprint and metadata, or nullopt.
  std::optional<Speaker> get(const std::string& id) const {
    vp_speaker* s = nullptr;
    detail::check(vp_engine_get(handle(), id.c_str(), &s));
    if (!s) return std::nullopt;
    detail::Unique<vp_speaker, vp_speaker_free> owned(s);
    Speaker out;
    out.id = s->id;
    out.vector.assign(s->vector, s->vector + s->dim);
    out.status = static_cast<SpeakerStatus>(s->status);
    out.enrollment_count = s->enrollment_count;
    out.created_at_ms = s->created_at_ms;
    out.updated_at_ms = s->updated_at_ms;
    for (std::size_t i = 0; i < s->labels_len; ++i) out.labels[s->labels[i].key] = s->labels[i].value;
    return out;
  }

  /// All speaker ids, sorted.
  std::vector<std::string> list() const {
    vp_string_list* l = nullptr;
    detail::check(vp_engine_list(handle(), &l));
    detail::Unique<vp_string_list, vp_string_list_free> owned(l);
    return std::vector<std::string>(l->items, l->items + l->len);
  }

  /// Enables or disables a speaker.
  void set_status(const std::string& id, SpeakerStatus status) const {
    detail::check(vp_engine_set_status(handle(), id.c_str(), static_cast<std::uint32_t>(status)));
  }

  /// Number of enrolled speakers.
  std::size_t count() const {
    std::size_t n = 0;
    detail::check(vp_engine_count(handle(), &n));
    return n;
  }

  /// The threshold used when a call gives none.
  float threshold() const {
    float t = 0.0f;
    detail::check(vp_engine_threshold(handle(), &t));
    return t;
  }

  /// The C handle, owned by this object.
  const vp_engine* handle() const noexcept { return handle_.get(); }

 private:
  detail::Unique<vp_engine, vp_engine_free> handle_;
};

/// Channel layout of a raw 8-bit pixel buffer.
enum class PixelFormat : std::uint32_t {
  Rgb8 = VP_PIXEL_FORMAT_RGB8,
  Rgba8 = VP_PIXEL_FORMAT_RGBA8,
  Bgr8 = VP_PIXEL_FORMAT_BGR8,  ///< OpenCV's cv::Mat order
  Bgra8 = VP_PIXEL_FORMAT_BGRA8,
  Gray8 = VP_PIXEL_FORMAT_GRAY8,
};

/// An image passed into the library. A path is copied into the object;
/// bytes and pixels are borrowed and must outlive every call the Image is
/// passed to.
class Image {
 public:
  /// A JPEG / PNG / WebP / BMP / GIF / TIFF file.
  static Image path(std::string file) {
    Image i;
    i.path_ = std::move(file);
    return i;
  }

  /// The bytes of such a file, e.g. an upload (borrowed).
  static Image bytes(const void* data, std::size_t len) {
    Image i;
    i.raw_ = vp_image_bytes(static_cast<const std::uint8_t*>(data), len);
    return i;
  }

  /// The bytes of such a file, e.g. an upload (borrowed).
  static Image bytes(const std::vector<std::uint8_t>& data) {
    return bytes(data.data(), data.size());
  }

  /// Raw 8-bit pixels (borrowed): `height` rows of `stride` bytes (0: no
  /// padding), each starting with `width` pixels of `format`.
  static Image pixels(const std::uint8_t* data, std::size_t len, std::uint32_t width,
                      std::uint32_t height, PixelFormat format, std::size_t stride = 0) {
    Image i;
    i.raw_ = vp_image_pixels(data, len, width, height, stride,
                             static_cast<std::uint32_t>(format));
    return i;
  }

  /// Raw 8-bit pixels (borrowed), as above.
  static Image pixels(const std::vector<std::uint8_t>& data, std::uint32_t width,
                      std::uint32_t height, PixelFormat format, std::size_t stride = 0) {
    return pixels(data.data(), data.size(), width, height, format, stride);
  }

#if __cplusplus >= 202002L
  /// The bytes of an image file (borrowed).
  static Image bytes(std::span<const std::uint8_t> data) { return bytes(data.data(), data.size()); }

  /// Raw 8-bit pixels (borrowed), as above.
  static Image pixels(std::span<const std::uint8_t> data, std::uint32_t width,
                      std::uint32_t height, PixelFormat format, std::size_t stride = 0) {
    return pixels(data.data(), data.size(), width, height, format, stride);
  }
#endif

  /// The C view, valid while this object lives unchanged.
  vp_image raw() const { return path_ ? vp_image_path(path_->c_str()) : raw_; }

 private:
  Image() : raw_(vp_image_path(nullptr)) {}

  std::optional<std::string> path_;
  vp_image raw_;
};

/// How images become a model's input (see vp_image_profile); change a
/// preset's fields for a custom profile.
using ImageProfile = vp_image_profile;

/// The fields of a preset: "keras-mobilenetv2", "torchvision" or "clip".
inline ImageProfile image_profile(const std::string& preset) {
  ImageProfile p{};
  detail::check(vp_image_profile_preset(preset.c_str(), &p));
  return p;
}

/// Settings of an ImageEncoder beyond its model and profile; the defaults
/// are vp_image_encoder_config_default()'s.
struct ImageEncoderOptions {
  /// Stores are bound to it; nullopt: the model file's stem.
  std::optional<std::string> model_id;
  /// The image input; nullopt: the model's first input.
  std::optional<std::string> input_name;
  /// The feature output (not the logits); nullopt: the model's first output.
  std::optional<std::string> output_name;
  bool normalize = vp_image_encoder_config_default().normalize;
  /// Expected vector length; 0 reads it from the model.
  std::size_t dim = 0;
  std::size_t max_batch = vp_image_encoder_config_default().max_batch;
  std::uint64_t max_bytes = vp_image_encoder_config_default().max_bytes;
  std::uint64_t max_pixels = vp_image_encoder_config_default().max_pixels;

  /// The C view, valid while this object lives unchanged.
  vp_image_encoder_config raw() const {
    vp_image_encoder_config c = vp_image_encoder_config_default();
    c.model_id = model_id ? model_id->c_str() : nullptr;
    c.input_name = input_name ? input_name->c_str() : nullptr;
    c.output_name = output_name ? output_name->c_str() : nullptr;
    c.normalize = normalize;
    c.dim = dim;
    c.max_batch = max_batch;
    c.max_bytes = max_bytes;
    c.max_pixels = max_pixels;
    return c;
  }
};

/// One preprocessed image, the model's input without the batch axis.
struct ImageTensor {
  std::vector<float> data;
  /// {3, height, width} (NCHW) or {height, width, 3} (NHWC).
  std::array<std::size_t, 3> shape{};
};

/// A stored image's vector and metadata (status: the one of speakers).
struct ImageRecord {
  std::string id;
  std::vector<float> vector;
  SpeakerStatus status = SpeakerStatus::Active;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::map<std::string, std::string> labels;
};

namespace detail {

inline std::vector<vp_image> raw_images(const std::vector<Image>& images) {
  std::vector<vp_image> raw;
  raw.reserve(images.size());
  for (const Image& i : images) raw.push_back(i.raw());
  return raw;
}

inline std::vector<Embedding> embeddings_of(const vp_embeddings* m) {
  std::vector<Embedding> out;
  out.reserve(m->count);
  for (std::size_t i = 0; i < m->count; ++i) {
    const float* row = m->vectors + i * m->dim;
    out.push_back(Embedding{std::vector<float>(row, row + m->dim), m->model_id});
  }
  return out;
}

inline Embedding embedding_of(vp_embedding* e) {
  Unique<vp_embedding, vp_embedding_free> owned(e);
  return Embedding{std::vector<float>(e->vector, e->vector + e->dim), e->model_id};
}

/// The C view of a label map, pointing into `labels`.
inline std::vector<vp_label> raw_labels(const std::map<std::string, std::string>& labels) {
  std::vector<vp_label> raw;
  raw.reserve(labels.size());
  for (const auto& kv : labels) raw.push_back(vp_label{kv.first.c_str(), kv.second.c_str()});
  return raw;
}

/// Candidate ids as C strings (pointing into `ids`), or none.
inline std::vector<const char*> raw_ids(const std::vector<std::string>& ids) {
  std::vector<const char*> raw;
  raw.reserve(ids.size());
  for (const std::string& id : ids) raw.push_back(id.c_str());
  return raw;
}

inline std::vector<Match> matches_of(vp_matches* m) {
  Unique<vp_matches, vp_matches_free> owned(m);
  std::vector<Match> out;
  out.reserve(m->len);
  for (std::size_t i = 0; i < m->len; ++i) out.push_back({m->items[i].id, m->items[i].score});
  return out;
}

}  // namespace detail

/// An image model (an ONNX file) and its preprocessing.
class ImageEncoder {
 public:
  /// Loads `model_path` with a preset profile ("keras-mobilenetv2",
  /// "torchvision", "clip").
  ImageEncoder(const std::string& model_path, const std::string& profile,
               const ImageEncoderOptions& options = ImageEncoderOptions()) {
    vp_image_encoder_config config = options.raw();
    vp_image_encoder* h = nullptr;
    detail::check(vp_image_encoder_new(model_path.c_str(), profile.c_str(), &config, &h));
    handle_.reset(h);
  }

  /// Loads `model_path` with a custom profile.
  ImageEncoder(const std::string& model_path, const ImageProfile& profile,
               const ImageEncoderOptions& options = ImageEncoderOptions()) {
    vp_image_encoder_config config = options.raw();
    vp_image_encoder* h = nullptr;
    detail::check(vp_image_encoder_new_with_profile(model_path.c_str(), &profile, &config, &h));
    handle_.reset(h);
  }

  std::string model_id() const { return vp_image_encoder_model_id(handle()); }
  std::size_t dim() const { return vp_image_encoder_dim(handle()); }

  /// The preprocessing profile in use.
  ImageProfile profile() const {
    ImageProfile p{};
    detail::check(vp_image_encoder_profile(handle(), &p));
    return p;
  }

  /// The feature vector of one image.
  Embedding embed(const Image& image) const {
    vp_image raw = image.raw();
    vp_embedding* e = nullptr;
    detail::check(vp_image_encoder_embed(handle(), &raw, &e));
    return detail::embedding_of(e);
  }

  /// Feature vectors of several images, in order (decoded in parallel, batched).
  std::vector<Embedding> embed_batch(const std::vector<Image>& images) const {
    std::vector<vp_image> raw = detail::raw_images(images);
    vp_embeddings* m = nullptr;
    detail::check(vp_image_encoder_embed_batch(handle(), raw.data(), raw.size(), &m));
    detail::Unique<vp_embeddings, vp_embeddings_free> owned(m);
    return detail::embeddings_of(m);
  }

  /// The model input for one image, exactly what embed() feeds the model.
  ImageTensor preprocess(const Image& image) const {
    vp_image raw = image.raw();
    vp_image_tensor* t = nullptr;
    detail::check(vp_image_encoder_preprocess(handle(), &raw, &t));
    detail::Unique<vp_image_tensor, vp_image_tensor_free> owned(t);
    ImageTensor out;
    out.data.assign(t->data, t->data + t->len);
    for (std::size_t i = 0; i < 3; ++i) out.shape[i] = t->shape[i];
    return out;
  }

  /// The C handle, owned by this object.
  const vp_image_encoder* handle() const noexcept { return handle_.get(); }

 private:
  detail::Unique<vp_image_encoder, vp_image_encoder_free> handle_;
};

/// Image feature vectors: embed, add, search by image or by vector. The
/// index keeps its own references to the encoder and store: they may be
/// destroyed first.
class ImageIndex {
 public:
  ImageIndex(const ImageEncoder& encoder, const Store& store) {
    vp_image_index* h = nullptr;
    detail::check(vp_image_index_new(encoder.handle(), store.handle(), &h));
    handle_.reset(h);
  }

  /// The unit vector of one image, as the index stores it.
  Embedding embed(const Image& image) const {
    vp_image raw = image.raw();
    vp_embedding* e = nullptr;
    detail::check(vp_image_index_embed(handle(), &raw, &e));
    return detail::embedding_of(e);
  }

  /// Embeds and stores `image` under `id`; true when it replaced one.
  bool add(const std::string& id, const Image& image,
           const std::map<std::string, std::string>& labels = {}) const {
    vp_image raw = image.raw();
    std::vector<vp_label> l = detail::raw_labels(labels);
    bool replaced = false;
    detail::check(vp_image_index_add(handle(), id.c_str(), &raw, l.data(), l.size(), &replaced));
    return replaced;
  }

  /// Embeds several images (batched) and stores image i under ids[i];
  /// nothing is stored when any fails. Returns how many replaced one.
  std::size_t add_batch(const std::vector<std::string>& ids, const std::vector<Image>& images) const {
    if (ids.size() != images.size()) {
      throw Error(VP_STATUS_INVALID_ARGUMENT,
                  "VP_STATUS_INVALID_ARGUMENT: " + std::to_string(ids.size()) + " ids for " +
                      std::to_string(images.size()) + " images");
    }
    std::vector<const char*> c_ids = detail::raw_ids(ids);
    std::vector<vp_image> raw = detail::raw_images(images);
    std::size_t replaced = 0;
    detail::check(
        vp_image_index_add_batch(handle(), c_ids.data(), raw.data(), raw.size(), &replaced));
    return replaced;
  }

  /// Stores a vector computed elsewhere (normalised here); true when it replaced one.
  bool add_vector(const std::string& id, const float* vector, std::size_t dim,
                  const std::map<std::string, std::string>& labels = {}) const {
    std::vector<vp_label> l = detail::raw_labels(labels);
    bool replaced = false;
    detail::check(vp_image_index_add_vector(handle(), id.c_str(), vector, dim, l.data(), l.size(),
                                            &replaced));
    return replaced;
  }

  /// Stores a vector computed elsewhere (normalised here); true when it replaced one.
  bool add_vector(const std::string& id, const std::vector<float>& vector,
                  const std::map<std::string, std::string>& labels = {}) const {
    return add_vector(id, vector.data(), vector.size(), labels);
  }

  /// The `k` active images most similar to `image`, best first, optionally
  /// among `candidates` only.
  std::vector<Match> search(const Image& image, std::size_t k = 5,
                            const std::optional<std::vector<std::string>>& candidates =
                                std::nullopt) const {
    vp_image raw = image.raw();
    std::vector<const char*> ids = candidates ? detail::raw_ids(*candidates)
                                              : std::vector<const char*>();
    vp_matches* m = nullptr;
    detail::check(vp_image_index_search(handle(), &raw, k,
                                        detail::candidates_arg(candidates.has_value(), ids),
                                        ids.size(), &m));
    return detail::matches_of(m);
  }

  /// search() with a query vector of `dim` floats.
  std::vector<Match> search_vector(const float* vector, std::size_t dim, std::size_t k = 5,
                                   const std::optional<std::vector<std::string>>& candidates =
                                       std::nullopt) const {
    std::vector<const char*> ids = candidates ? detail::raw_ids(*candidates)
                                              : std::vector<const char*>();
    vp_matches* m = nullptr;
    detail::check(vp_image_index_search_vector(handle(), vector, dim, k,
                                               detail::candidates_arg(candidates.has_value(), ids),
                                               ids.size(), &m));
    return detail::matches_of(m);
  }

  /// search() with a query vector.
  std::vector<Match> search_vector(const std::vector<float>& vector, std::size_t k = 5,
                                   const std::optional<std::vector<std::string>>& candidates =
                                       std::nullopt) const {
    return search_vector(vector.data(), vector.size(), k, candidates);
  }

#if __cplusplus >= 202002L
  /// Stores a vector computed elsewhere (normalised here); true when it replaced one.
  bool add_vector(const std::string& id, std::span<const float> vector,
                  const std::map<std::string, std::string>& labels = {}) const {
    return add_vector(id, vector.data(), vector.size(), labels);
  }

  /// search() with a query vector.
  std::vector<Match> search_vector(std::span<const float> vector, std::size_t k = 5,
                                   const std::optional<std::vector<std::string>>& candidates =
                                       std::nullopt) const {
    return search_vector(vector.data(), vector.size(), k, candidates);
  }
#endif

  /// The stored image's vector and metadata, or nullopt.
  std::optional<ImageRecord> get(const std::string& id) const {
    vp_image_record* r = nullptr;
    detail::check(vp_image_index_get(handle(), id.c_str(), &r));
    if (!r) return std::nullopt;
    detail::Unique<vp_image_record, vp_image_record_free> owned(r);
    ImageRecord out;
    out.id = r->id;
    out.vector.assign(r->vector, r->vector + r->dim);
    out.status = static_cast<SpeakerStatus>(r->status);
    out.created_at_ms = r->created_at_ms;
    out.updated_at_ms = r->updated_at_ms;
    for (std::size_t i = 0; i < r->labels_len; ++i) out.labels[r->labels[i].key] = r->labels[i].value;
    return out;
  }

  /// Removes `id`; true when it existed.
  bool remove(const std::string& id) const {
    bool removed = false;
    detail::check(vp_image_index_remove(handle(), id.c_str(), &removed));
    return removed;
  }

  /// All image ids, sorted.
  std::vector<std::string> list() const {
    vp_string_list* l = nullptr;
    detail::check(vp_image_index_list(handle(), &l));
    detail::Unique<vp_string_list, vp_string_list_free> owned(l);
    return std::vector<std::string>(l->items, l->items + l->len);
  }

  /// Enables or disables an image; a disabled one is never found.
  void set_status(const std::string& id, SpeakerStatus status) const {
    detail::check(
        vp_image_index_set_status(handle(), id.c_str(), static_cast<std::uint32_t>(status)));
  }

  /// Number of stored images.
  std::size_t count() const {
    std::size_t n = 0;
    detail::check(vp_image_index_count(handle(), &n));
    return n;
  }

  /// The C handle, owned by this object.
  const vp_image_index* handle() const noexcept { return handle_.get(); }

 private:
  detail::Unique<vp_image_index, vp_image_index_free> handle_;
};

/// Silero voice activity detection (models/silero_vad.onnx), for a Diarizer.
class Vad {
 public:
  explicit Vad(const std::string& model_path) {
    vp_vad* h = nullptr;
    detail::check(vp_vad_new(model_path.c_str(), &h));
    handle_.reset(h);
  }

  /// The C handle, owned by this object.
  const vp_vad* handle() const noexcept { return handle_.get(); }

 private:
  detail::Unique<vp_vad, vp_vad_free> handle_;
};

/// Male or female, as a gender classifier decides.
enum class Gender : std::uint32_t {
  Unknown = VP_GENDER_UNKNOWN,
  Female = VP_GENDER_FEMALE,
  Male = VP_GENDER_MALE,
};

/// What a gender classifier says about one voiceprint.
struct GenderPrediction {
  float female_probability = 0.0f;
  Gender gender = Gender::Unknown;
};

namespace detail {

inline std::string take_string(char* text) {
  Unique<char, vp_string_free> owned(text);
  return text;
}

}  // namespace detail

/// A gender head for the voiceprints of one speaker model.
class GenderClassifier {
 public:
  /// The head shipped for `model_id` (e.g. "ge2e-resemblyzer"); throws
  /// Error with VP_STATUS_NOT_FOUND when there is none.
  static GenderClassifier builtin(const std::string& model_id) {
    vp_gender_classifier* h = nullptr;
    detail::check(vp_gender_classifier_builtin(model_id.c_str(), &h));
    return GenderClassifier(h);
  }

  /// A head saved as JSON in a file.
  static GenderClassifier load(const std::string& path) {
    vp_gender_classifier* h = nullptr;
    detail::check(vp_gender_classifier_load(path.c_str(), &h));
    return GenderClassifier(h);
  }

  /// A head from its JSON text.
  static GenderClassifier from_json(const std::string& json) {
    vp_gender_classifier* h = nullptr;
    detail::check(vp_gender_classifier_from_json(json.c_str(), &h));
    return GenderClassifier(h);
  }

  /// Fits a head on voiceprints (rows of one length) labelled Female or Male.
  static GenderClassifier train(const std::string& model_id,
                                const std::vector<std::vector<float>>& rows,
                                const std::vector<Gender>& labels,
                                const vp_gender_train_options& options =
                                    vp_gender_train_options_default()) {
    std::size_t dim = rows.empty() ? 0 : rows[0].size();
    std::vector<float> flat;
    flat.reserve(rows.size() * dim);
    for (const auto& r : rows) {
      if (r.size() != dim) throw Error(VP_STATUS_DIMENSION_MISMATCH, "rows of different lengths");
      flat.insert(flat.end(), r.begin(), r.end());
    }
    std::vector<vp_gender> raw(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) raw[i] = static_cast<vp_gender>(labels[i]);
    if (raw.size() != rows.size())
      throw Error(VP_STATUS_INVALID_ARGUMENT, "one label per row is needed");
    vp_gender_classifier* h = nullptr;
    detail::check(vp_gender_classifier_train(model_id.c_str(), flat.data(), rows.size(), dim,
                                             raw.data(), &options, &h));
    return GenderClassifier(h);
  }

  std::string model_id() const { return vp_gender_classifier_model_id(handle()); }
  std::size_t dim() const { return vp_gender_classifier_dim(handle()); }
  float margin() const { return vp_gender_classifier_margin(handle()); }
  void set_margin(float margin) {
    detail::check(vp_gender_classifier_set_margin(handle_.get(), margin));
  }

  /// The gender of one voiceprint of the head's model.
  GenderPrediction predict(const std::vector<float>& vector) const {
    vp_gender_prediction p{};
    detail::check(vp_gender_classifier_predict(handle(), vector.data(), vector.size(), &p));
    return GenderPrediction{p.female_probability, static_cast<Gender>(p.gender)};
  }

  /// The head as JSON.
  std::string to_json() const {
    char* text = nullptr;
    detail::check(vp_gender_classifier_to_json(handle(), &text));
    return detail::take_string(text);
  }

  /// The C handle, owned by this object.
  const vp_gender_classifier* handle() const noexcept { return handle_.get(); }

 private:
  explicit GenderClassifier(vp_gender_classifier* h) : handle_(h) {}
  detail::Unique<vp_gender_classifier, vp_gender_classifier_free> handle_;
};

/// One subtitle cue.
struct Subtitle {
  std::uint32_t index = 0;
  double start = 0.0;
  double end = 0.0;
  std::string text;
};

namespace detail {

inline std::vector<Subtitle> take_subtitles(vp_subtitles* s) {
  Unique<vp_subtitles, vp_subtitles_free> owned(s);
  std::vector<Subtitle> out;
  out.reserve(s->len);
  for (std::size_t i = 0; i < s->len; ++i)
    out.push_back({s->items[i].index, s->items[i].start, s->items[i].end, s->items[i].text});
  return out;
}

}  // namespace detail

/// Parses the text of an SRT file (throws with the line on malformed text).
inline std::vector<Subtitle> parse_srt(const std::string& text) {
  vp_subtitles* s = nullptr;
  detail::check(vp_subtitles_parse_srt(text.c_str(), &s));
  return detail::take_subtitles(s);
}

/// Reads and parses an SRT file.
inline std::vector<Subtitle> read_srt(const std::string& path) {
  vp_subtitles* s = nullptr;
  detail::check(vp_subtitles_read_srt(path.c_str(), &s));
  return detail::take_subtitles(s);
}

/// One stretch of speech attributed to one speaker.
struct Segment {
  double start = 0.0;
  double end = 0.0;
  std::string speaker;
  float confidence = 0.0f;
  /// In subtitle mode, the index of the cue this segment is.
  std::optional<std::uint32_t> subtitle_index;
};

/// One speaker of a diarization.
struct DiarizedSpeaker {
  std::string label;
  double speech_seconds = 0.0;
  std::uint32_t turns = 0;
  std::vector<float> centroid;
  Gender gender = Gender::Unknown;
  std::optional<float> female_probability;
  std::optional<float> median_f0_hz;
  /// The known voice this cluster was matched to; nullopt = unknown.
  std::optional<Match> known;
  /// The best-scoring known voice even below the threshold.
  std::optional<Match> best_candidate;
};

/// Who spoke when: the result of Diarizer::run, owning the library's result.
class Diarization {
 public:
  /// Reads a result written by to_json().
  static Diarization from_json(const std::string& json) {
    vp_diarization* h = nullptr;
    detail::check(vp_diarization_from_json(json.c_str(), &h));
    return Diarization(h);
  }

  double duration() const noexcept { return handle_->duration; }
  double speech_seconds() const noexcept { return handle_->speech_seconds; }
  std::string model_id() const { return handle_->model_id; }

  /// Segments in time order.
  std::vector<Segment> segments() const {
    std::vector<Segment> out;
    out.reserve(handle_->num_segments);
    for (std::size_t i = 0; i < handle_->num_segments; ++i) {
      const vp_segment& s = handle_->segments[i];
      Segment seg{s.start, s.end, s.speaker, s.confidence, std::nullopt};
      if (s.subtitle_index >= 0) seg.subtitle_index = static_cast<std::uint32_t>(s.subtitle_index);
      out.push_back(std::move(seg));
    }
    return out;
  }

  /// Speakers in order of first speech.
  std::vector<DiarizedSpeaker> speakers() const {
    auto opt = [](float v) { return v == v ? std::optional<float>(v) : std::nullopt; };
    auto voice = [](const char* id, float score) {
      return id ? std::optional<Match>(Match{id, score}) : std::nullopt;
    };
    std::vector<DiarizedSpeaker> out;
    out.reserve(handle_->num_speakers);
    for (std::size_t i = 0; i < handle_->num_speakers; ++i) {
      const vp_diarized_speaker& s = handle_->speakers[i];
      out.push_back(DiarizedSpeaker{s.label, s.speech_seconds, s.turns,
                                    std::vector<float>(s.centroid, s.centroid + s.dim),
                                    static_cast<Gender>(s.gender), opt(s.female_probability),
                                    opt(s.median_f0_hz), voice(s.known_id, s.known_score),
                                    voice(s.best_candidate_id, s.best_candidate_score)});
    }
    return out;
  }

  /// The segments as RTTM lines.
  std::string to_rttm(const std::string& file_id) const {
    char* text = nullptr;
    detail::check(vp_diarization_to_rttm(handle(), file_id.c_str(), &text));
    return detail::take_string(text);
  }

  /// The whole result as JSON.
  std::string to_json() const {
    char* text = nullptr;
    detail::check(vp_diarization_to_json(handle(), &text));
    return detail::take_string(text);
  }

  /// The C result, owned by this object.
  const vp_diarization* handle() const noexcept { return handle_.get(); }

 private:
  friend class Diarizer;
  explicit Diarization(vp_diarization* h) : handle_(h) {}
  detail::Unique<vp_diarization, vp_diarization_free> handle_;
};

/// What one Diarizer::run is asked; 0 counts mean "not given".
struct DiarizeOptions {
  std::size_t num_speakers = 0;
  std::size_t min_speakers = 0;
  std::size_t max_speakers = 0;
  /// Subtitle mode: each cue becomes a segment.
  std::optional<std::vector<Subtitle>> subtitles;
  /// Called with the fraction done (0 to 1); return false to cancel
  /// (Error with VP_STATUS_CANCELLED). An exception it throws cancels the
  /// run and is rethrown by run().
  std::function<bool(float)> progress;
};

/// Who spoke when, naming the voices it knows. Keeps its own references
/// to the encoder, VAD, engine and gender head: they may be destroyed first.
/// run() and enroll_cluster() may be called from many threads at once.
class Diarizer {
 public:
  Diarizer(const SpeakerEncoder& encoder, const Vad& vad,
           const vp_diarizer_config& config = vp_diarizer_config_default()) {
    vp_diarizer* h = nullptr;
    detail::check(vp_diarizer_new(encoder.handle(), vad.handle(), &config, &h));
    handle_.reset(h);
  }

  /// Names clusters after the voices enrolled in `engine`.
  void set_known(const Engine& engine) {
    detail::check(vp_diarizer_set_known(handle_.get(), engine.handle()));
  }

  /// Uses `classifier` for gender instead of the built-in one.
  void set_gender(const GenderClassifier& classifier) {
    detail::check(vp_diarizer_set_gender(handle_.get(), classifier.handle()));
  }

  /// Turns gender off.
  void set_gender(std::nullptr_t) {
    detail::check(vp_diarizer_set_gender(handle_.get(), nullptr));
  }

  /// Diarizes `audio`.
  Diarization run(const Audio& audio, const DiarizeOptions& options = {}) const {
    vp_audio raw = audio.raw();
    vp_diarize_options o = vp_diarize_options_default();
    o.num_speakers = options.num_speakers;
    o.min_speakers = options.min_speakers;
    o.max_speakers = options.max_speakers;
    std::vector<vp_subtitle> cues;
    if (options.subtitles) {
      for (const Subtitle& s : *options.subtitles) cues.push_back({s.index, s.start, s.end, nullptr});
      static const vp_subtitle kNone{0, 0.0, 0.0, nullptr};
      o.subtitles = cues.empty() ? &kNone : cues.data();
      o.num_subtitles = cues.size();
    }
    Progress progress{&options.progress, nullptr};
    if (options.progress) {
      o.progress = &Progress::call;
      o.user_data = &progress;
    }
    vp_diarization* d = nullptr;
    vp_status status = vp_diarizer_run(handle(), &raw, &o, &d);
    if (progress.error) std::rethrow_exception(progress.error);
    detail::check(status);
    return Diarization(d);
  }

  /// Enrols speaker `label` of `result` as known voice `id`.
  Enrollment enroll_cluster(const Diarization& result, const std::string& label,
                            const std::string& id) const {
    vp_enroll_result r{};
    detail::check(
        vp_diarizer_enroll_cluster(handle(), result.handle(), label.c_str(), id.c_str(), &r));
    return Enrollment{r.enrollment_count, r.updated};
  }

  /// The C handle, owned by this object.
  const vp_diarizer* handle() const noexcept { return handle_.get(); }

 private:
  /// The C callback: no exception may cross into the library.
  struct Progress {
    const std::function<bool(float)>* fn;
    std::exception_ptr error;
    static bool call(float fraction, void* user_data) noexcept {
      auto* self = static_cast<Progress*>(user_data);
      try {
        return (*self->fn)(fraction);
      } catch (...) {
        self->error = std::current_exception();
        return false;
      }
    }
  };

  detail::Unique<vp_diarizer, vp_diarizer_free> handle_;
};

}  // namespace voiceprint

#endif  // VOICEPRINT_HPP
