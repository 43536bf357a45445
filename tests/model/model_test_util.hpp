// Helpers shared by the model tests: golden data, temporary directories, comparisons.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "scratch_dir.hpp"

#include <flipside/io/safetensors_file.hpp>
#include <flipside/model/model.hpp>

namespace flipside::test {

using temp_dir = scratch_dir;  // a fresh directory, removed with its contents

template <class T>
std::vector<T> read_tensor(const safetensors_file& f, const std::string& name) {
  const tensor_view& t = f.tensor(name);
  std::vector<T> out(static_cast<std::size_t>(t.numel()));
  REQUIRE(t.nbytes == out.size() * sizeof(T));
  std::memcpy(out.data(), t.data, t.nbytes);
  return out;
}

// Full logits [B, T, V] of each row of `tokens` [B, T] run as its own sequence, in one batch.
inline std::vector<float> batch_logits(const model& m, const std::vector<std::int32_t>& tokens,
                                       std::size_t B, thread_pool* pool = nullptr) {
  const std::size_t T = tokens.size() / B;
  std::vector<kv_cache<float>> caches;
  for (std::size_t b = 0; b < B; ++b) caches.push_back(m.new_cache(T));
  std::vector<sequence_step<float>> batch;
  for (std::size_t b = 0; b < B; ++b)
    batch.push_back({&caches[b], tokens.data() + b * T, T, output_rows::all});
  return m.forward(batch, {true, pool}).logits;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
  return d;
}

inline bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace flipside::test
