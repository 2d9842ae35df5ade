// Index images, then find the ones most like a query image: the C++ twin
// of examples/c/search_images.c, with the same arguments and output.
//
//   search_images [-p PROFILE] [-o OUTPUT] MODEL QUERY IMAGE [IMAGE ...]
//
// Each IMAGE is stored under its file name, in memory; the query's five
// nearest are printed with their cosine scores. The query is passed as
// bytes, as a service holding an upload would. Build against the
// installed library:
//   c++ -std=c++17 -Wall -Wextra -Werror search_images.cpp $(pkg-config --cflags --libs voiceprint)
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <voiceprint.hpp>

namespace fs = std::filesystem;

static std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

int main(int argc, char** argv) {
  std::string profile = "torchvision";
  voiceprint::ImageEncoderOptions options;
  int arg = 1;
  while (arg + 1 < argc && (std::string(argv[arg]) == "-p" || std::string(argv[arg]) == "-o")) {
    if (std::string(argv[arg]) == "-p") profile = argv[arg + 1];
    else options.output_name = argv[arg + 1];
    arg += 2;
  }
  if (argc - arg < 3) {
    std::fprintf(stderr, "usage: %s [-p PROFILE] [-o OUTPUT] MODEL QUERY IMAGE [IMAGE ...]\n",
                 argv[0]);
    return 2;
  }
  try {
    voiceprint::ImageEncoder encoder(argv[arg], profile, options);
    voiceprint::ImageIndex index(encoder,
                                 voiceprint::Store::memory(encoder.model_id(), encoder.dim()));
    std::vector<std::string> ids;
    std::vector<voiceprint::Image> images;
    for (int i = arg + 2; i < argc; ++i) {
      ids.push_back(fs::path(argv[i]).filename().string());
      images.push_back(voiceprint::Image::path(argv[i]));
    }
    index.add_batch(ids, images);
    std::printf("indexed %zu images with %s (%zu-dim vectors)\n", ids.size(),
                encoder.model_id().c_str(), encoder.dim());
    const std::string query = argv[arg + 1];
    const std::vector<std::uint8_t> upload = read_bytes(query);
    std::printf("%s:\n", query.c_str());
    std::size_t rank = 0;
    for (const voiceprint::Match& m : index.search(voiceprint::Image::bytes(upload), 5))
      std::printf("  %zu. %s %.6f\n", ++rank, m.id.c_str(), m.score);
  } catch (const voiceprint::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
