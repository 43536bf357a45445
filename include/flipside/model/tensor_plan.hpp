// The list of tensors a config calls for, in llama.cpp's file order (global tensors, then layer by
// layer), with their shapes in numpy order ([out, in] for matrices). Writers of converted and
// random models follow it; the loader checks files against the same shapes.
#pragma once

#include <cstdint>
#include <vector>

#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>

namespace flipside {

struct planned_tensor {
  tensor_role role;
  std::int64_t layer = 0;  // for per-layer roles
  std::vector<std::int64_t> shape;
  bool matrix() const noexcept { return shape.size() == 2; }
};

// Every tensor a GGUF file of this config holds (rope_freqs when the config has freq factors or
// llama3 scaling, rope_factors_long/short for longrope — llama.cpp's conventions; no
// output.weight when tied).
inline std::vector<planned_tensor> tensor_plan(const model_config& c) {
  const architecture_info& arch = architecture_or_throw(c.architecture, "tensor_plan");
  using R = tensor_role;
  const std::int64_t H = c.hidden_size, V = c.vocab_size, F = c.ffn_size;
  const std::int64_t QD = c.q_dim(), KD = c.kv_dim(), D = c.head_dim;
  const bool ln = c.norm == norm_kind::layer;
  std::vector<planned_tensor> p;
  p.push_back({R::token_embd, 0, {V, H}});
  if (c.positions == position_kind::learned)
    p.push_back({R::position_embd, 0, {c.max_positions, H}});
  p.push_back({R::output_norm, 0, {H}});
  if (ln) p.push_back({R::output_norm_bias, 0, {H}});
  if (!c.tied_embeddings) p.push_back({R::output, 0, {V, H}});
  if (c.positions == position_kind::rope &&
      (!c.rope.freq_factors.empty() || c.rope.scaling == rope_scaling_kind::llama3))
    p.push_back({R::rope_freqs, 0, {c.rope.rotary_dim / 2}});
  if (c.positions == position_kind::rope && c.rope.scaling == rope_scaling_kind::longrope) {
    p.push_back({R::rope_factors_long, 0, {c.rope.rotary_dim / 2}});
    p.push_back({R::rope_factors_short, 0, {c.rope.rotary_dim / 2}});
  }
  for (std::int64_t i = 0; i < c.n_layers; ++i) {
    p.push_back({R::attn_norm, i, {H}});
    if (ln) p.push_back({R::attn_norm_bias, i, {H}});
    if (arch.fused_qkv) {
      p.push_back({R::attn_qkv, i, {QD + 2 * KD, H}});
      if (c.qkv_bias) p.push_back({R::attn_qkv_bias, i, {QD + 2 * KD}});
    } else {
      p.push_back({R::attn_q, i, {QD, H}});
      p.push_back({R::attn_k, i, {KD, H}});
      p.push_back({R::attn_v, i, {KD, H}});
      if (c.qkv_bias) {
        p.push_back({R::attn_q_bias, i, {QD}});
        p.push_back({R::attn_k_bias, i, {KD}});
        p.push_back({R::attn_v_bias, i, {KD}});
      }
    }
    if (c.qk_norm) {
      p.push_back({R::attn_q_norm, i, {D}});
      p.push_back({R::attn_k_norm, i, {D}});
    }
    p.push_back({R::attn_output, i, {H, QD}});
    if (c.o_bias) p.push_back({R::attn_output_bias, i, {H}});
    if (c.post_norms) p.push_back({R::post_attn_norm, i, {H}});
    p.push_back({R::ffn_norm, i, {H}});
    if (ln) p.push_back({R::ffn_norm_bias, i, {H}});
    const bool fused = arch.fused_gate_up;  // phi3: ffn_up holds [gate; up]
    if (c.mlp == mlp_kind::gated && !fused) p.push_back({R::ffn_gate, i, {F, H}});
    if (c.mlp == mlp_kind::gated && c.mlp_bias && !fused) p.push_back({R::ffn_gate_bias, i, {F}});
    p.push_back({R::ffn_up, i, {fused ? 2 * F : F, H}});
    if (c.mlp_bias) p.push_back({R::ffn_up_bias, i, {fused ? 2 * F : F}});
    p.push_back({R::ffn_down, i, {H, F}});
    if (c.mlp_bias) p.push_back({R::ffn_down_bias, i, {H}});
    if (c.post_norms) p.push_back({R::post_ffn_norm, i, {H}});
  }
  return p;
}

}  // namespace flipside
