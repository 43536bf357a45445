// Small helpers shared by the io tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include "scratch_dir.hpp"

#include <flipside/core/tensor_view.hpp>

namespace flipside::test {

// Element i of a tensor of plain type T (memcpy: views need not be aligned).
template <class T>
T element(const tensor_view& t, std::size_t i) {
  T v;
  std::memcpy(&v, t.data + i * sizeof(T), sizeof(T));
  return v;
}

inline std::vector<std::byte> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> b(c.size());
  if (!c.empty()) std::memcpy(b.data(), c.data(), c.size());
  return b;
}

inline bool same_bytes(const tensor_view& a, const tensor_view& b) {
  return a.nbytes == b.nbytes && (a.nbytes == 0 || std::memcmp(a.data, b.data, a.nbytes) == 0);
}

using temp_dir = scratch_dir;  // a fresh directory, removed with its contents

}  // namespace flipside::test
