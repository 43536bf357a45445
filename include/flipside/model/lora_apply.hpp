// Applying a loaded LoRA adapter to a model's weights, either
//  - merged at load: W' = W + scale · s · B·A, written as a new f32 matrix (the base may be of any
//    type with a row kernel: f32, f16, bf16, quantized) — no run-time cost, fixed strength; or
//  - unmerged: per-layer lora_delta lists the forward pass applies with an adjustable strength
//    (lora_delta.hpp).
// Fused base tensors (phi3's qkv and gate_up, GPT-2's c_attn) are split by rows of B. A PEFT
// adapter on a `llama` GGUF base gets its Q/K rows of B permuted like the base's (llama.cpp's
// interleaved-rope permutation), and a GGUF adapter on an HF llama base the inverse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/lora_adapter.hpp>
#include <flipside/model/lora_delta.hpp>
#include <flipside/model/weights.hpp>

namespace flipside {

namespace detail {

struct lora_part {
  lora_slot slot;
  std::int64_t row0, row1;  // rows of B
};

inline std::vector<lora_part> lora_parts(const model_config& c, const architecture_info& arch,
                                         tensor_role r) {
  const std::int64_t H = c.hidden_size, F = c.ffn_size, QD = c.q_dim(), KD = c.kv_dim();
  using R = tensor_role;
  using S = lora_slot;
  switch (r) {
    case R::attn_q:
      return {{S::q, 0, QD}};
    case R::attn_k:
      return {{S::k, 0, KD}};
    case R::attn_v:
      return {{S::v, 0, KD}};
    case R::attn_qkv:
      return {{S::q, 0, QD}, {S::k, QD, QD + KD}, {S::v, QD + KD, QD + 2 * KD}};
    case R::attn_output:
      return {{S::o, 0, H}};
    case R::ffn_gate:
      return {{S::gate, 0, F}};
    case R::ffn_up:
      if (arch.fused_gate_up) return {{S::gate, 0, F}, {S::up, F, 2 * F}};
      return {{S::up, 0, F}};
    case R::ffn_down:
      return {{S::down, 0, H}};
    default:
      throw argument_error("lora: tensor role without a matrix slot");
  }
}

inline matrix_weight& slot_matrix(layer_weights& L, lora_slot s) {
  switch (s) {
    case lora_slot::q:
      return L.q;
    case lora_slot::k:
      return L.k;
    case lora_slot::v:
      return L.v;
    case lora_slot::o:
      return L.o;
    case lora_slot::gate:
      return L.gate;
    case lora_slot::up:
      return L.up;
    default:
      return L.down;
  }
}

// B rows [out, rank] of one slot: rows of each head between HF's half-split order and llama.cpp's
// interleaved one (to_interleaved: row s·d/2 + i → 2i + s; otherwise the inverse).
inline std::vector<float> permute_head_rows(const float* b, std::size_t n_heads,
                                            std::size_t head_rows, std::size_t rank,
                                            bool to_interleaved) {
  std::vector<float> out(n_heads * head_rows * rank);
  const std::size_t half = head_rows / 2;
  for (std::size_t h = 0; h < n_heads; ++h)
    for (std::size_t s = 0; s < 2; ++s)
      for (std::size_t i = 0; i < half; ++i) {
        const std::size_t split = h * head_rows + s * half + i, inter = h * head_rows + 2 * i + s;
        std::memcpy(out.data() + (to_interleaved ? inter : split) * rank,
                    b + (to_interleaved ? split : inter) * rank, rank * sizeof(float));
      }
  return out;
}

// One slot's B rows, × factor, in the base's row order.
inline std::vector<float> slot_b(const model_config& c, const architecture_info& arch,
                                 const lora_adapter& ad, const lora_pair& p, const lora_part& part,
                                 double factor) {
  const auto rank = static_cast<std::size_t>(p.rank);
  std::vector<float> b(p.b.begin() + part.row0 * p.rank, p.b.begin() + part.row1 * p.rank);
  const bool q = part.slot == lora_slot::q, k = part.slot == lora_slot::k;
  if (arch.gguf_rope == rope_layout::interleaved && (q || k)) {
    const bool base_interleaved = c.rope.layout == rope_layout::interleaved;
    if (base_interleaved != ad.gguf_layout)
      b = permute_head_rows(b.data(), static_cast<std::size_t>(q ? c.n_heads : c.n_kv_heads),
                            static_cast<std::size_t>(c.head_dim), rank, base_interleaved);
  }
  for (float& x : b) x = static_cast<float>(x * factor);
  return b;
}

inline std::string slot_name(lora_slot s) {
  static const char* names[] = {"q", "k", "v", "o", "gate", "up", "down"};
  return names[static_cast<int>(s)];
}

}  // namespace detail

// Unmerged deltas of `ad` at strength `scale` (× the adapter's own scaling), appended to `layers`
// (resized to the model's layer count).
inline void add_lora_deltas(std::vector<lora_layer>& layers, const model_config& c,
                            const lora_adapter& ad, double scale) {
  const architecture_info& arch = architecture_or_throw(c.architecture, ad.file);
  layers.resize(static_cast<std::size_t>(c.n_layers));
  for (const lora_pair& p : ad.pairs)
    for (const detail::lora_part& part : detail::lora_parts(c, arch, p.role)) {
      std::vector<float> b = detail::slot_b(c, arch, ad, p, part, p.scaling * scale);
      auto storage = std::make_shared<std::vector<float>>(p.a);
      storage->insert(storage->end(), b.begin(), b.end());
      lora_delta d;
      d.a = f32_matrix(storage->data(), p.rank, p.in, p.name);
      d.b = f32_matrix(storage->data() + p.a.size(), part.row1 - part.row0, p.rank,
                       p.name + "[B " + detail::slot_name(part.slot) + "]");
      d.storage = std::move(storage);
      layers[static_cast<std::size_t>(p.layer)][part.slot].push_back(std::move(d));
    }
}

// W ← W + scale · s · B·A for every matrix the adapter changes; the new matrices are f32, owned by
// `w`. The base matrices must have a row kernel (every supported weight type does).
inline void merge_lora(model_weights& w, const model_config& c, const lora_adapter& ad,
                       double scale) {
  const architecture_info& arch = architecture_or_throw(c.architecture, ad.file);
  for (const lora_pair& p : ad.pairs)
    for (const detail::lora_part& part : detail::lora_parts(c, arch, p.role)) {
      layer_weights& L = w.layers.at(static_cast<std::size_t>(p.layer));
      matrix_weight& W = detail::slot_matrix(L, part.slot);
      if (!W) throw format_error(ad.file, p.name, "the base model has no such matrix");
      const std::vector<float> b = detail::slot_b(c, arch, ad, p, part, p.scaling * scale);
      const auto rows = static_cast<std::size_t>(W.rows), cols = static_cast<std::size_t>(W.cols);
      const auto rank = static_cast<std::size_t>(p.rank);
      auto& buf = w.owned.emplace_back(rows * cols * sizeof(float));
      float* out = reinterpret_cast<float*>(buf.data());
      for (std::size_t r = 0; r < rows; ++r) {
        float* o = out + r * cols;
        W.row(static_cast<std::int64_t>(r), o);
        for (std::size_t k = 0; k < rank; ++k) {
          const float bk = b[r * rank + k];
          const float* a = p.a.data() + k * cols;
          for (std::size_t j = 0; j < cols; ++j) o[j] += bk * a[j];
        }
      }
      W = f32_matrix(out, W.rows, W.cols, W.name + "+lora");
    }
}

}  // namespace flipside
