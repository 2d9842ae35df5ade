// Enrol every <speaker>-enroll.* clip of a folder, then identify each
// <speaker>-test.* clip and print the scores of all enrolled speakers.
//
//   identify_speakers [-p PRESET] MODEL AUDIO_DIR
//
// e.g. identify_speakers models/ge2e-resemblyzer.onnx examples/audio
//
// PRESET defaults to ge2e-resemblyzer; "metadata" reads the model's spec from
// its sherpa-onnx style ONNX metadata. Build against the installed library:
//   c++ -std=c++17 -Wall -Wextra -Werror identify_speakers.cpp $(pkg-config --cflags --libs voiceprint)
//
// The output format is also printed by the Rust API's twin,
// voiceprint-ffi/examples/reference_scores.rs; scripts/test_ffi.sh checks
// that both give the same scores.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <voiceprint.hpp>

namespace fs = std::filesystem;

// Clips in `dir` whose names contain `suffix` (e.g. "-enroll."), sorted.
static std::vector<fs::path> clips(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename().string().find(suffix) != std::string::npos)
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "103-enroll.flac" -> "103".
static std::string speaker_of(const fs::path& clip) {
  std::string name = clip.filename().string();
  return name.substr(0, name.rfind('-'));
}

int main(int argc, char** argv) {
  std::string preset = "ge2e-resemblyzer";
  int arg = 1;
  if (argc > 2 && std::string(argv[1]) == "-p") {
    preset = argv[2];
    arg = 3;
  }
  if (argc - arg != 2) {
    std::fprintf(stderr, "usage: %s [-p PRESET] MODEL AUDIO_DIR\n", argv[0]);
    return 2;
  }
  try {
    voiceprint::SpeakerEncoder encoder = preset == "metadata"
                                             ? voiceprint::SpeakerEncoder(argv[arg])
                                             : voiceprint::SpeakerEncoder(argv[arg], preset);
    voiceprint::Engine engine(encoder, voiceprint::Store::memory(encoder.model_id(), encoder.dim()));
    fs::path dir = argv[arg + 1];

    std::vector<fs::path> enroll = clips(dir, "-enroll.");
    for (const fs::path& clip : enroll) {
      engine.enroll(speaker_of(clip), {voiceprint::Audio::path(clip.string())});
      std::printf("enrolled %s from %s\n", speaker_of(clip).c_str(), clip.filename().c_str());
    }
    for (const fs::path& clip : clips(dir, "-test.")) {
      voiceprint::Identification who =
          engine.identify(voiceprint::Audio::path(clip.string()), enroll.size());
      std::printf("%s: %s (threshold %.2f)\n", clip.filename().c_str(),
                  who.best ? who.best->id.c_str() : "unknown", who.threshold);
      for (const voiceprint::Match& m : who.matches) std::printf("  %s %.6f\n", m.id.c_str(), m.score);
    }
  } catch (const voiceprint::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
