// Helpers of the scoring tests: golden models, and an independent double-precision reference for
// option log-probabilities (each full sequence prompt ++ option evaluated from scratch).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/io/safetensors_file.hpp>
#include <flipside/model/model.hpp>
#include <flipside/prompt/tokenized_prompt.hpp>

namespace flipside::test {

template <class T>
std::vector<T> read_golden_tensor(const std::filesystem::path& file, const std::string& name) {
  const auto f = safetensors_file::open(file);
  const tensor_view& t = f.tensor(name);
  std::vector<T> out(static_cast<std::size_t>(t.numel()));
  REQUIRE(t.nbytes == out.size() * sizeof(T));
  std::memcpy(out.data(), t.data, t.nbytes);
  return out;
}

// log p(option | prompt) in double from the full logits of prompt ++ option run from scratch:
// Σ_j (ℓ[o_j] − log Σ_v exp ℓ[v]), the normaliser in double.
inline double reference_log_prob(const model& m, const std::vector<std::int32_t>& prompt,
                                 const std::vector<std::int32_t>& option) {
  std::vector<std::int32_t> full = prompt;
  full.insert(full.end(), option.begin(), option.end());
  auto cache = m.new_cache(full.size());
  const auto r = m.forward(cache, full, output_rows::all, {true});
  const std::size_t V = r.vocab_size;
  double lp = 0;
  for (std::size_t j = 0; j < option.size(); ++j) {
    const float* row = r.logits_row(prompt.size() - 1 + j);
    double mx = row[0];
    for (std::size_t v = 1; v < V; ++v) mx = std::max(mx, static_cast<double>(row[v]));
    double s = 0;
    for (std::size_t v = 0; v < V; ++v) s += std::exp(static_cast<double>(row[v]) - mx);
    lp += static_cast<double>(row[static_cast<std::size_t>(option[j])]) - (mx + std::log(s));
  }
  return lp;
}

// A prompt cut from golden token row `row` (prefix, query) with the given options.
inline tokenized_prompt<std::int32_t> golden_prompt(const std::vector<std::int32_t>& tokens,
                                                    std::size_t row, std::size_t prefix_len,
                                                    std::size_t query_len,
                                                    std::vector<std::vector<std::int32_t>> opts) {
  tokenized_prompt<std::int32_t> p;
  const auto* t = tokens.data() + row * 48;
  p.prefix.assign(t, t + prefix_len);
  p.query.assign(t + prefix_len, t + prefix_len + query_len);
  p.options = std::move(opts);
  return p;
}

}  // namespace flipside::test
