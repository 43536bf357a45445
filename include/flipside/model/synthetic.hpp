// Random-weight models of any shape, written by flipside's own writers: as a GGUF file (llama.cpp
// conventions) or as a Hugging Face directory (config.json + model.safetensors). Benchmarks use
// them to measure real shapes (SmolLM2-135M, Qwen2.5-0.5B) without downloading weights; tests use
// them for architectures without shared golden data (qwen3).
//
// Weights are uniform in ±scale/√fan_in (norm weights 1 ± 0.1, biases ±0.02), from a portable
// seeded generator (SplitMix64, Steele et al. 2014), so a seed gives the same model everywhere.
// The same seed gives the same model in both formats (GGUF Q/K rows permuted for `llama`).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/splitmix64.hpp>
#include <flipside/io/gguf_writer.hpp>
#include <flipside/io/safetensors_writer.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/gguf_export.hpp>
#include <flipside/model/rope_frequencies.hpp>
#include <flipside/model/tensor_plan.hpp>
#include <flipside/quant/quantize.hpp>

namespace flipside {

struct synthetic_options {
  dtype matrix_type = dtype::f32;  // 2-D weights; 1-D tensors are f32
  std::uint64_t seed = 1;
  float scale = 1.0f;  // matrix entries uniform in ±scale/√(columns)
};

namespace detail {

class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() noexcept { return flipside::splitmix64(s_); }
  // Uniform in [-1, 1), 24 random bits.
  float symmetric() noexcept {
    return static_cast<float>(next() >> 40) * (1.0f / 8388608.0f) - 1.0f;
  }

 private:
  std::uint64_t s_;
};

// The values of one planned tensor (HF layout: [out, in], half-split rows), generated from a
// per-tensor stream so every tensor is independent of the others' order and of the format.
inline std::vector<float> synthetic_values(const planned_tensor& p, const synthetic_options& o) {
  std::size_t n = 1;
  for (auto d : p.shape) n *= static_cast<std::size_t>(d);
  std::vector<float> v(n);
  splitmix64 g(o.seed * 0x100000001b3ull + static_cast<std::uint64_t>(p.role) * 4099u +
               static_cast<std::uint64_t>(p.layer) * 131u);
  using R = tensor_role;
  const bool norm = p.role == R::attn_norm || p.role == R::ffn_norm || p.role == R::output_norm ||
                    p.role == R::attn_q_norm || p.role == R::attn_k_norm;
  float amp = 0.02f;
  if (p.matrix()) amp = o.scale / std::sqrt(static_cast<float>(p.shape[1]));
  for (auto& x : v) x = norm ? 1.0f + 0.1f * g.symmetric() : amp * g.symmetric();
  return v;
}

inline std::vector<std::byte> to_bytes(const std::vector<float>& v, dtype t) {
  std::vector<std::byte> out(v.size() * traits_of(t)->block_bytes);
  for (std::size_t i = 0; i < v.size(); ++i)
    store_element(out.data() + i * traits_of(t)->block_bytes, t, v[i]);
  return out;
}

// The type a planned tensor is stored in: o.matrix_type for matrices (block types only when the
// row length is a multiple of the block, as llama.cpp falls back for such rows), f32 otherwise.
inline dtype stored_type(const planned_tensor& p, const synthetic_options& o) {
  if (!p.matrix()) return dtype::f32;
  const std::size_t block = traits_of(o.matrix_type)->block_size;
  return static_cast<std::size_t>(p.shape[1]) % block == 0 ? o.matrix_type : dtype::f32;
}

// The tensor's values in its stored type: float types element by element, block types row by row
// with ggml's quantisation rule (quant/quantize.hpp).
inline std::vector<std::byte> matrix_bytes(const planned_tensor& p, const synthetic_options& o) {
  const dtype t = stored_type(p, o);
  const std::vector<float> v = synthetic_values(p, o);
  if (traits_of(t)->block_size == 1) return to_bytes(v, t);
  const auto rows = static_cast<std::size_t>(p.shape[0]);
  const auto cols = static_cast<std::size_t>(p.shape[1]);
  const std::size_t rb = quant::row_bytes(t, cols);
  std::vector<std::byte> out(rows * rb);
  for (std::size_t r = 0; r < rows; ++r)
    quant::quantize_row(t, v.data() + r * cols, out.data() + r * rb, cols);
  return out;
}

}  // namespace detail

