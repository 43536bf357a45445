// gemma3 has no shared golden data: a tiny random Gemma 3 (HF directory written by flipside) is run
// by the runtime and by a plain double-precision forward pass written here from the Hugging Face
// modeling code (Gemma3ForCausalLM) and the Gemma 3 report (arXiv 2503.19786): embeddings × √H,
// RMSNorm by (1 + w) before and after attention and MLP, q/k RMSNorm per head, RoPE with base 1e4
// on local (sliding-window) layers and 1e6 on global ones, 5 local : 1 global, scores ×
// query_pre_attn_scalar^-½, GeGLU (tanh). The same model converted to GGUF must agree as well.
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/model/gguf_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/synthetic.hpp>

#include "model_test_util.hpp"

using namespace flipside;
using namespace flipside::test;

// A named namespace: test files of an area are compiled as one unity translation unit.
namespace gemma3_ref {

constexpr int H = 48, NH = 4, NKV = 2, D = 16, F = 80, V = 96, NL = 7, W = 5;
constexpr double qpas = 24.0;  // query_pre_attn_scalar ≠ head_dim, so the scale is tested

const char* config_json = R"({"model_type": "gemma3_text", "vocab_size": 96, "hidden_size": 48,
  "num_hidden_layers": 7, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
  "intermediate_size": 80, "max_position_embeddings": 128, "rms_norm_eps": 1e-6,
  "query_pre_attn_scalar": 24, "sliding_window": 5, "sliding_window_pattern": 6,
  "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "hidden_activation":
  "gelu_pytorch_tanh", "attn_logit_softcapping": null, "final_logit_softcapping": null})";

using vec = std::vector<double>;

struct ref_model {
  const safetensors_file& st;
  vec get(const std::string& name) const {
    const tensor_view& t = st.tensor(name);
    std::vector<float> f(static_cast<std::size_t>(t.numel()));
    std::memcpy(f.data(), t.data, t.nbytes);
    return vec(f.begin(), f.end());
  }
  // y = W x, W [out][in]
  static vec mv(const vec& W, const vec& x, int out, int in) {
    vec y(out, 0.0);
    for (int r = 0; r < out; ++r)
      for (int c = 0; c < in; ++c) y[r] += W[r * in + c] * x[c];
    return y;
  }
  static vec rms1p(const vec& x, const vec& w, int off, int n) {
    double ss = 0;
    for (int i = 0; i < n; ++i) ss += x[off + i] * x[off + i];
    const double inv = 1.0 / std::sqrt(ss / n + 1e-6);
    vec y(n);
    for (int i = 0; i < n; ++i) y[i] = x[off + i] * inv * (1.0 + w[i]);
    return y;
  }
  static void rope(double* v, int pos, double theta) {
    for (int i = 0; i < D / 2; ++i) {
      const double ang = pos * std::pow(theta, -2.0 * i / D);
      const double a = v[i], b = v[i + D / 2];
      v[i] = a * std::cos(ang) - b * std::sin(ang);
      v[i + D / 2] = b * std::cos(ang) + a * std::sin(ang);
    }
  }
  static double gelu(double x) {
    return 0.5 * x * (1 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
  }

  // Logits [T, V] of one sequence.
  std::vector<float> logits(const std::vector<std::int32_t>& toks) const {
    const int T = static_cast<int>(toks.size());
    const vec E = get("model.embed_tokens.weight");
    std::vector<vec> x(T, vec(H));
    for (int t = 0; t < T; ++t)
      for (int i = 0; i < H; ++i) x[t][i] = E[toks[t] * H + i] * std::sqrt(double(H));
    for (int l = 0; l < NL; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      const bool local = (l + 1) % 6 != 0;
      const vec Wq = get(p + "self_attn.q_proj.weight"), Wk = get(p + "self_attn.k_proj.weight"),
                Wv = get(p + "self_attn.v_proj.weight"), Wo = get(p + "self_attn.o_proj.weight");
      const vec qn = get(p + "self_attn.q_norm.weight"), kn = get(p + "self_attn.k_norm.weight");
      std::vector<vec> q(T), k(T), v(T);
      for (int t = 0; t < T; ++t) {
        const vec h = rms1p(x[t], get(p + "input_layernorm.weight"), 0, H);
        q[t] = mv(Wq, h, NH * D, H);
        k[t] = mv(Wk, h, NKV * D, H);
        v[t] = mv(Wv, h, NKV * D, H);
        for (int hd = 0; hd < NH; ++hd) {
          const vec n = rms1p(q[t], qn, hd * D, D);
          std::copy(n.begin(), n.end(), q[t].begin() + hd * D);
          rope(q[t].data() + hd * D, t, local ? 1e4 : 1e6);
        }
        for (int hd = 0; hd < NKV; ++hd) {
          const vec n = rms1p(k[t], kn, hd * D, D);
          std::copy(n.begin(), n.end(), k[t].begin() + hd * D);
          rope(k[t].data() + hd * D, t, local ? 1e4 : 1e6);
        }
      }
      for (int t = 0; t < T; ++t) {
        vec a(NH * D, 0.0);
        for (int hd = 0; hd < NH; ++hd) {
          const int g = hd / (NH / NKV);
          const int lo = local ? std::max(0, t - W + 1) : 0;
          vec s;
          double mx = -1e300;
          for (int j = lo; j <= t; ++j) {
            double d = 0;
            for (int i = 0; i < D; ++i) d += q[t][hd * D + i] * k[j][g * D + i];
            s.push_back(d / std::sqrt(qpas));
            mx = std::max(mx, s.back());
          }
          double z = 0;
          for (double& e : s) z += (e = std::exp(e - mx));
          for (int j = lo; j <= t; ++j)
            for (int i = 0; i < D; ++i) a[hd * D + i] += s[j - lo] / z * v[j][g * D + i];
        }
        const vec o = rms1p(mv(Wo, a, H, NH * D), get(p + "post_attention_layernorm.weight"), 0, H);
        for (int i = 0; i < H; ++i) x[t][i] += o[i];
        const vec h = rms1p(x[t], get(p + "pre_feedforward_layernorm.weight"), 0, H);
        vec gt = mv(get(p + "mlp.gate_proj.weight"), h, F, H);
        const vec up = mv(get(p + "mlp.up_proj.weight"), h, F, H);
        for (int i = 0; i < F; ++i) gt[i] = gelu(gt[i]) * up[i];
        const vec m = rms1p(mv(get(p + "mlp.down_proj.weight"), gt, H, F),
                            get(p + "post_feedforward_layernorm.weight"), 0, H);
        for (int i = 0; i < H; ++i) x[t][i] += m[i];
      }
    }
    std::vector<float> out;
    const vec nw = get("model.norm.weight");
    for (int t = 0; t < T; ++t) {
      const vec h = rms1p(x[t], nw, 0, H);
      const vec lg = mv(E, h, V, H);  // tied
      out.insert(out.end(), lg.begin(), lg.end());
    }
    return out;
  }
};

}  // namespace gemma3_ref

