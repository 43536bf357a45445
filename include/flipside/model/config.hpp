// Hyper-parameters of a decoder-only transformer, resolved from either an HF config.json
// (hf_config.hpp) or GGUF metadata (gguf_config.hpp) into one description the forward pass reads.
//
// Everything an architecture varies on is a field here, never a branch on the architecture's
// name inside the forward pass: llama, qwen2, qwen3 and gpt2 differ only in these flags, and the
// families still to come (mistral's sliding window, phi3's fused projections and partial rotary,
// gemma2/3's (1 + w) norms, post-norms, soft-capping and per-layer local/global attention) are
// fields or per-layer entries too.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

enum class norm_kind { rms, layer };  // RMSNorm (no bias) / LayerNorm with bias
enum class activation_kind { silu, gelu_tanh, gelu_erf };
enum class mlp_kind { gated, plain };        // act(gate)·up → down  /  act(up) → down
enum class position_kind { rope, learned };  // rotary / learned absolute embeddings

// Which dimensions RoPE rotates together. HF weights (and llama.cpp's NeoX-type archs: qwen2,
// qwen3, phi3, gemma) pair dimension i with i + d/2 ("half-split"); llama.cpp permutes the Q/K rows
// of `llama`-architecture GGUF files so that pairs are adjacent (2i, 2i+1) — "interleaved", the
// GPT-J layout. The attention scores are the same either way because q and k share the layout.
enum class rope_layout { half_split, interleaved };

// longrope: Phi-3.5 / Phi-4-mini (per-frequency short and long factors and a cos/sin multiplier).
enum class rope_scaling_kind { none, linear, llama3, longrope };

struct rope_config {
  double theta = 10000.0;
  // Dimensions rotated per head (≤ head_dim; phi3's partial_rotary_factor makes it smaller).
  std::int64_t rotary_dim = 0;
  rope_layout layout = rope_layout::half_split;
  rope_scaling_kind scaling = rope_scaling_kind::none;
  double factor = 1.0;  // linear: positions divided by it; llama3: long-wavelength divisor
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  std::int64_t original_max_positions = 8192;
  // Per-frequency divisors of the rotation angle (rotary_dim / 2 entries), as GGUF files carry them
  // in `rope_freqs.weight` (llama.cpp's form of llama3 scaling). When non-empty they replace the
  // scaling formula above.
  std::vector<float> freq_factors;
  // longrope: divisors for contexts within original_max_positions (short) and beyond (long), and
  // the multiplier of cos and sin, √(1 + ln(max_positions / original) / ln(original)) by default.
  std::vector<float> short_factors, long_factors;
  double attention_factor = 1.0;
};

// What differs between layers (gemma2/3 alternate sliding-window and global layers with
// different rope bases; mistral uses one window everywhere).
struct layer_config {
  std::int64_t sliding_window = 0;  // 0: global attention; W: query i sees keys i−W < j ≤ i
  bool local_rope = false;          // gemma3: use model_config::rope_local on this layer
};

struct model_config {
  std::string architecture;  // an architectures() name: "llama", "qwen2", "gemma2", …
  std::string name;          // general.name / _name_or_path when known, for messages

  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t n_layers = 0;
  std::int64_t n_heads = 0;
  std::int64_t n_kv_heads = 0;
  std::int64_t head_dim = 0;  // explicit in qwen3 (≠ hidden/heads is allowed)
  std::int64_t ffn_size = 0;  // intermediate size
  std::int64_t max_positions = 0;

  norm_kind norm = norm_kind::rms;
  double norm_eps = 1e-5;
  activation_kind activation = activation_kind::silu;
  mlp_kind mlp = mlp_kind::gated;
  position_kind positions = position_kind::rope;
  rope_config rope;
  rope_config rope_local;  // gemma3 local layers (unused unless a layer sets local_rope)

  bool qkv_bias = false;  // qwen2, gpt2, llama with attention_bias
  bool o_bias = false;    // gpt2, llama with attention_bias
  bool mlp_bias = false;  // gpt2, llama with mlp_bias
  bool qk_norm = false;   // qwen3, gemma3: per-head RMSNorm of q and k before RoPE
  bool tied_embeddings = false;

  // Gemma.
  double attn_softcap = 0.0;   // gemma2: scores ← c·tanh(scores / c)
  double final_softcap = 0.0;  // gemma2: logits ← c·tanh(logits / c)
  double embed_scale = 1.0;    // gemma: embeddings × √hidden
  bool norm_plus_one = false;  // gemma: RMSNorm scales by (1 + w)
  bool post_norms = false;     // gemma2/3: norms after attention and MLP as well
  double attn_scale = 0.0;     // 0: 1/√head_dim; gemma: query_pre_attn_scalar^-½

  std::vector<layer_config> layers;  // n_layers entries

