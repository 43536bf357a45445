// The "model file identity" (and task-data identity) that goes into a results fingerprint: a hash
// of a file's size and sampled content, or of every file under a directory (HF model directories,
// LoRA adapter directories, dataset folders).
//
// Why not the modification time: copying a model to a cluster's scratch disk changes it, and then
// shards of one sweep would refuse to merge. Why sampled: hashing a 7 GB file byte by byte costs
// ~10 s per start; the first and last MiB (GGUF/safetensors headers and tail) plus 16 evenly spaced
// 64 KiB windows tell different files apart with overwhelming probability. The fingerprint guards
// against mixing results of different files, not against deliberate tampering. Files up to 3 MiB
// are hashed whole.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/hash.hpp>

namespace flipside {

namespace detail {

inline void hash_file_range(std::ifstream& in, const std::filesystem::path& path,
                            std::uint64_t offset, std::uint64_t n, field_hasher& h) {
  std::string buf(static_cast<std::size_t>(n), '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(buf.data(), static_cast<std::streamsize>(n));
  if (!in)
    throw error(path.string() + ": cannot read " + std::to_string(n) + " bytes at offset " +
                std::to_string(offset));
  h.add(std::to_string(offset), std::string_view(buf));
}

inline void hash_regular_file(const std::filesystem::path& path, field_hasher& h) {
  const std::uint64_t size = std::filesystem::file_size(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(path.string() + ": cannot open");
  h.add("size", static_cast<unsigned long long>(size));
  constexpr std::uint64_t edge = 1u << 20, window = 64u << 10, windows = 16;
  if (size <= 3 * edge) {
    if (size > 0) hash_file_range(in, path, 0, size, h);
    return;
  }
  hash_file_range(in, path, 0, edge, h);
  for (std::uint64_t i = 1; i <= windows; ++i) {
    const std::uint64_t at = edge + (size - 2 * edge - window) / (windows + 1) * i;
    hash_file_range(in, path, at, window, h);
  }
  hash_file_range(in, path, size - edge, edge, h);
}

}  // namespace detail

// Hex hash of a file, or of a directory's regular files (recursively, by sorted relative path).
// Throws flipside::error when the path does not exist or cannot be read.
inline std::string path_identity(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  field_hasher h;
  if (fs::is_regular_file(path)) {
    h.add("kind", "file");
    detail::hash_regular_file(path, h);
    return h.hex();
  }
  if (!fs::is_directory(path)) throw error(path.string() + ": no such file or directory");
  h.add("kind", "directory");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(path))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), path));
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return a.generic_string() < b.generic_string();
  });
  for (const auto& f : files) {
    h.add("name", f.generic_string());
    detail::hash_regular_file(path / f, h);
  }
  return h.hex();
}

}  // namespace flipside
