// Writing models as GGUF with llama.cpp's conventions (its convert_hf_to_gguf.py is the reference
// for names, keys and layouts):
//  - metadata keys `<arch>.block_count`, `<arch>.attention.head_count_kv`, … (set_gguf_metadata);
//  - tensor names from architecture.hpp, in tensor_plan order; 1-D tensors always f32;
//  - `llama`: the Q/K rows of each head permuted from HF's half-split RoPE layout to adjacent
//    pairs (biases too, K with n_kv_heads) — permute_rows_for_interleaved_rope;
//  - GPT-2: Conv1D [in, out] weights transposed to [out, in];
//  - llama3 rope scaling stored as the `rope_freqs.weight` divisors; tied output not written;
//  - gemma: norm weights stored as 1 + w (HF keeps w and scales by 1 + w);
//  - phi3 longrope: `rope_factors_long/short.weight`, `rope.scaling.attn_factor`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/io/gguf_writer.hpp>
#include <flipside/io/safetensors_file.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/hf_config.hpp>
#include <flipside/model/rope_frequencies.hpp>
#include <flipside/model/tensor_plan.hpp>
#include <flipside/simd/half.hpp>

namespace flipside {

// llama.cpp's general.file_type (enum llama_ftype) of a file whose matrices are all of type t.
inline std::uint32_t gguf_file_type(dtype t) {
  switch (t) {
    case dtype::f32:
      return 0;
    case dtype::f16:
      return 1;
    case dtype::bf16:
      return 32;
    case dtype::q4_0:  // llama.cpp's LLAMA_FTYPE_MOSTLY_* numbers (llama.h)
      return 2;
    case dtype::q4_1:
      return 3;
    case dtype::q8_0:
      return 7;
    case dtype::q5_0:
      return 8;
    case dtype::q5_1:
      return 9;
    default:
      throw unsupported_error("gguf export: matrices of type " + dtype_name(t));
  }
}

inline void set_gguf_metadata(gguf_writer& w, const model_config& c, dtype matrix_type) {
  const std::string a = c.architecture;
  auto u32 = [](std::int64_t v) { return static_cast<std::uint32_t>(v); };
  w.set("general.architecture", a);
  w.set("general.type", std::string("model"));
  w.set("general.name", c.name.empty() ? a : c.name);
  if (c.max_positions > 0) w.set(a + ".context_length", u32(c.max_positions));
  w.set(a + ".embedding_length", u32(c.hidden_size));
  w.set(a + ".block_count", u32(c.n_layers));
  w.set(a + ".feed_forward_length", u32(c.ffn_size));
  w.set(a + ".attention.head_count", u32(c.n_heads));
  if (c.architecture != "gpt2") w.set(a + ".attention.head_count_kv", u32(c.n_kv_heads));
  if (c.positions == position_kind::rope)
    w.set(a + ".rope.freq_base", static_cast<float>(c.rope.theta));
  if (c.norm == norm_kind::rms)
    w.set(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(c.norm_eps));
  else
    w.set(a + ".attention.layer_norm_epsilon", static_cast<float>(c.norm_eps));
  if (c.head_dim * c.n_heads != c.hidden_size || c.architecture == "llama" ||
      c.architecture == "qwen3") {
    w.set(a + ".attention.key_length", u32(c.head_dim));
    w.set(a + ".attention.value_length", u32(c.head_dim));
  }
  w.set("general.file_type", gguf_file_type(matrix_type));
  w.set(a + ".vocab_size", u32(c.vocab_size));
  if (c.positions == position_kind::rope) {
    w.set(a + ".rope.dimension_count", u32(c.rope.rotary_dim));
    if (c.rope.scaling == rope_scaling_kind::linear) {
      w.set(a + ".rope.scaling.type", std::string("linear"));
      w.set(a + ".rope.scaling.factor", static_cast<float>(c.rope.factor));
    }
    if (c.rope.scaling == rope_scaling_kind::longrope) {
      w.set(a + ".rope.scaling.attn_factor", static_cast<float>(c.rope.attention_factor));
      w.set(a + ".rope.scaling.original_context_length", u32(c.rope.original_max_positions));
    }
    if (c.architecture == "gemma3")
      w.set(a + ".rope.freq_base_swa", static_cast<float>(c.rope_local.theta));
  }
  // Sliding window: one size (gemma's layer pattern is implied by the architecture).
  for (const auto& l : c.layers)
    if (l.sliding_window > 0) {
      w.set(a + ".attention.sliding_window", u32(l.sliding_window));
      break;
    }
  if (c.attn_softcap > 0) w.set(a + ".attn_logit_softcapping", static_cast<float>(c.attn_softcap));
  if (c.final_softcap > 0)
    w.set(a + ".final_logit_softcapping", static_cast<float>(c.final_softcap));
  if (c.attn_scale > 0) w.set(a + ".attention.scale", static_cast<float>(c.attn_scale));
  // No vocabulary: ids are fed directly (llama.cpp accepts this with vocab_only off).
  w.set("tokenizer.ggml.model", std::string("none"));
}

// HF's half-split rotary layout → adjacent pairs: within each of n_heads blocks of `head_rows`
// rows, row s·(head_rows/2) + i moves to 2i + s (llama.cpp's `permute`). `row_bytes` per row.
inline std::vector<std::byte> permute_rows_for_interleaved_rope(const std::byte* src,
                                                                std::size_t n_heads,
                                                                std::size_t head_rows,
                                                                std::size_t row_bytes) {
  std::vector<std::byte> out(n_heads * head_rows * row_bytes);
  const std::size_t half = head_rows / 2;
  for (std::size_t h = 0; h < n_heads; ++h)
    for (std::size_t s = 0; s < 2; ++s)
      for (std::size_t i = 0; i < half; ++i)
        std::memcpy(out.data() + (h * head_rows + 2 * i + s) * row_bytes,
                    src + (h * head_rows + s * half + i) * row_bytes, row_bytes);
  return out;
}

namespace detail {

inline float load_element(const std::byte* p, dtype t) {
  switch (t) {
    case dtype::f32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case dtype::f16:
    case dtype::bf16: {
      std::uint16_t b;
      std::memcpy(&b, p, 2);
      return t == dtype::f16 ? simd::f16_to_f32(f16{b}) : simd::bf16_to_f32(bf16{b});
    }
    default:
      throw unsupported_error("element type " + dtype_name(t));
  }
}

inline void store_element(std::byte* p, dtype t, float v) {
  switch (t) {
    case dtype::f32:
      std::memcpy(p, &v, 4);
      break;
    case dtype::f16: {
      const std::uint16_t b = simd::f32_to_f16(v).bits;
      std::memcpy(p, &b, 2);
      break;
    }
    case dtype::bf16: {
      const std::uint16_t b = simd::f32_to_bf16(v).bits;
      std::memcpy(p, &b, 2);
      break;
    }
    default:
      throw unsupported_error("element type " + dtype_name(t));
  }
}

// n elements of type `from` → type `to` (exact when widening; round-to-nearest-even narrowing).
inline std::vector<std::byte> convert_elements(const std::byte* src, dtype from, dtype to,
                                               std::size_t n) {
  const std::size_t sf = traits_of(from)->block_bytes, st = traits_of(to)->block_bytes;
  std::vector<std::byte> out(n * st);
  if (from == to) {
    std::memcpy(out.data(), src, n * st);
    return out;
  }
  for (std::size_t i = 0; i < n; ++i)
    store_element(out.data() + i * st, to, load_element(src + i * sf, from));
  return out;
}

}  // namespace detail

// The values of the rope factor tensors of a config (llama3 → rope_freqs, longrope → long/short).
inline std::vector<float> gguf_rope_factors(const model_config& c, tensor_role r) {
  if (r == tensor_role::rope_factors_long) return c.rope.long_factors;
  if (r == tensor_role::rope_factors_short) return c.rope.short_factors;
  return c.rope.freq_factors.empty() ? llama3_rope_freq_factors(c.rope) : c.rope.freq_factors;
}

inline bool is_norm_role(tensor_role r) noexcept {
  using R = tensor_role;
  return r == R::output_norm || r == R::attn_norm || r == R::ffn_norm || r == R::post_attn_norm ||
         r == R::post_ffn_norm || r == R::attn_q_norm || r == R::attn_k_norm;
}

struct gguf_export_options {
  // Type of the 2-D weights in the output; nullopt keeps each tensor's own type. 1-D tensors
  // (norms, biases, rope_freqs) are always written as f32, like llama.cpp.
  std::optional<dtype> matrix_type;
};

// Converts a Hugging Face directory (config.json + safetensors) to a GGUF file at `out`.
inline void convert_hf_to_gguf(const std::filesystem::path& hf_dir,
                               const std::filesystem::path& out,
                               const gguf_export_options& opt = {}) {
  const model_config c = load_hf_config(hf_dir);
  const architecture_info& arch = architecture_or_throw(c.architecture, hf_dir.string());
  const safetensors_file st = safetensors_file::open(hf_dir);
  std::string prefix = "model.";
  if (arch.naming == hf_naming::gpt2)
    prefix = st.find_tensor("transformer.wte.weight") ? "transformer." : "";

  gguf_writer w;
  dtype file_type = opt.matrix_type.value_or(dtype::f32);
  if (!opt.matrix_type)
    if (const tensor_view* e =
            st.find_tensor(*hf_tensor_name(arch, tensor_role::token_embd, 0, prefix)))
      file_type = e->type;
  set_gguf_metadata(w, c, file_type);

  for (const planned_tensor& p : tensor_plan(c)) {
    const std::string gname = gguf_tensor_name(p.role, p.layer);
    if (p.role == tensor_role::rope_freqs || p.role == tensor_role::rope_factors_long ||
        p.role == tensor_role::rope_factors_short) {
      std::vector<float> f = gguf_rope_factors(c, p.role);
      std::vector<std::byte> bytes(f.size() * 4);
      std::memcpy(bytes.data(), f.data(), bytes.size());
      w.add_tensor(gname, dtype::f32, p.shape, std::move(bytes));
      continue;
    }
    const std::string hname = *hf_tensor_name(arch, p.role, p.layer, prefix);
    const tensor_view* t = st.find_tensor(hname);
    if (!t) throw format_error(hf_dir.string(), hname, "missing (needed for " + gname + ")");
    const bool transposed = hf_is_transposed(arch, p.role);
    std::vector<std::int64_t> want = p.shape;
    if (transposed) std::swap(want[0], want[1]);
    if (t->shape != want)
      throw format_error(hf_dir.string(), hname, "unexpected shape for this config");
    if (!traits_of(t->type) || traits_of(t->type)->block_size != 1)
      throw unsupported_error(hf_dir.string() + ": " + hname + ": type " + dtype_name(t->type));
    const std::size_t es = traits_of(t->type)->block_bytes;
    std::vector<std::byte> bytes(t->data, t->data + t->nbytes);
    const std::size_t rows = static_cast<std::size_t>(p.shape[0]);
    const std::size_t cols = p.matrix() ? static_cast<std::size_t>(p.shape[1]) : 1;
    if (transposed) {
      std::vector<std::byte> tr(bytes.size());
      for (std::size_t i = 0; i < cols; ++i)  // source [cols][rows]
        for (std::size_t j = 0; j < rows; ++j)
          std::memcpy(tr.data() + (j * cols + i) * es, bytes.data() + (i * rows + j) * es, es);
      bytes.swap(tr);
    }
    if (c.rope.layout == rope_layout::half_split && arch.gguf_rope == rope_layout::interleaved) {
      using R = tensor_role;
      const bool q = p.role == R::attn_q || p.role == R::attn_q_bias;
      const bool k = p.role == R::attn_k || p.role == R::attn_k_bias;
      if (q || k)
        bytes = permute_rows_for_interleaved_rope(
            bytes.data(), static_cast<std::size_t>(q ? c.n_heads : c.n_kv_heads),
            static_cast<std::size_t>(c.head_dim), cols * es);
    }
    const dtype to = p.matrix() ? opt.matrix_type.value_or(t->type) : dtype::f32;
    bytes = detail::convert_elements(bytes.data(), t->type, to, rows * cols);
    if (c.norm_plus_one && is_norm_role(p.role)) {  // gemma: GGUF stores 1 + w
      for (std::size_t i = 0; i < rows; ++i) {
        float v;
        std::memcpy(&v, bytes.data() + 4 * i, 4);
        v += 1.0f;
        std::memcpy(bytes.data() + 4 * i, &v, 4);
      }
    }
    w.add_tensor(gname, to, p.shape, std::move(bytes));
  }
  w.write(out);
}

}  // namespace flipside
