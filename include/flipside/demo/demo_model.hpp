// The built-in demonstration models: tiny GPT-2-architecture transformers whose weights are set by
// hand, not trained — NOT pretrained language models. Each is a two-layer circuit with a
// "semantic prior" path and an in-context "label copy" path whose relative strength is a
// parameter, so that the override experiment of Wei et al. 2023 ("Larger language models do
// in-context learning differently", arXiv 2303.03846) has an analytically known answer. They run
// through the real runtime (a GGUF image in memory → flipside::model), the real BPE tokenizer
// (demo_vocabulary.hpp), prompt assembly, scoring and reports. examples/override_demo.cpp walks
// through the construction; here is the summary.
//
// Residual stream (d = 32): 16 scalar features, each stored as a pair of coordinates (+f, −f), so
// the mean over coordinates is exactly 0 and LayerNorm only divides by the norm. Every token
// embedding has the same norm (a `pad` feature tops it up), the position embedding is a unit
// vector (cos θ_j, sin θ_j), θ_j = j·(π/3)/1024, so LayerNorm is the same constant rescaling at
// every position, which the LayerNorm weights undo. Features:
//   bias (B = 30 on every token), val (±1 on sentiment words), is_sent, is_label,
//   lab[4] (one-hot of the label tokens " Negative", " Positive", " Foo", " Bar"), pad,
//   pos_cos, pos_sin,                 — embeddings
//   prev_val                          — written by layer 1
//   ctx[4]                            — written by layer 2
// Layer 1, head "nearest sentiment word": score(i→j) = 6000·is_sent(j) + 6000·sin θ_j under the
//   causal mask, so every position attends (weight 1 − 1e-12) to the latest sentiment word at or
//   before it and copies its val into prev_val: a label token now carries its exemplar's input
//   valence, and the query's final ":" the query's valence v.
// Layer 2, head "label copy": score(f→j) = 20·prev_val(f)·prev_val(j) + 100·is_label(j): the final
//   position attends uniformly to the label tokens of the exemplars whose valence matches its own,
//   and writes the mean of their one-hot label vectors into ctx: ctx[ℓ] = share of those
//   exemplars labelled ℓ.
// MLPs are zero. Unembedding (untied), at the final position:
//   logit(" Negative") = γ·ctx[Negative] − α·v + 20      logit(" Foo") = γ·ctx[Foo] + 20
//   logit(" Positive") = γ·ctx[Positive] + α·v + 20      logit(" Bar") = γ·ctx[Bar] + 20
//   logit("\n")        = 50·is_label(current token)        every other token: 0
// (the +20 and the newline row make greedy generation answer one label and stop).
//
// Consequences, for a query of valence v with n exemplars of the same valence, f of which show the
// flipped label: logit(correct) − logit(flipped) = γ·(n − 2f)/n + 2α, so
//   gold labels (f = 0)           → always correct;
//   all labels flipped (f = n)    → the model follows the flipped labels iff γ > 2α;
//   in general it is correct iff f/n < (1 + 2α/γ)/2;
//   SUL-ICL (Foo/Bar, no prior)   → always correct when γ > 0.
// The named strengths (α = 1): demo-prior γ = 1.5 (never overridden, like the paper's small
// models), demo-balanced γ = 2.35 (overridden when more than 87/94 ≈ 93 % of the matching
// exemplars are flipped), demo-context γ = 7.3 (overridden when more than 93/146 ≈ 64 % are: the
// paper's large models). γ is chosen so that no f/n with n < 94 sits exactly on a threshold: a
// prediction is never a tie.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/demo/demo_task.hpp>
#include <flipside/demo/demo_vocabulary.hpp>
#include <flipside/io/gguf_writer.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/gguf_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/tensor_plan.hpp>

namespace flipside {

// How strongly a demo model holds its prior (α) and follows the context (γ).
struct demo_strength {
  std::string name;  // model id: "demo-prior", …, or "demo:A,G"
  double prior = 1.0;
  double context = 1.0;
  std::string summary;  // one line for reports and --help

