// The weights of a model, bound by role (architecture.hpp) from a GGUF file or an HF checkpoint.
//
// Matrices stay where they are — inside the memory-mapped file — when their type has kernels
// (f32, f16, bf16) and their data is aligned for it; otherwise (GPT-2's Conv1D [in, out] weights,
// which are transposed once, or misaligned safetensors data) the model owns a copy. Norm weights
// and biases are small and always converted to f32. Every tensor's shape is checked against the
// config, and all missing tensors are reported together, by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/weight_kernels.hpp>
#include <flipside/simd/half.hpp>

namespace flipside {

struct layer_weights {
  std::vector<float> attn_norm, attn_norm_bias;
  matrix_weight q, k, v, o;
  std::vector<float> q_bias, k_bias, v_bias, o_bias;
  std::vector<float> q_norm, k_norm;  // [head_dim], shared by all heads
  std::vector<float> post_attn_norm;  // gemma2/3: norm of the attention output
  std::vector<float> ffn_norm, ffn_norm_bias;
  std::vector<float> post_ffn_norm;  // gemma2/3: norm of the MLP output
  matrix_weight gate, up, down;
  std::vector<float> gate_bias, up_bias, down_bias;
};

struct model_weights {
  matrix_weight token_embd;     // [vocab][hidden]
  matrix_weight position_embd;  // [max_positions][hidden] (learned positions)
  matrix_weight output;         // [vocab][hidden]; token_embd when tied
  std::vector<float> output_norm, output_norm_bias;
  std::vector<layer_weights> layers;
  std::vector<std::vector<std::byte>> owned;  // buffers some matrices point into

  // Bytes of the matrices a decode step reads (every layer matrix + the output projection).
  std::size_t matrix_bytes() const {
    std::size_t n = output.nbytes();
    for (const auto& l : layers)
      for (const matrix_weight* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
        if (*m) n += m->nbytes();
    return n;
  }
};

// Where tensors come from: a lookup by name into the mapped file(s), and how this checkpoint names
// its tensors (GGUF names, or HF names with a prefix).
struct weight_source {
  std::string file;  // for messages
  std::function<const tensor_view*(const std::string&)> find;
  bool hf = false;
  std::string hf_prefix;                       // "model.", "transformer." or ""
  quant_matmul quant = quant_matmul::by_rows;  // how quantized matrices compute
};

namespace detail {

class weight_binder {
 public:
  weight_binder(const model_config& c, const architecture_info& a, const weight_source& s,
                model_weights& w)
      : cfg_(c), arch_(a), src_(s), w_(w) {}

  std::string name_of(tensor_role r, std::int64_t layer) const {
    if (!src_.hf) return gguf_tensor_name(r, layer);
    auto n = hf_tensor_name(arch_, r, layer, src_.hf_prefix);
    return n ? *n : gguf_tensor_name(r, layer);
  }

  const tensor_view* lookup(tensor_role r, std::int64_t layer, bool required) {
    const std::string name = name_of(r, layer);
    const tensor_view* t = src_.find(name);
    if (!t && required) missing_.push_back(name);
    return t;
  }

  matrix_weight matrix(tensor_role r, std::int64_t layer, std::int64_t rows, std::int64_t cols,
                       bool required = true) {
    const tensor_view* t = lookup(r, layer, required);
    if (!t) return {};
    const bool transposed = src_.hf && hf_is_transposed(arch_, r);
    const std::int64_t want0 = transposed ? cols : rows, want1 = transposed ? rows : cols;
    if (t->shape.size() != 2 || t->shape[0] != want0 || t->shape[1] != want1)
      throw format_error(src_.file, t->name,
                         "shape " + shape_string(t->shape) + ", expected " +
                             shape_string({want0, want1}) + " for this " + cfg_.architecture +
                             " config");
    const weight_kernels* k = kernels_for(t->type, src_.quant);
    if (!k)
      throw unsupported_error(src_.file + ": " + t->name + ": weight type " + dtype_name(t->type) +
                              " is not supported (supported: f32 f16 bf16 q4_0 q4_1 q5_0 q5_1 "
                              "q8_0 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs)");
    if (quant::is_block_type(t->type)) {
      if (transposed)
        throw unsupported_error(src_.file + ": " + t->name + ": a transposed " +
                                dtype_name(t->type) + " weight is not supported");
      try {
        quant::check_weight(*t);  // whole blocks per row, byte size = rows × row bytes
      } catch (const error& e) {
        throw format_error(src_.file, t->name, e.what());
      }
    }
    matrix_weight m;
    m.name = t->name;
    m.type = t->type;
    m.rows = rows;
    m.cols = cols;
    m.kernels = k;
    m.row_bytes = t->nbytes / static_cast<std::size_t>(rows);
    const std::size_t align = alignment_for(t->type);
    if (transposed) {
      m.data = transpose(*t, static_cast<std::size_t>(want0), static_cast<std::size_t>(want1));
    } else if (reinterpret_cast<std::uintptr_t>(t->data) % align != 0) {
      auto& buf = w_.owned.emplace_back(t->data, t->data + t->nbytes);
      m.data = buf.data();
    } else {
      m.data = t->data;
    }
    return m;
  }

