// Scratch files for loader tests: a directory unique to this process, removed at exit.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace flipside::test {

inline const std::filesystem::path& scratch_dir() {
  struct holder {
    std::filesystem::path dir;
    holder() {
      dir = std::filesystem::temp_directory_path() /
            ("flipside-data-test-" + std::to_string(::getpid()));
      std::filesystem::create_directories(dir);
    }
    ~holder() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  };
  static holder h;
  return h.dir;
}

// Writes `bytes` verbatim to scratch_dir()/name and returns the path.
inline std::filesystem::path write_file(const std::string& name, const std::string& bytes) {
  const auto p = scratch_dir() / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

}  // namespace flipside::test