TEST_CASE("gemma3: the runtime matches a double-precision reference forward (HF dir and GGUF)") {
  temp_dir tmp;
  const auto dir = tmp / "gemma3";
  model_config c = parse_hf_config(gemma3_ref::config_json, "gemma3 config");
  REQUIRE(c.tied_embeddings);
  synthetic_options o;
  o.seed = 7;
  write_synthetic_hf(c, dir, o);
  std::ofstream(dir / "config.json") << gemma3_ref::config_json;  // the real gemma3 keys

  std::vector<std::int32_t> toks;
  for (int t = 0; t < 14; ++t)
    toks.push_back((t * 37 + 11) % gemma3_ref::V);  // 14 > W: windows matter
  const auto st = safetensors_file::open(dir / "model.safetensors");
  const std::vector<float> want = gemma3_ref::ref_model{st}.logits(toks);

  const model m = model::load(dir);
  CHECK(m.config().architecture == "gemma3");
  const double d = max_abs_diff(batch_logits(m, toks, 1), want);
  INFO("HF directory: max |logit - reference| = " << d);
  CHECK(d <= 1e-4);

  convert_hf_to_gguf(dir, tmp / "gemma3.gguf");
  const model g = model::load(tmp / "gemma3.gguf");
  CHECK_FALSE(g.config().norm_plus_one);  // the GGUF holds 1 + w
  CHECK(g.config().rope_local.theta == 1e4);
  CHECK(g.config().rope.theta == 1e6);
  CHECK(g.config().layers[5].sliding_window == 0);
  CHECK(g.config().layers[6].sliding_window == gemma3_ref::W);
  const double dg = max_abs_diff(batch_logits(g, toks, 1), want);
  INFO("GGUF: max |logit - reference| = " << dg);
  CHECK(dg <= 1e-4);
}
