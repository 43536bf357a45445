// The architectures flipside runs, as data: what each one's blocks are made of (norm, activation,
// MLP shape, positions, biases) and how its tensors are named in Hugging Face checkpoints and in
// llama.cpp's GGUF files. Adding a family means adding a row here and, if it brings a new kind of
// block, a field in model_config — the forward pass never tests an architecture's name.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <flipside/core/error.hpp>
#include <flipside/model/config.hpp>

namespace flipside {

// Every tensor a supported block can have. Names follow llama.cpp's GGUF names (llama-arch.cpp),
// which are the same for every architecture.
enum class tensor_role : int {
  token_embd,
  position_embd,
  output_norm,
  output_norm_bias,
  output,
  rope_freqs,
  rope_factors_long,   // phi3 longrope
  rope_factors_short,  // phi3 longrope
  // per layer
  attn_norm,
  attn_norm_bias,
  attn_q,
  attn_q_bias,
  attn_k,
  attn_k_bias,
  attn_v,
  attn_v_bias,
  attn_qkv,  // fused [q; k; v] rows (gpt2, phi3)
  attn_qkv_bias,
  attn_output,
  attn_output_bias,
  attn_q_norm,
  attn_k_norm,
  ffn_norm,
  ffn_norm_bias,
  ffn_gate,
  ffn_gate_bias,
  ffn_up,
  ffn_up_bias,
  ffn_down,
  ffn_down_bias,
  post_attn_norm,  // gemma2/3
  post_ffn_norm,   // gemma2/3
  count
};

inline constexpr bool is_layer_role(tensor_role r) noexcept {
  return static_cast<int>(r) >= static_cast<int>(tensor_role::attn_norm);
}

// llama.cpp's GGUF name of a tensor without its "blk.N." prefix.
inline std::string_view gguf_base_name(tensor_role r) noexcept {
  using R = tensor_role;
  switch (r) {
    case R::token_embd:
      return "token_embd.weight";
    case R::position_embd:
      return "position_embd.weight";
    case R::output_norm:
      return "output_norm.weight";
    case R::output_norm_bias:
      return "output_norm.bias";
    case R::output:
      return "output.weight";
    case R::rope_freqs:
      return "rope_freqs.weight";
    case R::rope_factors_long:
      return "rope_factors_long.weight";
    case R::rope_factors_short:
      return "rope_factors_short.weight";
    case R::attn_norm:
      return "attn_norm.weight";
    case R::attn_norm_bias:
      return "attn_norm.bias";
    case R::attn_q:
      return "attn_q.weight";
    case R::attn_q_bias:
      return "attn_q.bias";
    case R::attn_k:
      return "attn_k.weight";
    case R::attn_k_bias:
      return "attn_k.bias";
    case R::attn_v:
      return "attn_v.weight";
    case R::attn_v_bias:
      return "attn_v.bias";
    case R::attn_qkv:
      return "attn_qkv.weight";
    case R::attn_qkv_bias:
      return "attn_qkv.bias";
    case R::attn_output:
      return "attn_output.weight";
    case R::attn_output_bias:
      return "attn_output.bias";
    case R::attn_q_norm:
      return "attn_q_norm.weight";
    case R::attn_k_norm:
      return "attn_k_norm.weight";
    case R::ffn_norm:
      return "ffn_norm.weight";
    case R::ffn_norm_bias:
      return "ffn_norm.bias";
    case R::ffn_gate:
      return "ffn_gate.weight";
    case R::ffn_gate_bias:
      return "ffn_gate.bias";
    case R::ffn_up:
      return "ffn_up.weight";
    case R::ffn_up_bias:
      return "ffn_up.bias";
    case R::ffn_down:
      return "ffn_down.weight";
    case R::ffn_down_bias:
      return "ffn_down.bias";
    case R::post_attn_norm:
      return "post_attention_norm.weight";
    case R::post_ffn_norm:
      return "post_ffw_norm.weight";
    case R::count:
      break;
  }
  return "";
}

// llama.cpp's GGUF name of a tensor (layer ignored for global tensors). phi3's fused [gate; up]
// rows are its `ffn_up` (shape [2·ffn, hidden]).
inline std::string gguf_tensor_name(tensor_role r, std::int64_t layer = 0) {
  const std::string_view n = gguf_base_name(r);
  if (!is_layer_role(r)) return std::string(n);
  return "blk." + std::to_string(layer) + "." + std::string(n);
}

// How a checkpoint family names its tensors in Hugging Face safetensors.
//  llama: model.layers.N.{self_attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj, input_layernorm,
//         post_attention_layernorm (= the pre-MLP norm)}; phi3 fuses qkv_proj and gate_up_proj.
//  gemma: llama names, but post_attention_layernorm is the norm *after* attention and the MLP has
//         pre_feedforward_layernorm / post_feedforward_layernorm.
//  gpt2:  transformer.h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj}.
enum class hf_naming { llama, gemma, gpt2 };

struct architecture_info {
  std::string_view name;  // GGUF general.architecture; HF model_type
  hf_naming naming;
  norm_kind norm;
  activation_kind activation;
  mlp_kind mlp;
  position_kind positions;
  bool qkv_bias;          // always present (qwen2, gpt2)
  bool o_bias;            // always present (gpt2)
  bool mlp_bias;          // always present (gpt2)
  bool qk_norm;           // qwen3, gemma3
  bool fused_qkv;         // one attn_qkv tensor instead of attn_q/k/v (gpt2, phi3)
  bool fused_gate_up;     // one [gate; up] tensor (phi3: HF gate_up_proj, GGUF ffn_up [2F, H])
  bool conv1d;            // HF stores linear weights [in, out] (GPT-2's Conv1D): transpose on load
  bool default_tied;      // transformers' default tie_word_embeddings for this model_type
  rope_layout gguf_rope;  // RoPE layout of this architecture's GGUF Q/K rows
  // Gemma: embeddings × √hidden, norms after attention and MLP too, and HF RMSNorm weights stored
  // as w − 1 (scaled by 1 + w; llama.cpp's converter adds the 1, so GGUF norms are plain).
  bool gemma;
};

// The table of supported architectures (mistral is `llama` with a sliding window, as in
// llama.cpp; gemma3 is the text model, HF model_type gemma3_text).
inline const std::array<architecture_info, 7>& architectures() {
  using N = norm_kind;
  using A = activation_kind;
  using M = mlp_kind;
  using P = position_kind;
  constexpr auto I = rope_layout::interleaved, S = rope_layout::half_split;
  static const std::array<architecture_info, 7> table = {{
      // name   naming  norm  act  mlp  pos  qkvb  ob  mlpb  qkn  fqkv  fgu conv1d tied rope gemma
      {"llama", hf_naming::llama, N::rms, A::silu, M::gated, P::rope, false, false, false, false,
       false, false, false, false, I, false},
      {"qwen2", hf_naming::llama, N::rms, A::silu, M::gated, P::rope, true, false, false, false,
       false, false, false, false, S, false},
      {"qwen3", hf_naming::llama, N::rms, A::silu, M::gated, P::rope, false, false, false, true,
       false, false, false, false, S, false},
      {"gpt2", hf_naming::gpt2, N::layer, A::gelu_tanh, M::plain, P::learned, true, true, true,
       false, true, false, true, true, S, false},
      {"phi3", hf_naming::llama, N::rms, A::silu, M::gated, P::rope, false, false, false, false,
       true, true, false, false, S, false},
      {"gemma2", hf_naming::gemma, N::rms, A::gelu_tanh, M::gated, P::rope, false, false, false,
       false, false, false, false, true, S, true},
      {"gemma3", hf_naming::gemma, N::rms, A::gelu_tanh, M::gated, P::rope, false, false, false,
       true, false, false, false, true, S, true},
  }};
  return table;
}

inline std::string supported_architectures_list() {
  std::string s;
  for (const auto& a : architectures()) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

inline const architecture_info* find_architecture(std::string_view name) noexcept {
  for (const auto& a : architectures())
    if (a.name == name) return &a;
  return nullptr;
}

// The architecture named `name`, or unsupported_error naming the file and listing what is known.
inline const architecture_info& architecture_or_throw(std::string_view name,
                                                      const std::string& source) {
  if (const auto* a = find_architecture(name)) return *a;
  throw unsupported_error(source + ": architecture '" + std::string(name) +
                          "' is not supported (supported: " + supported_architectures_list() + ")");
}

// The Hugging Face name of a tensor; nullopt when the family has no such tensor (GGUF-only ones
// such as rope_freqs, which HF computes from config.json). `prefix` is "model." for llama-like
// checkpoints and "transformer." or "" for GPT-2 (openai-community/gpt2 has no prefix).
inline std::optional<std::string> hf_tensor_name(const architecture_info& arch, tensor_role r,
                                                 std::int64_t layer, std::string_view prefix) {
  const std::string p(prefix);
  const std::string l = std::to_string(layer);
  using R = tensor_role;
  if (arch.naming != hf_naming::gpt2) {
    const std::string b = p + "layers." + l + ".";
    if (arch.naming == hf_naming::gemma) switch (r) {
        case R::post_attn_norm:
          return b + "post_attention_layernorm.weight";
        case R::ffn_norm:
          return b + "pre_feedforward_layernorm.weight";
        case R::post_ffn_norm:
          return b + "post_feedforward_layernorm.weight";
        default:
          break;
      }
    switch (r) {
      case R::token_embd:
        return p + "embed_tokens.weight";
      case R::output_norm:
        return p + "norm.weight";
      case R::output:
        return std::string("lm_head.weight");
      case R::attn_norm:
        return b + "input_layernorm.weight";
      case R::attn_q:
        return b + "self_attn.q_proj.weight";
      case R::attn_q_bias:
        return b + "self_attn.q_proj.bias";
      case R::attn_k:
        return b + "self_attn.k_proj.weight";
      case R::attn_k_bias:
        return b + "self_attn.k_proj.bias";
      case R::attn_v:
        return b + "self_attn.v_proj.weight";
      case R::attn_v_bias:
        return b + "self_attn.v_proj.bias";
      case R::attn_qkv:
        return b + "self_attn.qkv_proj.weight";
      case R::attn_qkv_bias:
        return b + "self_attn.qkv_proj.bias";
      case R::attn_output:
        return b + "self_attn.o_proj.weight";
      case R::attn_output_bias:
        return b + "self_attn.o_proj.bias";
      case R::attn_q_norm:
        return b + "self_attn.q_norm.weight";
      case R::attn_k_norm:
        return b + "self_attn.k_norm.weight";
      case R::ffn_norm:
        return b + "post_attention_layernorm.weight";
      case R::ffn_gate:
        return b + "mlp.gate_proj.weight";
      case R::ffn_gate_bias:
        return b + "mlp.gate_proj.bias";
      case R::ffn_up:  // phi3: the fused [gate; up] rows
        return b + (arch.fused_gate_up ? "mlp.gate_up_proj.weight" : "mlp.up_proj.weight");
      case R::ffn_up_bias:
        return b + (arch.fused_gate_up ? "mlp.gate_up_proj.bias" : "mlp.up_proj.bias");
      case R::ffn_down:
        return b + "mlp.down_proj.weight";
      case R::ffn_down_bias:
        return b + "mlp.down_proj.bias";
      default:
        return std::nullopt;
    }
  }
  const std::string b = p + "h." + l + ".";
  switch (r) {
    case R::token_embd:
      return p + "wte.weight";
    case R::position_embd:
      return p + "wpe.weight";
    case R::output_norm:
      return p + "ln_f.weight";
    case R::output_norm_bias:
      return p + "ln_f.bias";
    case R::output:
      return std::string("lm_head.weight");
    case R::attn_norm:
      return b + "ln_1.weight";
    case R::attn_norm_bias:
      return b + "ln_1.bias";
    case R::attn_qkv:
      return b + "attn.c_attn.weight";
    case R::attn_qkv_bias:
      return b + "attn.c_attn.bias";
    case R::attn_output:
      return b + "attn.c_proj.weight";
    case R::attn_output_bias:
      return b + "attn.c_proj.bias";
    case R::ffn_norm:
      return b + "ln_2.weight";
    case R::ffn_norm_bias:
      return b + "ln_2.bias";
    case R::ffn_up:
      return b + "mlp.c_fc.weight";
    case R::ffn_up_bias:
      return b + "mlp.c_fc.bias";
    case R::ffn_down:
      return b + "mlp.c_proj.weight";
    case R::ffn_down_bias:
      return b + "mlp.c_proj.bias";
    default:
      return std::nullopt;
  }
}

// Whether an HF tensor is stored transposed ([in, out], GPT-2 Conv1D) relative to GGUF/our [out,
// in].
inline bool hf_is_transposed(const architecture_info& arch, tensor_role r) noexcept {
  if (!arch.conv1d) return false;
  return r == tensor_role::attn_qkv || r == tensor_role::attn_output || r == tensor_role::ffn_up ||
         r == tensor_role::ffn_down;
}

}  // namespace flipside