// A random model as one GGUF file; matrix_type f32, f16, bf16, q8_0, q4_0, q4_1, q5_0 or q5_1.
inline void write_synthetic_gguf(const model_config& cfg, const std::filesystem::path& out,
                                 const synthetic_options& o = {}) {
  model_config c = cfg;
  c.validate("synthetic config");
  const architecture_info& arch = architecture_or_throw(c.architecture, "synthetic config");
  gguf_writer w;
  set_gguf_metadata(w, c, o.matrix_type);
  for (const planned_tensor& p : tensor_plan(c)) {
    const std::string name = gguf_tensor_name(p.role, p.layer);
    if (p.role == tensor_role::rope_freqs || p.role == tensor_role::rope_factors_long ||
        p.role == tensor_role::rope_factors_short) {
      const auto f = gguf_rope_factors(c, p.role);
      w.add_tensor(name, dtype::f32, p.shape, detail::to_bytes(f, dtype::f32));
      continue;
    }
    const std::vector<std::byte> bytes0 = detail::matrix_bytes(p, o);
    std::vector<std::byte> bytes = bytes0;
    using R = tensor_role;
    const bool q = p.role == R::attn_q || p.role == R::attn_q_bias;
    const bool k = p.role == R::attn_k || p.role == R::attn_k_bias;
    if (arch.gguf_rope == rope_layout::interleaved && (q || k)) {
      const std::size_t row = bytes.size() / static_cast<std::size_t>(p.shape[0]);
      bytes = permute_rows_for_interleaved_rope(
          bytes.data(), static_cast<std::size_t>(q ? c.n_heads : c.n_kv_heads),
          static_cast<std::size_t>(c.head_dim), row);
    }
    w.add_tensor(name, detail::stored_type(p, o), p.shape, std::move(bytes));
  }
  w.write(out);
}

// config.json for a config (transformers-5 style rope_parameters, plus the legacy rope_theta).
inline std::string hf_config_json(const model_config& c) {
  std::ostringstream j;
  j.precision(17);
  const bool gpt2 = c.architecture == "gpt2";
  j << "{\n  \"model_type\": \"" << c.architecture << "\",\n";
  j << "  \"vocab_size\": " << c.vocab_size << ",\n";
  if (gpt2) {
    j << "  \"n_embd\": " << c.hidden_size << ",\n  \"n_layer\": " << c.n_layers
      << ",\n  \"n_head\": " << c.n_heads << ",\n  \"n_inner\": " << c.ffn_size
      << ",\n  \"n_positions\": " << c.max_positions
      << ",\n  \"layer_norm_epsilon\": " << c.norm_eps
      << ",\n  \"activation_function\": \"gelu_new\",\n";
  } else {
    j << "  \"hidden_size\": " << c.hidden_size << ",\n  \"num_hidden_layers\": " << c.n_layers
      << ",\n  \"num_attention_heads\": " << c.n_heads
      << ",\n  \"num_key_value_heads\": " << c.n_kv_heads << ",\n  \"head_dim\": " << c.head_dim
      << ",\n  \"intermediate_size\": " << c.ffn_size
      << ",\n  \"max_position_embeddings\": " << c.max_positions
      << ",\n  \"rms_norm_eps\": " << c.norm_eps
      << ",\n  \"hidden_act\": \"silu\",\n  \"rope_theta\": " << c.rope.theta << ",\n";
    if (c.architecture != "qwen2")
      j << "  \"attention_bias\": " << (c.qkv_bias ? "true" : "false") << ",\n";
    if (c.rope.scaling == rope_scaling_kind::linear)
      j << "  \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": " << c.rope.factor
        << "},\n";
    if (c.rope.scaling == rope_scaling_kind::llama3)
      j << "  \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": " << c.rope.factor
        << ", \"low_freq_factor\": " << c.rope.low_freq_factor
        << ", \"high_freq_factor\": " << c.rope.high_freq_factor
        << ", \"original_max_position_embeddings\": " << c.rope.original_max_positions << "},\n";
  }
  j << "  \"tie_word_embeddings\": " << (c.tied_embeddings ? "true" : "false") << "\n}\n";
  return j.str();
}

