// GGUF metadata → model_config, with llama.cpp's keys (`<arch>.block_count`,
// `<arch>.attention.head_count_kv`, … see llama.cpp's llama-arch.cpp) and its conventions:
//  - no `output.weight` tensor means the output projection is tied to `token_embd.weight`;
//  - llama3 rope scaling arrives as per-frequency divisors in the `rope_freqs.weight` tensor;
//  - `llama`-architecture files have their Q/K rows permuted so that RoPE pairs are adjacent
//    (architecture_info::gguf_rope); qwen2/qwen3 keep the half-split layout;
//  - optional biases (llama with attention_bias) are announced by the tensors' presence.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/io/gguf_file.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/simd/half.hpp>

namespace flipside {

namespace detail {

// A small f32 vector tensor (rope_freqs) read whatever its float type; format_error otherwise.
inline std::vector<float> read_float_vector(const tensor_view& t, const std::string& file) {
  const auto n = static_cast<std::size_t>(t.numel());
  std::vector<float> out(n);
  if (t.type == dtype::f32) {
    std::memcpy(out.data(), t.data, n * sizeof(float));
  } else if (t.type == dtype::f16 || t.type == dtype::bf16) {
    for (std::size_t i = 0; i < n; ++i) {
      std::uint16_t bits;
      std::memcpy(&bits, t.data + 2 * i, 2);
      out[i] = t.type == dtype::f16 ? simd::f16_to_f32(f16{bits}) : simd::bf16_to_f32(bf16{bits});
    }
  } else {
    throw unsupported_error(file + ": " + t.name + ": type " + dtype_name(t.type) +
                            " is not supported for this tensor (f32, f16, bf16)");
  }
  return out;
}

}  // namespace detail

inline model_config gguf_model_config(const gguf_file& f) {
  const std::string& file = f.path();
  const std::string a = f.require_string("general.architecture");
  const architecture_info& arch = architecture_or_throw(a, file);
  auto key = [&](const char* k) { return a + "." + k; };
  auto u64 = [&](const char* k) -> std::optional<std::int64_t> {
    if (auto v = f.get<std::uint64_t>(key(k))) {
      if (*v > (std::uint64_t{1} << 40))
        throw format_error(file, key(k), "value is absurdly large");
      return static_cast<std::int64_t>(*v);
    }
    return std::nullopt;
  };
  auto required = [&](const char* k) {
    if (auto v = u64(k)) return *v;
    throw format_error(file, key(k), "required metadata key is missing");
  };

  model_config c;
  c.architecture = std::string(arch.name);
  c.name = f.get_string("general.name").value_or("");
  c.norm = arch.norm;
  c.activation = arch.activation;
  c.mlp = arch.mlp;
  c.positions = arch.positions;
  c.qk_norm = arch.qk_norm;

  c.hidden_size = required("embedding_length");
  c.n_layers = required("block_count");
  c.n_heads = required("attention.head_count");
  c.n_kv_heads = u64("attention.head_count_kv").value_or(c.n_heads);
  c.ffn_size = required("feed_forward_length");
  c.max_positions = u64("context_length").value_or(0);
  if (c.n_heads <= 0) throw format_error(file, key("attention.head_count"), "must be positive");
  c.head_dim = u64("attention.key_length").value_or(c.hidden_size / c.n_heads);
  if (auto vl = u64("attention.value_length"); vl && *vl != c.head_dim)
    throw unsupported_error(file + ": " + key("attention.value_length") +
                            ": value heads of another size than key heads are not supported");

  const tensor_view* embd = f.find_tensor(gguf_tensor_name(tensor_role::token_embd));
  if (auto v = u64("vocab_size")) {
    c.vocab_size = *v;
  } else if (auto toks = f.get_string_array("tokenizer.ggml.tokens")) {
    c.vocab_size = static_cast<std::int64_t>(toks->size());
  } else if (embd && embd->shape.size() == 2) {
    c.vocab_size = embd->shape[0];
  } else {
    throw format_error(file, key("vocab_size"), "missing, and no vocabulary or token_embd.weight");
  }

  const bool rms = arch.norm == norm_kind::rms;
  const std::string eps_key =
      key(rms ? "attention.layer_norm_rms_epsilon" : "attention.layer_norm_epsilon");
  if (auto eps = f.get<double>(eps_key))
    c.norm_eps = *eps;
  else
    throw format_error(file, eps_key, "required metadata key is missing");

  auto has = [&](tensor_role r) { return f.find_tensor(gguf_tensor_name(r, 0)) != nullptr; };
  c.qkv_bias = arch.qkv_bias || has(tensor_role::attn_q_bias) || has(tensor_role::attn_qkv_bias);
  c.o_bias = arch.o_bias || has(tensor_role::attn_output_bias);
  c.mlp_bias = arch.mlp_bias || has(tensor_role::ffn_up_bias);
  c.tied_embeddings = f.find_tensor(gguf_tensor_name(tensor_role::output)) == nullptr;

  if (c.positions == position_kind::rope) {
    c.rope.layout = arch.gguf_rope;
    c.rope.theta = f.get<double>(key("rope.freq_base")).value_or(10000.0);
    c.rope.rotary_dim = u64("rope.dimension_count").value_or(c.head_dim);
    const std::string scaling = f.get_string(key("rope.scaling.type")).value_or("none");
    if (scaling == "linear") {
      c.rope.scaling = rope_scaling_kind::linear;
      c.rope.factor = f.get<double>(key("rope.scaling.factor")).value_or(1.0);
    } else if (scaling != "none") {
      throw unsupported_error(file + ": " + key("rope.scaling.type") + ": '" + scaling +
                              "' rope scaling is not supported (none, linear)");
    }
    if (const tensor_view* rf = f.find_tensor(gguf_tensor_name(tensor_role::rope_freqs)))
      c.rope.freq_factors = detail::read_float_vector(*rf, file);
    // phi3 longrope: both factor sets as tensors, the cos/sin multiplier as a key.
    const tensor_view* lf = f.find_tensor(gguf_tensor_name(tensor_role::rope_factors_long));
    const tensor_view* sf = f.find_tensor(gguf_tensor_name(tensor_role::rope_factors_short));
    if (lf || sf) {
      if (!lf || !sf)
        throw format_error(file, lf ? "rope_factors_short.weight" : "rope_factors_long.weight",
                           "missing (longrope needs both factor tensors)");
      c.rope.scaling = rope_scaling_kind::longrope;
      c.rope.long_factors = detail::read_float_vector(*lf, file);
      c.rope.short_factors = detail::read_float_vector(*sf, file);
      c.rope.attention_factor = f.get<double>(key("rope.scaling.attn_factor")).value_or(1.0);
      c.rope.original_max_positions =
          u64("rope.scaling.original_context_length").value_or(c.max_positions);
    }
  }
  if (c.n_layers > 0 && c.n_layers <= 4096)
    c.layers.assign(static_cast<std::size_t>(c.n_layers), layer_config{});

  // Sliding windows (`<arch>.attention.sliding_window`): gemma2 on even layers, gemma3 on five of
  // every six (llama.cpp's swa patterns), every layer otherwise (flipside's mistral/phi3 files).
  const std::int64_t window = u64("attention.sliding_window").value_or(0);
  const std::int64_t pattern = a == "gemma2" ? 2 : a == "gemma3" ? 6 : 1;
  for (std::size_t i = 0; i < c.layers.size(); ++i)
    if (window > 0 && (pattern == 1 || static_cast<std::int64_t>(i) % pattern < pattern - 1)) {
      c.layers[i].sliding_window = window;
      c.layers[i].local_rope = arch.gemma;
    }
  if (arch.gemma) {
    // llama.cpp's converter stores gemma norm weights as 1 + w, so norms are plain RMSNorm here.
    c.post_norms = true;
    c.embed_scale = std::sqrt(static_cast<double>(c.hidden_size));
    const bool g2 = a == "gemma2";
    c.attn_softcap = f.get<double>(key("attn_logit_softcapping")).value_or(g2 ? 50.0 : 0.0);
    c.final_softcap = f.get<double>(key("final_logit_softcapping")).value_or(g2 ? 30.0 : 0.0);
    // llama.cpp: query_pre_attn_scalar is head_dim, except the 27B models' hidden / heads.
    const bool big = (g2 && c.n_layers == 46) || (!g2 && c.n_layers == 62);
    c.attn_scale =
        1.0 / std::sqrt(static_cast<double>(big ? c.hidden_size / c.n_heads : c.head_dim));
    c.rope_local = c.rope;
    if (!g2) {  // gemma3: local layers rotate with base 10000, unscaled
      c.rope_local.scaling = rope_scaling_kind::none;
      c.rope_local.freq_factors.clear();
      c.rope_local.theta = f.get<double>(key("rope.freq_base_swa")).value_or(10000.0);
    }
  }
  // flipside writes a scale that the rules above would not give.
  if (auto s = f.get<double>(key("attention.scale"))) c.attn_scale = *s;
  c.validate(file);
  return c;
}

}  // namespace flipside
