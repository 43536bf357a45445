// The forward pass of a decoder-only transformer over a batch of sequences, each appending its
// new tokens to its own KV cache.
//
// All new tokens of all sequences are stacked into one activation matrix X [R, hidden] (R = rows
// of the batch, at most forward_options::max_batch_rows at a time), so that every linear layer is
// one GEMM that reads its weights once for the whole batch. Per layer, with h = norm(x):
//
//   q, k, v = h·Wqᵀ (+bq), h·Wkᵀ (+bk), h·Wvᵀ (+bv)        [R, n_heads·d], [R, n_kv·d] ×2
//   q, k    = rope(qk_norm(q, k), position of each row)     (per head; rope only if rotary)
//   cache_s ← append k, v rows of sequence s                (each sequence its own cache)
//   a       = attention(q rows of s, cache_s, position)    causal (or windowed), GQA
//   x      += a·Woᵀ (+bo)                                  (gemma: x += post_norm(a·Woᵀ))
//   h       = norm(x);  x += down(act(h·Wgateᵀ) ⊙ h·Wupᵀ)  (gated, llama/qwen; gemma: GeGLU and
//                    or x += down(act(h·Wupᵀ + bu)) + bd   (plain, gpt2)          a post-norm)
//
// Gemma's RMSNorms scale by (1 + w) in HF checkpoints (config.norm_plus_one), its embeddings are
// multiplied by √hidden, and gemma2 soft-caps attention scores and final logits, c·tanh(z / c).
//
// and after the last layer the final norm is applied to the requested rows only; logits
// (h·W_outᵀ) are computed only when asked for — label scoring needs a few rows of W_out, not V.
//
// Threads: linear layers split output columns, attention splits heads and query blocks, the
// elementwise steps split rows; every value is computed by one thread in a fixed order, so
// results are bitwise identical for any thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <flipside/attention/attention.hpp>
#include <flipside/attention/kv_cache.hpp>
#include <flipside/core/error.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/lora_delta.hpp>
#include <flipside/model/rope_frequencies.hpp>
#include <flipside/model/weights.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd/activation.hpp>
#include <flipside/simd/axpy.hpp>
#include <flipside/simd/norm.hpp>
#include <flipside/simd/rope.hpp>

namespace flipside {

// Which of a sequence's new tokens produce an output row (final hidden state, logits).
enum class output_rows { none, last, all };

// One sequence of a batched forward call: `tokens` are appended to `cache`, at positions
// cache->size(), cache->size() + 1, ….
template <class E = float>
struct sequence_step {
  kv_cache<E>* cache = nullptr;
  const std::int32_t* tokens = nullptr;
  std::size_t n_tokens = 0;
  output_rows outputs = output_rows::last;
};

struct forward_options {
  bool logits = false;               // also compute full-vocabulary logits for the output rows
  thread_pool* pool = nullptr;       // nullptr: the calling thread alone
  std::size_t max_batch_rows = 512;  // rows processed at once (bounds activation memory)
  float adapter_scale = 1.0f;  // strength of unmerged LoRA adapters (0: the base model, bitwise)
};

// Output rows of a forward call, sequence after sequence in batch order.
struct forward_result {
  std::size_t hidden_size = 0;
  std::size_t vocab_size = 0;
  std::vector<float> hidden;  // [rows, hidden_size], after the final norm
  std::vector<float> logits;  // [rows, vocab_size] when requested
  // Rows of sequence i are [sequence_rows[i], sequence_rows[i + 1]).
  std::vector<std::size_t> sequence_rows;