  // The share f/n of flipped matching exemplars above which the model follows the flips
  // (> 1: never).
  double override_threshold() const { return 0.5 * (1.0 + 2.0 * prior / context); }
};

inline const std::vector<demo_strength>& demo_strengths() {
  static const std::vector<demo_strength> s{
      {"demo-prior", 1.0, 1.5,
       "prior-dominated: keeps its prior under flipped labels (like the paper's small models)"},
      {"demo-balanced", 1.0, 2.35,
       "in between: follows flipped labels only when almost all exemplars are flipped"},
      {"demo-context", 1.0, 7.3,
       "context-dominated: follows flipped labels (like the paper's large models)"},
  };
  return s;
}

// A demo model id: one of demo_strengths(), or "demo:ALPHA,GAMMA" (prior and context weights,
// e.g. "demo:1,3.5"). nullopt for any other string.
inline std::optional<demo_strength> find_demo_strength(std::string_view id) {
  for (const auto& s : demo_strengths())
    if (s.name == id) return s;
  if (id.substr(0, 5) != "demo:") return std::nullopt;
  const std::string rest(id.substr(5));
  const auto comma = rest.find(',');
  auto number = [&](const std::string& t) {
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(v) || v < 0 || v > 1000)
      throw argument_error("demo model '" + std::string(id) +
                           "': expected demo:ALPHA,GAMMA with weights in [0, 1000]");
    return v;
  };
  if (comma == std::string::npos)
    throw argument_error("demo model '" + std::string(id) +
                         "': expected demo:ALPHA,GAMMA (prior weight, context weight)");
  demo_strength s;
  s.name = std::string(id);
  s.prior = number(rest.substr(0, comma));
  s.context = number(rest.substr(comma + 1));
  s.summary = "custom strengths";
  return s;
}

namespace detail {

// The feature layout of the demo residual stream (see the top of this file).
namespace demo_feature {
enum : std::size_t {
  bias,
  val,
  is_sent,
  is_label,
  lab,  // 4 slots: lab + 0 … lab + 3
  pad = lab + 4,
  pos_cos,
  pos_sin,
  prev_val,
  ctx,  // 4 slots
  count = ctx + 4
};
}  // namespace demo_feature

struct demo_constants {
  static constexpr std::int64_t d_model = 2 * demo_feature::count;  // 32
  static constexpr std::int64_t ffn = 4;                            // zero MLP
  static constexpr std::int64_t positions = 1024;
  static constexpr double eps = 1e-5;
  static constexpr double bias = 30;          // B
  static constexpr double token_norm2 = 2;    // Σ f² of every token's non-bias features
  static constexpr double sent_score = 6000;  // layer 1: is_sent term
  static constexpr double pos_score = 6000;   // layer 1: sin θ_j term
  static constexpr double match_score = 20;   // layer 2: β
  static constexpr double label_score = 100;  // layer 2: is_label term
  static constexpr double label_offset = 20;  // unembedding: every label token
  static constexpr double newline_logit = 50;
  static double theta(std::int64_t j) {
    return static_cast<double>(j) * (3.14159265358979323846 / 3.0) / double(positions);
  }
};

// A row-major matrix [rows, cols] of doubles, written as f32.
struct demo_matrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> v;
  demo_matrix(std::int64_t r, std::int64_t c)
      : rows(r), cols(c), v(static_cast<std::size_t>(r * c), 0.0) {}
  double& at(std::int64_t r, std::int64_t c) { return v[static_cast<std::size_t>(r * cols + c)]; }
  // Row r reads feature f (stored as +f, −f) with coefficient a: adds a·f to output r.
  void read(std::int64_t r, std::size_t f, double a) {
    at(r, std::int64_t(2 * f)) += a / 2;
    at(r, std::int64_t(2 * f + 1)) -= a / 2;
  }
  // Output feature f (rows 2f, 2f+1) gets input column c with gain g.
  void write(std::size_t f, std::int64_t c, double g) {
    at(std::int64_t(2 * f), c) += g;
    at(std::int64_t(2 * f + 1), c) -= g;
  }
};

inline void demo_set(std::vector<double>& x, std::size_t f, double value) {
  x[2 * f] = value;
  x[2 * f + 1] = -value;
}