// A random model as a Hugging Face directory: config.json + model.safetensors (HF names and
// layouts: half-split Q/K rows, GPT-2 Conv1D weights [in, out]; tied embeddings stored once).
inline void write_synthetic_hf(const model_config& cfg, const std::filesystem::path& dir,
                               const synthetic_options& o = {}) {
  model_config c = cfg;
  c.validate("synthetic config");
  const architecture_info& arch = architecture_or_throw(c.architecture, "synthetic config");
  if (c.rope.scaling == rope_scaling_kind::none && !c.rope.freq_factors.empty())
    throw argument_error("write_synthetic_hf: rope_freqs factors have no config.json form");
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "config.json");
    f << hf_config_json(c);
    if (!f) throw error((dir / "config.json").string() + ": cannot write");
  }
  const std::string prefix = arch.naming == hf_naming::gpt2 ? "transformer." : "model.";
  safetensors_writer w;
  w.set_metadata("format", "pt");
  for (const planned_tensor& p : tensor_plan(c)) {
    if (p.role == tensor_role::rope_freqs || p.role == tensor_role::rope_factors_long ||
        p.role == tensor_role::rope_factors_short)
      continue;
    const dtype t = p.matrix() ? o.matrix_type : dtype::f32;
    std::vector<float> v = detail::synthetic_values(p, o);
    std::vector<std::int64_t> shape = p.shape;
    if (hf_is_transposed(arch, p.role)) {  // [out, in] → Conv1D [in, out]
      const auto rows = static_cast<std::size_t>(p.shape[0]),
                 cols = static_cast<std::size_t>(p.shape[1]);
      std::vector<float> tr(v.size());
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t col = 0; col < cols; ++col) tr[col * rows + r] = v[r * cols + col];
      v.swap(tr);
      std::swap(shape[0], shape[1]);
    }
    w.add_tensor(*hf_tensor_name(arch, p.role, p.layer, prefix), t, shape, detail::to_bytes(v, t));
  }
  w.write(dir / "model.safetensors");
}

// Shapes of real models (random weights), for benchmarks.
inline model_config smollm2_135m_config() {
  model_config c;
  c.architecture = "llama";
  c.name = "SmolLM2-135M-shape";
  c.vocab_size = 49152;
  c.hidden_size = 576;
  c.n_layers = 30;
  c.n_heads = 9;
  c.n_kv_heads = 3;
  c.head_dim = 64;
  c.ffn_size = 1536;
  c.max_positions = 8192;
  c.norm_eps = 1e-5;
  c.rope.theta = 100000.0;
  c.rope.rotary_dim = 64;
  c.rope.layout = rope_layout::interleaved;
  c.tied_embeddings = true;
  c.layers.assign(30, layer_config{});
  return c;
}

inline model_config qwen25_05b_config() {
  model_config c;
  c.architecture = "qwen2";
  c.name = "Qwen2.5-0.5B-shape";
  c.vocab_size = 151936;
  c.hidden_size = 896;
  c.n_layers = 24;
  c.n_heads = 14;
  c.n_kv_heads = 2;
  c.head_dim = 64;
  c.ffn_size = 4864;
  c.max_positions = 32768;
  c.norm_eps = 1e-6;
  c.rope.theta = 1000000.0;
  c.rope.rotary_dim = 64;
  c.qkv_bias = true;
  c.tied_embeddings = true;
  c.layers.assign(24, layer_config{});
  return c;
}

}  // namespace flipside