  std::size_t rows() const noexcept { return sequence_rows.empty() ? 0 : sequence_rows.back(); }
  const float* hidden_row(std::size_t r) const noexcept { return hidden.data() + r * hidden_size; }
  const float* logits_row(std::size_t r) const noexcept { return logits.data() + r * vocab_size; }
  // The last output row of sequence i (its next-token state when outputs = last or all).
  std::size_t last_row(std::size_t i) const noexcept { return sequence_rows[i + 1] - 1; }
};

// What the forward pass reads: config, weights, and the rope frequencies derived from them.
struct model_state {
  model_config config;
  model_weights weights;
  std::optional<simd::rope_table> rope;        // rotary tables (positions cached up front)
  std::optional<simd::rope_table> rope_local;  // gemma3 local layers
  // longrope's long factors, for sequences whose cache can hold more than the original context
  // (llama.cpp likewise chooses by context size; transformers switches when a forward call's
  // positions pass it).
  std::optional<simd::rope_table> rope_long;
  // Unmerged LoRA adapters, per layer (empty: none); see lora_delta.hpp.
  std::vector<lora_layer> lora;
};

namespace detail {

template <class F>
inline void for_rows(thread_pool* pool, std::size_t n, F&& fn) {
  if (pool == nullptr || pool->size() == 1 || n < 2) {
    for (std::size_t r = 0; r < n; ++r) fn(r);
    return;
  }
  pool->parallel_for(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) fn(r);
  });
}

// A contiguous run of one sequence's new tokens inside a micro-batch.
struct batch_piece {
  std::size_t seq = 0;  // index in the batch
  std::size_t first_token = 0;
  std::size_t n = 0;
  std::size_t row = 0;       // first row in the micro-batch
  std::size_t position = 0;  // absolute position of the first token
};

template <class E>
class forward_pass {
 public:
  forward_pass(const model_state& m, const std::vector<sequence_step<E>>& batch,
               const forward_options& opt)
      : m_(m), c_(m.config), w_(m.weights), batch_(batch), opt_(opt) {
    H_ = static_cast<std::size_t>(c_.hidden_size);
    QD_ = static_cast<std::size_t>(c_.q_dim());
    KD_ = static_cast<std::size_t>(c_.kv_dim());
    F_ = static_cast<std::size_t>(c_.ffn_size);
    D_ = static_cast<std::size_t>(c_.head_dim);
  }

  forward_result run() {
    validate();
    forward_result res;
    res.hidden_size = H_;
    res.vocab_size = static_cast<std::size_t>(c_.vocab_size);
    // Output rows per sequence.
    res.sequence_rows.push_back(0);
    for (const auto& s : batch_) {
      const std::size_t k = s.outputs == output_rows::all                        ? s.n_tokens
                            : (s.outputs == output_rows::last && s.n_tokens > 0) ? 1
                                                                                 : 0;
      res.sequence_rows.push_back(res.sequence_rows.back() + k);
    }
    res.hidden.assign(res.rows() * H_, 0.0f);

    std::vector<std::size_t> start(batch_.size());
    for (std::size_t i = 0; i < batch_.size(); ++i) start[i] = batch_[i].cache->size();
    try {
      run_chunks(res, start);
    } catch (...) {
      // Leave every cache as it was: a failed call must not half-extend a shared prefix.
      for (std::size_t i = 0; i < batch_.size(); ++i) batch_[i].cache->truncate(start[i]);
      throw;
    }
    if (opt_.logits) {
      res.logits.assign(res.rows() * res.vocab_size, 0.0f);
      unembed(w_.output, res.hidden.data(), res.rows(), res.logits.data(), H_, res.vocab_size,
              opt_.pool, static_cast<float>(c_.final_softcap));
    }
    return res;
  }

  // logits[r] = W_out · hidden[r], four rows at a time: the ≤ 4-row GEMM path computes each
  // logit as one dot product, the same arithmetic as matrix_weight::dot_rows, so restricted
  // (label-row) scoring and full logits agree bitwise. softcap > 0: logits ← c·tanh(logits / c).
  static void unembed(const matrix_weight& out, const float* hidden, std::size_t rows,
                      float* logits, std::size_t H, std::size_t V, thread_pool* pool,
                      float softcap = 0.0f) {
    for (std::size_t r = 0; r < rows; r += 4)
      out.linear(hidden + r * H, H, logits + r * V, V, std::min<std::size_t>(4, rows - r), pool);
    if (softcap > 0) soft_cap(logits, rows * V, softcap);
  }