  std::vector<float> vector(tensor_role r, std::int64_t layer, std::int64_t n,
                            bool required = true) {
    const tensor_view* t = lookup(r, layer, required);
    if (!t) return {};
    if (t->shape.size() != 1 || t->shape[0] != n)
      throw format_error(
          src_.file, t->name,
          "shape " + shape_string(t->shape) + ", expected [" + std::to_string(n) + "]");
    std::vector<float> out(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = element(*t, i);
    return out;
  }

  // All missing tensors at once, so a user sees the whole list of what was expected.
  void throw_if_missing() const {
    if (missing_.empty()) return;
    std::string list;
    for (const auto& n : missing_) list += (list.empty() ? "" : ", ") + n;
    throw format_error(src_.file, "tensors",
                       std::to_string(missing_.size()) + " tensor(s) expected for architecture " +
                           cfg_.architecture + " are missing: " + list);
  }

 private:
  static std::string shape_string(const std::vector<std::int64_t>& s) {
    std::string r = "[";
    for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
  }

  float element(const tensor_view& t, std::size_t i) const {
    switch (t.type) {
      case dtype::f32: {
        float f;
        std::memcpy(&f, t.data + 4 * i, 4);
        return f;
      }
      case dtype::f16:
      case dtype::bf16: {
        std::uint16_t b;
        std::memcpy(&b, t.data + 2 * i, 2);
        return t.type == dtype::f16 ? simd::f16_to_f32(f16{b}) : simd::bf16_to_f32(bf16{b});
      }
      default:
        throw unsupported_error(src_.file + ": " + t.name + ": type " + dtype_name(t.type) +
                                " is not supported for norm weights and biases (f32, f16, bf16)");
    }
  }

  // [d0][d1] → owned [d1][d0], element by element (GPT-2 Conv1D weights, loaded once).
  const std::byte* transpose(const tensor_view& t, std::size_t d0, std::size_t d1) {
    const std::size_t es = t.nbytes / (d0 * d1);
    auto& buf = w_.owned.emplace_back(t.nbytes);
    for (std::size_t i = 0; i < d0; ++i)
      for (std::size_t j = 0; j < d1; ++j)
        std::memcpy(buf.data() + (j * d0 + i) * es, t.data + (i * d1 + j) * es, es);
    return buf.data();
  }

  const model_config& cfg_;
  const architecture_info& arch_;
  const weight_source& src_;
  model_weights& w_;
  std::vector<std::string> missing_;
};

}  // namespace detail

// Binds every tensor the config needs. Throws format_error (missing tensors, wrong shapes) or
// unsupported_error (a weight type without kernels), naming the file and tensor.
inline model_weights bind_weights(const model_config& c, const weight_source& src) {
  const architecture_info& arch = architecture_or_throw(c.architecture, src.file);
  model_weights w;
  detail::weight_binder b(c, arch, src, w);
  using R = tensor_role;
  const std::int64_t H = c.hidden_size, V = c.vocab_size, F = c.ffn_size;
  const std::int64_t QD = c.q_dim(), KD = c.kv_dim(), D = c.head_dim;
  const bool layer_norm = c.norm == norm_kind::layer;

  w.token_embd = b.matrix(R::token_embd, 0, V, H);
  if (c.positions == position_kind::learned)
    w.position_embd = b.matrix(R::position_embd, 0, c.max_positions, H);
  w.output_norm = b.vector(R::output_norm, 0, H);
  if (layer_norm) w.output_norm_bias = b.vector(R::output_norm_bias, 0, H);
  if (!c.tied_embeddings) w.output = b.matrix(R::output, 0, V, H);

  w.layers.resize(static_cast<std::size_t>(c.n_layers));
  for (std::int64_t i = 0; i < c.n_layers; ++i) {
    auto& l = w.layers[static_cast<std::size_t>(i)];
    l.attn_norm = b.vector(R::attn_norm, i, H);
    if (layer_norm) l.attn_norm_bias = b.vector(R::attn_norm_bias, i, H);
    if (arch.fused_qkv) {
      const matrix_weight qkv = b.matrix(R::attn_qkv, i, QD + 2 * KD, H);
      if (qkv) {
        l.q = qkv.row_range(0, QD, qkv.name + "[q]");
        l.k = qkv.row_range(QD, QD + KD, qkv.name + "[k]");
        l.v = qkv.row_range(QD + KD, QD + 2 * KD, qkv.name + "[v]");
      }
      if (c.qkv_bias) {
        const auto bias = b.vector(R::attn_qkv_bias, i, QD + 2 * KD);
        if (!bias.empty()) {
          l.q_bias.assign(bias.begin(), bias.begin() + QD);
          l.k_bias.assign(bias.begin() + QD, bias.begin() + QD + KD);
          l.v_bias.assign(bias.begin() + QD + KD, bias.end());
        }
      }
    } else {
      l.q = b.matrix(R::attn_q, i, QD, H);
      l.k = b.matrix(R::attn_k, i, KD, H);
      l.v = b.matrix(R::attn_v, i, KD, H);
      if (c.qkv_bias) {
        l.q_bias = b.vector(R::attn_q_bias, i, QD);
        l.k_bias = b.vector(R::attn_k_bias, i, KD);
        l.v_bias = b.vector(R::attn_v_bias, i, KD);
      }
    }
    l.o = b.matrix(R::attn_output, i, H, QD);
    if (c.o_bias) l.o_bias = b.vector(R::attn_output_bias, i, H);
    if (c.qk_norm) {
      l.q_norm = b.vector(R::attn_q_norm, i, D);
      l.k_norm = b.vector(R::attn_k_norm, i, D);
    }
    if (c.post_norms) l.post_attn_norm = b.vector(R::post_attn_norm, i, H);
    l.ffn_norm = b.vector(R::ffn_norm, i, H);
    if (layer_norm) l.ffn_norm_bias = b.vector(R::ffn_norm_bias, i, H);
    if (c.mlp == mlp_kind::gated && arch.fused_gate_up) {  // phi3: [gate; up] rows
      const matrix_weight gu = b.matrix(R::ffn_up, i, 2 * F, H);
      if (gu) {
        l.gate = gu.row_range(0, F, gu.name + "[gate]");
        l.up = gu.row_range(F, 2 * F, gu.name + "[up]");
      }
      if (c.mlp_bias) {
        const auto bias = b.vector(R::ffn_up_bias, i, 2 * F);
        if (!bias.empty()) {
          l.gate_bias.assign(bias.begin(), bias.begin() + F);
          l.up_bias.assign(bias.begin() + F, bias.end());
        }
      }
    } else {
      if (c.mlp == mlp_kind::gated) l.gate = b.matrix(R::ffn_gate, i, F, H);
      l.up = b.matrix(R::ffn_up, i, F, H);
      if (c.mlp_bias) {
        if (c.mlp == mlp_kind::gated) l.gate_bias = b.vector(R::ffn_gate_bias, i, F);
        l.up_bias = b.vector(R::ffn_up_bias, i, F);
      }
    }
    l.down = b.matrix(R::ffn_down, i, H, F);
    if (c.mlp_bias) l.down_bias = b.vector(R::ffn_down_bias, i, H);
    if (c.post_norms) l.post_ffn_norm = b.vector(R::post_ffn_norm, i, H);
  }
  b.throw_if_missing();
  if (c.tied_embeddings) w.output = w.token_embd;
  return w;
}

}  // namespace flipside