inline std::vector<std::byte> demo_f32_bytes(const std::vector<double>& v) {
  std::vector<std::byte> out(v.size() * 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float f = static_cast<float>(v[i]);
    std::memcpy(out.data() + 4 * i, &f, 4);
  }
  return out;
}

}  // namespace detail

inline model_config demo_model_config(std::int64_t vocab_size) {
  using K = detail::demo_constants;
  model_config c;
  c.architecture = "gpt2";
  c.vocab_size = vocab_size;
  c.hidden_size = K::d_model;
  c.n_layers = 2;
  c.n_heads = 1;
  c.n_kv_heads = 1;
  c.head_dim = K::d_model;
  c.ffn_size = K::ffn;
  c.max_positions = K::positions;
  c.norm = norm_kind::layer;
  c.norm_eps = K::eps;
  c.activation = activation_kind::gelu_tanh;
  c.mlp = mlp_kind::plain;
  c.positions = position_kind::learned;
  c.qkv_bias = c.o_bias = c.mlp_bias = true;
  c.tied_embeddings = false;
  c.layers.assign(2, layer_config{});
  return c;
}

// The demo model as a GGUF image (weights, hyper-parameters, and the tokenizer's metadata).
inline std::vector<std::byte> demo_model_gguf(const demo_strength& s) {
  using K = detail::demo_constants;
  namespace F = detail::demo_feature;
  using detail::demo_matrix;
  using detail::demo_set;
  if (!(s.prior >= 0) || !(s.context >= 0) || !std::isfinite(s.prior) || !std::isfinite(s.context))
    throw argument_error("demo model '" + s.name + "': weights must be finite and ≥ 0");
  const demo_vocabulary voc = build_demo_vocabulary();
  const auto V = static_cast<std::int64_t>(voc.pieces.size());
  const std::int64_t H = K::d_model;
  model_config c = demo_model_config(V);
  c.name = "flipside " + s.name + " (hand-built demonstration model, not a pretrained LLM)";

  // LayerNorm sees Σ x² = 2·N at every position that matters; its weight √(var + eps), var =
  // 2N/H, undoes the division so LN(x) = x. N0: embeddings; N1: + prev_val²; N2: + one label.
  const double N0 = K::bias * K::bias + K::token_norm2 + 1.0;
  const double N1 = N0 + 1.0, N2 = N1 + 1.0;
  auto ln_gain = [&](double N) { return std::sqrt(2.0 * N / double(H) + K::eps); };
  const double inv_scale = std::sqrt(double(H));  // undoes attention's 1/√head_dim

  // Token embeddings.
  demo_matrix tok(V, H);
  for (std::int64_t t = 0; t < V; ++t) {
    std::vector<double> x(static_cast<std::size_t>(H), 0.0);
    demo_set(x, F::bias, K::bias);
    demo_set(x, F::pad, std::sqrt(K::token_norm2));
    for (std::int64_t k = 0; k < H; ++k) tok.at(t, k) = x[static_cast<std::size_t>(k)];
  }
  auto set_token = [&](std::int32_t t, std::size_t f, double value) {
    tok.at(t, std::int64_t(2 * f)) = value;
    tok.at(t, std::int64_t(2 * f + 1)) = -value;
  };
  for (const auto& w : demo_sentiment_words()) {
    const std::int32_t t = voc.id(std::string(" ") + w.text);
    set_token(t, F::pad, 0);
    set_token(t, F::val, w.valence);
    set_token(t, F::is_sent, 1);
  }
  for (std::size_t l = 0; l < demo_label_tokens().size(); ++l) {
    const std::int32_t t = voc.id(demo_label_tokens()[l]);
    set_token(t, F::pad, 0);
    set_token(t, F::is_label, 1);
    set_token(t, F::lab + l, 1);
  }

  // Position embeddings: the unit vector (cos θ_j, sin θ_j).
  demo_matrix pos(K::positions, H);
  for (std::int64_t j = 0; j < K::positions; ++j) {
    pos.at(j, 2 * F::pos_cos) = std::cos(K::theta(j));
    pos.at(j, 2 * F::pos_cos + 1) = -std::cos(K::theta(j));
    pos.at(j, 2 * F::pos_sin) = std::sin(K::theta(j));
    pos.at(j, 2 * F::pos_sin + 1) = -std::sin(K::theta(j));
  }

  // Layer 1 (blk.0): nearest sentiment word → prev_val.
  demo_matrix qkv0(3 * H, H), out0(H, H);
  qkv0.read(0, F::bias, inv_scale / K::bias);  // q = 1 (times √H)
  qkv0.read(H + 0, F::is_sent, K::sent_score);
  qkv0.read(H + 0, F::pos_sin, K::pos_score);
  qkv0.read(2 * H + 0, F::val, 1.0);
  out0.write(F::prev_val, 0, 1.0);

  // Layer 2 (blk.1): label copy → ctx.
  demo_matrix qkv1(3 * H, H), out1(H, H);
  qkv1.read(0, F::prev_val, K::match_score * inv_scale);
  qkv1.read(1, F::bias, K::label_score * inv_scale / K::bias);
  qkv1.read(H + 0, F::prev_val, 1.0);
  qkv1.read(H + 1, F::is_label, 1.0);
  for (std::size_t l = 0; l < 4; ++l) {
    qkv1.read(2 * H + std::int64_t(l), F::lab + l, 1.0);
    out1.write(F::ctx + l, std::int64_t(l), 1.0);
  }

  // Unembedding.
  demo_matrix output(V, H);
  const double prior_sign[4] = {-1, +1, 0, 0};  // Negative, Positive, Foo, Bar
  for (std::size_t l = 0; l < 4; ++l) {
    const std::int32_t t = voc.id(demo_label_tokens()[l]);
    output.read(t, F::ctx + l, s.context);
    output.read(t, F::prev_val, prior_sign[l] * s.prior);
    output.read(t, F::bias, K::label_offset / K::bias);
  }
  output.read(voc.newline, F::is_label, K::newline_logit);

  gguf_writer w;
  set_gguf_metadata(w, c, dtype::f32);
  w.set("general.description",
        std::string("flipside demonstration model: hand-set weights, NOT a pretrained language "
                    "model (see include/flipside/demo/demo_model.hpp). ") +
            s.summary);
  w.set("flipside.demo.prior_weight", static_cast<float>(s.prior));
  w.set("flipside.demo.context_weight", static_cast<float>(s.context));
  voc.write_metadata(w);

  auto vec = [&](std::int64_t n, double value) {
    return std::vector<double>(static_cast<std::size_t>(n), value);
  };
  for (const planned_tensor& p : tensor_plan(c)) {
    using R = tensor_role;
    std::vector<double> v;
    switch (p.role) {
      case R::token_embd:
        v = tok.v;
        break;
      case R::position_embd:
        v = pos.v;
        break;
      case R::output:
        v = output.v;
        break;
      case R::output_norm:
        v = vec(H, ln_gain(N2));
        break;
      case R::attn_norm:
        v = vec(H, ln_gain(p.layer == 0 ? N0 : N1));
        break;
      case R::ffn_norm:
        v = vec(H, 1.0);
        break;
      case R::attn_qkv:
        v = p.layer == 0 ? qkv0.v : qkv1.v;
        break;
      case R::attn_output:
        v = p.layer == 0 ? out0.v : out1.v;
        break;
      default: {  // biases, MLP: zero
        std::size_t n = 1;
        for (auto d : p.shape) n *= static_cast<std::size_t>(d);
        v.assign(n, 0.0);
      }
    }
    w.add_tensor(gguf_tensor_name(p.role, p.layer), dtype::f32, p.shape, detail::demo_f32_bytes(v));
  }
  std::ostringstream os(std::ios::binary);
  w.write(os);
  const std::string bytes = std::move(os).str();
  std::vector<std::byte> image(bytes.size());
  std::memcpy(image.data(), bytes.data(), bytes.size());
  return image;
}

// The demo model, loaded by the runtime from its GGUF image in memory. Its tokenizer:
// tokenizer_from_gguf(*m.gguf()).
inline model load_demo_model(const demo_strength& s) {
  auto image = std::make_shared<const std::vector<std::byte>>(demo_model_gguf(s));
  return model::from_gguf_memory(std::move(image), s.name);
}

}  // namespace flipside