  // x ← c·tanh(x / c), elementwise (gemma2's final-logit soft-capping).
  static void soft_cap(float* x, std::size_t n, float c) noexcept {
    for (std::size_t i = 0; i < n; ++i) x[i] = c * std::tanh(x[i] / c);
  }

 private:
  void validate() const {
    const std::size_t V = static_cast<std::size_t>(c_.vocab_size);
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      const auto& s = batch_[i];
      const std::string where = "forward: sequence " + std::to_string(i) + ": ";
      if (!s.cache) throw argument_error(where + "no cache");
      if (s.n_tokens > 0 && !s.tokens) throw argument_error(where + "null tokens");
      for (std::size_t j = 0; j < i; ++j)
        if (batch_[j].cache == s.cache)
          throw argument_error(where + "shares its cache with sequence " + std::to_string(j));
      const auto& cache = *s.cache;
      if (cache.n_layers() != static_cast<std::size_t>(c_.n_layers) ||
          (cache.n_layers() > 0 &&
           (cache.layer(0).n_kv_heads() != static_cast<std::size_t>(c_.n_kv_heads) ||
            cache.layer(0).head_dim() != D_)))
        throw argument_error(where + "cache shape does not match the model");
      for (std::size_t l = 0; l < cache.n_layers(); ++l)
        if (cache.layer(l).size() != cache.size())
          throw argument_error(where + "cache layers hold different numbers of positions");
      if (s.n_tokens > cache.capacity() - cache.size())
        throw argument_error(where + std::to_string(s.n_tokens) + " tokens after " +
                             std::to_string(cache.size()) +
                             " cached positions exceed the cache "
                             "capacity " +
                             std::to_string(cache.capacity()));
      if (c_.positions == position_kind::learned &&
          cache.size() + s.n_tokens > static_cast<std::size_t>(c_.max_positions))
        throw argument_error(where + "positions up to " +
                             std::to_string(cache.size() + s.n_tokens) + " exceed the model's " +
                             std::to_string(c_.max_positions) + " learned positions");
      for (std::size_t t = 0; t < s.n_tokens; ++t)
        if (s.tokens[t] < 0 || static_cast<std::size_t>(s.tokens[t]) >= V)
          throw argument_error(where + "token " + std::to_string(s.tokens[t]) + " at index " +
                               std::to_string(t) + " is outside the vocabulary [0, " +
                               std::to_string(V) + ")");
    }
  }

  void run_chunks(forward_result& res, const std::vector<std::size_t>& start) {
    const std::size_t cap = std::max<std::size_t>(1, opt_.max_batch_rows);
    std::size_t seq = 0, tok = 0;
    while (true) {
      while (seq < batch_.size() && tok >= batch_[seq].n_tokens) ++seq, tok = 0;
      if (seq == batch_.size()) break;
      std::vector<batch_piece> pieces;
      std::size_t rows = 0;
      while (seq < batch_.size() && rows < cap) {
        if (tok >= batch_[seq].n_tokens) {
          ++seq, tok = 0;
          continue;
        }
        const std::size_t n = std::min(batch_[seq].n_tokens - tok, cap - rows);
        pieces.push_back({seq, tok, n, rows, start[seq] + tok});
        rows += n;
        tok += n;
      }
      run_micro_batch(pieces, rows, res);
    }
  }

  void run_micro_batch(const std::vector<batch_piece>& pieces, std::size_t R, forward_result& res) {
    thread_pool* pool = opt_.pool;
    x_.assign(R * H_, 0.0f);
    h_.resize(R * H_);
    q_.resize(R * QD_);
    k_.resize(R * KD_);
    v_.resize(R * KD_);
    a_.resize(R * QD_);
    u_.resize(R * F_);
    if (c_.mlp == mlp_kind::gated) g_.resize(R * F_);

    // Token (and position) embeddings; positions for rope.
    pos_.resize(R);
    std::vector<std::int32_t> ids(R);
    for (const auto& p : pieces)
      for (std::size_t t = 0; t < p.n; ++t) {
        pos_[p.row + t] = static_cast<std::int32_t>(p.position + t);
        ids[p.row + t] = batch_[p.seq].tokens[p.first_token + t];
      }
    for_rows(pool, R, [&](std::size_t r) {
      float* x = x_.data() + r * H_;
      w_.token_embd.row(ids[r], x);
      if (c_.positions == position_kind::learned) {
        w_.position_embd.row(pos_[r], h_.data() + r * H_);
        simd::axpy(1.0f, h_.data() + r * H_, x, H_);
      }
      if (c_.embed_scale != 1.0) simd::scale(static_cast<float>(c_.embed_scale), x, H_);
    });

    for (std::size_t l = 0; l < w_.layers.size(); ++l) layer(l, pieces, R);

    // Final norm of the requested rows, written straight into the result.
    std::vector<std::pair<std::size_t, std::size_t>> out;  // (micro-batch row, result row)
    for (const auto& p : pieces) {
      const auto& s = batch_[p.seq];
      const std::size_t first = res.sequence_rows[p.seq];
      for (std::size_t t = p.first_token; t < p.first_token + p.n; ++t) {
        if (s.outputs == output_rows::all)
          out.emplace_back(p.row + t - p.first_token, first + t);
        else if (s.outputs == output_rows::last && t + 1 == s.n_tokens)
          out.emplace_back(p.row + t - p.first_token, first);
      }
    }
    for_rows(pool, out.size(), [&](std::size_t i) {
      norm(x_.data() + out[i].first * H_, w_.output_norm, w_.output_norm_bias,
           res.hidden.data() + out[i].second * H_);
    });
  }

  void norm(const float* x, const std::vector<float>& w, const std::vector<float>& b,
            float* y) const {
    if (c_.norm == norm_kind::rms)
      rms(x, w, y, H_);
    else
      simd::layernorm(x, w.data(), b.data(), y, H_, static_cast<float>(c_.norm_eps));
  }

  void rms(const float* x, const std::vector<float>& w, float* y, std::size_t n) const {
    const float eps = static_cast<float>(c_.norm_eps);
    if (c_.norm_plus_one)
      simd::rmsnorm_plus_one(x, w.data(), y, n, eps);
    else
      simd::rmsnorm(x, w.data(), y, n, eps);
  }

  // Y[R, out] += g · (X·Aᵀ)·Bᵀ for each unmerged adapter of this matrix (g = adapter_scale; B
  // carries the adapter's own scaling). g = 0 leaves Y untouched: exactly the base model.
  void adapt(const std::vector<lora_delta>& deltas, const float* X, float* Y, std::size_t R) {
    if (deltas.empty() || opt_.adapter_scale == 0.0f) return;
    for (const lora_delta& d : deltas) {
      const std::size_t n = static_cast<std::size_t>(d.b.rows);
      lora_t_.resize(R * d.rank());
      lora_u_.resize(R * n);
      // The products are thin (rank ≪ in, out): below ~256k multiply-adds (decode) a thread-pool
      // dispatch costs more than it saves. Results do not depend on the choice (weight_kernels).
      const std::size_t work = R * d.rank() * (static_cast<std::size_t>(d.a.cols) + n);
      thread_pool* pool = work >= (std::size_t{1} << 18) ? opt_.pool : nullptr;
      d.a.linear(X, lora_t_.data(), R, pool);
      d.b.linear(lora_t_.data(), lora_u_.data(), R, pool);
      const float g = opt_.adapter_scale;
      for_rows(pool, R,
               [&](std::size_t r) { simd::axpy(g, lora_u_.data() + r * n, Y + r * n, n); });
    }
  }

  // x += post_norm(h) (gemma2/3) or x += h, row by row.
  void residual(const std::vector<float>& post_norm, std::size_t R) {
    for_rows(opt_.pool, R, [&](std::size_t r) {
      float* h = h_.data() + r * H_;
      if (!post_norm.empty()) rms(h, post_norm, h, H_);
      simd::axpy(1.0f, h, x_.data() + r * H_, H_);
    });
  }

  // Y[R, n] = X·Wᵀ + bias.
  void linear(const matrix_weight& W, const std::vector<float>& bias, const float* X, float* Y,
              std::size_t R) const {
    W.linear(X, Y, R, opt_.pool);
    if (!bias.empty()) {
      const std::size_t n = static_cast<std::size_t>(W.rows);
      for_rows(opt_.pool, R, [&](std::size_t r) { simd::axpy(1.0f, bias.data(), Y + r * n, n); });
    }
  }

  // Y_i[R, n_i] = X·W_iᵀ + b_i for matrices reading the same X (q, k, v; gate, up). A one-row
  // product (decode) of quantized weights is one parallel region for all of them (gemv_group,
  // bitwise the separate products); otherwise one linear each.
  template <std::size_t N>
  void linear_group(const matrix_weight* const (&ws)[N], const std::vector<float>* const (&bias)[N],
                    const float* X, float* const (&Y)[N], std::size_t R) const {
    if (R == 1 && gemv_group(ws, Y, N, X, opt_.pool)) {
      for (std::size_t i = 0; i < N; ++i)
        if (!bias[i]->empty())
          simd::axpy(1.0f, bias[i]->data(), Y[i], static_cast<std::size_t>(ws[i]->rows));
      return;
    }
    for (std::size_t i = 0; i < N; ++i) linear(*ws[i], *bias[i], X, Y[i], R);
  }

  void layer(std::size_t li, const std::vector<batch_piece>& pieces, std::size_t R) {
    const layer_weights& L = w_.layers[li];
    const layer_config& lc = c_.layers[li];
    thread_pool* pool = opt_.pool;
    const std::size_t nh = static_cast<std::size_t>(c_.n_heads);
    const std::size_t nkv = static_cast<std::size_t>(c_.n_kv_heads);

    for_rows(pool, R, [&](std::size_t r) {
      norm(x_.data() + r * H_, L.attn_norm, L.attn_norm_bias, h_.data() + r * H_);
    });
    const lora_layer* ad = m_.lora.empty() ? nullptr : &m_.lora[li];
    linear_group({&L.q, &L.k, &L.v}, {&L.q_bias, &L.k_bias, &L.v_bias}, h_.data(),
                 {q_.data(), k_.data(), v_.data()}, R);
    if (ad) {
      adapt((*ad)[lora_slot::q], h_.data(), q_.data(), R);
      adapt((*ad)[lora_slot::k], h_.data(), k_.data(), R);
      adapt((*ad)[lora_slot::v], h_.data(), v_.data(), R);
    }

    if (c_.qk_norm) {  // qwen3, gemma3: RMSNorm over each head's head_dim, shared weights
      for_rows(pool, R, [&](std::size_t r) {
        for (std::size_t h = 0; h < nh; ++h) {
          float* q = q_.data() + r * QD_ + h * D_;
          rms(q, L.q_norm, q, D_);
        }
        for (std::size_t h = 0; h < nkv; ++h) {
          float* k = k_.data() + r * KD_ + h * D_;
          rms(k, L.k_norm, k, D_);
        }
      });
    }
    if (c_.positions == position_kind::rope) {
      const simd::rope_table& rt = lc.local_rope && m_.rope_local ? *m_.rope_local : *m_.rope;
      if (!m_.rope_long) {
        simd::rope_at(rt, q_.data(), R, nh, pos_.data(), pool);
        simd::rope_at(rt, k_.data(), R, nkv, pos_.data(), pool);
      } else {
        for (const auto& p : pieces) {
          const bool long_ctx = batch_[p.seq].cache->capacity() >
                                static_cast<std::size_t>(c_.rope.original_max_positions);
          const simd::rope_table& t = long_ctx ? *m_.rope_long : rt;
          simd::rope_at(t, q_.data() + p.row * QD_, p.n, nh, pos_.data() + p.row, pool);
          simd::rope_at(t, k_.data() + p.row * KD_, p.n, nkv, pos_.data() + p.row, pool);
        }
      }
    }

    for (const auto& p : pieces) {
      kv_cache_layer<E>& cl = batch_[p.seq].cache->layer(li);
      cl.append(k_.data() + p.row * KD_, v_.data() + p.row * KD_, p.n);
      attention_shape s;
      s.n_queries = p.n;
      s.n_keys = cl.size();
      s.n_heads = nh;
      s.n_kv_heads = nkv;
      s.head_dim = D_;
      attention_params ap;
      ap.position = p.position;
      ap.scale = static_cast<float>(c_.attention_scale());
      ap.softcap = static_cast<float>(c_.attn_softcap);
      ap.window = static_cast<std::size_t>(lc.sliding_window);
      ap.pool = pool;
      flipside::attention<runtime_window>(q_.data() + p.row * QD_, cl.keys(), cl.values(),
                                          a_.data() + p.row * QD_, s, ap);
    }

    linear(L.o, L.o_bias, a_.data(), h_.data(), R);
    if (ad) adapt((*ad)[lora_slot::o], a_.data(), h_.data(), R);
    residual(L.post_attn_norm, R);

    for_rows(pool, R, [&](std::size_t r) {
      norm(x_.data() + r * H_, L.ffn_norm, L.ffn_norm_bias, h_.data() + r * H_);
    });
    if (c_.mlp == mlp_kind::gated) {
      linear_group({&L.gate, &L.up}, {&L.gate_bias, &L.up_bias}, h_.data(), {g_.data(), u_.data()},
                   R);
      if (ad) {
        adapt((*ad)[lora_slot::gate], h_.data(), g_.data(), R);
        adapt((*ad)[lora_slot::up], h_.data(), u_.data(), R);
      }
      for_rows(pool, R, [&](std::size_t r) {
        float* g = g_.data() + r * F_;
        const float* u = u_.data() + r * F_;
        activate_gated(g, u);
      });
      linear(L.down, L.down_bias, g_.data(), h_.data(), R);
      if (ad) adapt((*ad)[lora_slot::down], g_.data(), h_.data(), R);
    } else {
      linear(L.up, L.up_bias, h_.data(), u_.data(), R);
      if (ad) adapt((*ad)[lora_slot::up], h_.data(), u_.data(), R);
      for_rows(pool, R, [&](std::size_t r) { activate(u_.data() + r * F_, F_); });
      linear(L.down, L.down_bias, u_.data(), h_.data(), R);
      if (ad) adapt((*ad)[lora_slot::down], u_.data(), h_.data(), R);
    }
    residual(L.post_ffn_norm, R);
  }

  void activate(float* x, std::size_t n) const {
    switch (c_.activation) {
      case activation_kind::silu:
        simd::silu(x, x, n);
        break;
      case activation_kind::gelu_tanh:
        simd::gelu_tanh(x, x, n);
        break;
      case activation_kind::gelu_erf:
        simd::gelu_erf(x, x, n);
        break;
    }
  }

  // g ← act(g) ⊙ u
  void activate_gated(float* g, const float* u) const {
    switch (c_.activation) {
      case activation_kind::silu:
        simd::swiglu(g, u, g, F_);
        break;
      case activation_kind::gelu_tanh:
        simd::geglu_tanh(g, u, g, F_);
        break;
      case activation_kind::gelu_erf:
        simd::geglu_erf(g, u, g, F_);
        break;
    }
  }

  const model_state& m_;
  const model_config& c_;
  const model_weights& w_;
  const std::vector<sequence_step<E>>& batch_;
  forward_options opt_;
  std::size_t H_ = 0, QD_ = 0, KD_ = 0, F_ = 0, D_ = 0;
  std::vector<float> x_, h_, q_, k_, v_, a_, g_, u_;
  std::vector<float> lora_t_, lora_u_;  // unmerged adapters: X·Aᵀ, then its ·Bᵀ
  std::vector<std::int32_t> pos_;
};

}  // namespace detail

// Runs the batch through the model (see the top of this file).
template <class E>
inline forward_result forward(const model_state& m, const std::vector<sequence_step<E>>& batch,
                              const forward_options& opt = {}) {
  return detail::forward_pass<E>(m, batch, opt).run();
}

}  // namespace flipside