  std::int64_t q_dim() const noexcept { return n_heads * head_dim; }
  std::int64_t kv_dim() const noexcept { return n_kv_heads * head_dim; }
  double attention_scale() const;
  // Throws format_error(source, field, …) on inconsistent or out-of-range values.
  void validate(const std::string& source) const;
};

inline double model_config::attention_scale() const {
  return attn_scale > 0 ? attn_scale : 1.0 / std::sqrt(static_cast<double>(head_dim));
}

inline void model_config::validate(const std::string& source) const {
  auto bad = [&](const char* field, const std::string& why) {
    throw format_error(source, field, why);
  };
  // Caps far above any real model, so that a hostile file cannot make us allocate terabytes.
  constexpr std::int64_t cap = std::int64_t{1} << 24;
  auto in_range = [&](const char* field, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi)
      bad(field, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  };
  in_range("vocab_size", vocab_size, 1, std::int64_t{1} << 26);
  in_range("hidden_size", hidden_size, 1, cap);
  in_range("n_layers", n_layers, 1, 4096);
  in_range("n_heads", n_heads, 1, 65536);
  in_range("n_kv_heads", n_kv_heads, 1, n_heads);
  in_range("head_dim", head_dim, 1, 65536);
  in_range("ffn_size", ffn_size, 1, cap);
  if (n_heads % n_kv_heads != 0)
    bad("n_kv_heads",
        std::to_string(n_kv_heads) + " does not divide n_heads = " + std::to_string(n_heads));
  if (positions == position_kind::learned) in_range("max_positions", max_positions, 1, cap);
  if (!(norm_eps > 0) || !std::isfinite(norm_eps)) bad("norm_eps", "must be positive");
  if (positions == position_kind::rope) {
    if (!(rope.theta > 0) || !std::isfinite(rope.theta)) bad("rope_theta", "must be positive");
    if (rope.rotary_dim <= 0 || rope.rotary_dim > head_dim || rope.rotary_dim % 2 != 0)
      bad("rotary_dim", std::to_string(rope.rotary_dim) + " must be even and in (0, head_dim = " +
                            std::to_string(head_dim) + "]");
    if (!rope.freq_factors.empty() &&
        static_cast<std::int64_t>(rope.freq_factors.size()) != rope.rotary_dim / 2)
      bad("rope_freqs", std::to_string(rope.freq_factors.size()) + " factors, expected " +
                            std::to_string(rope.rotary_dim / 2));
    for (float f : rope.freq_factors)
      if (!(f > 0) || !std::isfinite(f)) bad("rope_freqs", "factors must be positive");
    if (rope.scaling != rope_scaling_kind::none && !(rope.factor > 0))
      bad("rope_scaling.factor", "must be positive");
    if (rope.scaling == rope_scaling_kind::longrope) {
      for (const auto* v : {&rope.short_factors, &rope.long_factors}) {
        if (static_cast<std::int64_t>(v->size()) != rope.rotary_dim / 2)
          bad(v == &rope.short_factors ? "short_factor" : "long_factor",
              std::to_string(v->size()) +
                  " factors, expected rotary_dim / 2 = " + std::to_string(rope.rotary_dim / 2));
        for (float f : *v)
          if (!(f > 0) || !std::isfinite(f))
            bad(v == &rope.short_factors ? "short_factor" : "long_factor",
                "factors must be positive");
      }
      if (!(rope.attention_factor > 0) || !std::isfinite(rope.attention_factor))
        bad("attention_factor", "must be positive");
      if (rope.original_max_positions <= 0)
        bad("original_max_position_embeddings", "longrope needs a positive value");
    }
    if (rope.scaling == rope_scaling_kind::llama3 &&
        (!(rope.low_freq_factor > 0) || !(rope.high_freq_factor > rope.low_freq_factor) ||
         rope.original_max_positions <= 0))
      bad("rope_scaling",
          "llama3 scaling needs 0 < low_freq_factor < high_freq_factor and "
          "original_max_position_embeddings > 0");
  }
  if (static_cast<std::int64_t>(layers.size()) != n_layers)
    bad("layers", "per-layer settings for " + std::to_string(layers.size()) + " of " +
                      std::to_string(n_layers) + " layers");
  for (const auto& l : layers)
    if (l.sliding_window < 0) bad("sliding_window", "must not be negative");
  if (!(embed_scale > 0) || !std::isfinite(embed_scale)) bad("embed_scale", "must be positive");
  if (!(attn_scale >= 0) || !std::isfinite(attn_scale))
    bad("query_pre_attn_scalar", "must be positive");
  if (!(attn_softcap >= 0) || !std::isfinite(attn_softcap))
    bad("attn_logit_softcapping", "must be positive or absent");
  if (!(final_softcap >= 0) || !std::isfinite(final_softcap))
    bad("final_logit_softcapping", "must be positive or absent");
}

}  // namespace flipside
