// Model configuration: HF config.json (transformers 5 `rope_parameters` and the legacy top-level
// rope_theta / rope_scaling), architecture table, tensor names, rope frequencies.
#include <cmath>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include <flipside/model/architecture.hpp>
#include <flipside/model/hf_config.hpp>
#include <flipside/model/rope_frequencies.hpp>

#include "shared_data.hpp"

using namespace flipside;

namespace {

// A minimal llama config.json; `extra` members are added, replacing base members of that name.
std::string llama_json(const std::string& extra) {
  std::map<std::string, std::string> members = {
      {"model_type", "\"llama\""},  {"vocab_size", "1000"},       {"hidden_size", "64"},
      {"num_hidden_layers", "2"},   {"num_attention_heads", "4"}, {"num_key_value_heads", "2"},
      {"intermediate_size", "128"}, {"rms_norm_eps", "1e-6"}};
  std::string json = "{" + extra;
  for (const auto& [k, v] : members)
    if (extra.find("\"" + k + "\"") == std::string::npos)
      json += (json.size() > 1 ? ", \"" : "\"") + k + "\": " + v;
  return json + "}";
}

}  // namespace

TEST_CASE("golden HF configs parse into the expected hyper-parameters") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf");
  SECTION("llama: GQA, untied, rope_parameters default") {
    const auto c = load_hf_config(dir / "llama");
    CHECK(c.architecture == "llama");
    CHECK(c.vocab_size == 1024);
    CHECK(c.hidden_size == 128);
    CHECK(c.n_layers == 3);
    CHECK(c.n_heads == 8);
    CHECK(c.n_kv_heads == 2);
    CHECK(c.head_dim == 16);
    CHECK(c.ffn_size == 344);
    CHECK(c.norm == norm_kind::rms);
    CHECK(c.norm_eps == Approx(1e-5));
    CHECK(c.activation == activation_kind::silu);
    CHECK(c.mlp == mlp_kind::gated);
    CHECK(c.rope.theta == 10000.0);
    CHECK(c.rope.rotary_dim == 16);
    CHECK(c.rope.layout == rope_layout::half_split);
    CHECK(c.rope.scaling == rope_scaling_kind::none);
    CHECK_FALSE(c.tied_embeddings);
    CHECK_FALSE(c.qkv_bias);
    CHECK(c.layers.size() == 3);
  }
  SECTION("llama3: llama3 rope scaling from rope_parameters, tied") {
    const auto c = load_hf_config(dir / "llama3");
    CHECK(c.rope.theta == 500000.0);
    CHECK(c.rope.scaling == rope_scaling_kind::llama3);
    CHECK(c.rope.factor == 32.0);
    CHECK(c.rope.low_freq_factor == 1.0);
    CHECK(c.rope.high_freq_factor == 4.0);
    CHECK(c.rope.original_max_positions == 64);
    CHECK(c.tied_embeddings);
  }
  SECTION("qwen2: q/k/v biases, theta 1e6, no sliding window") {
    const auto c = load_hf_config(dir / "qwen2");
    CHECK(c.architecture == "qwen2");
    CHECK(c.qkv_bias);
    CHECK_FALSE(c.o_bias);
    CHECK(c.rope.theta == 1e6);
    CHECK(c.tied_embeddings);
    for (const auto& l : c.layers) CHECK(l.sliding_window == 0);
  }
  SECTION("gpt2: LayerNorm, tanh GELU, learned positions, FFN 4·n_embd") {
    const auto c = load_hf_config(dir / "gpt2");
    CHECK(c.architecture == "gpt2");
    CHECK(c.hidden_size == 128);
    CHECK(c.n_heads == 8);
    CHECK(c.n_kv_heads == 8);
    CHECK(c.head_dim == 16);
    CHECK(c.ffn_size == 512);
    CHECK(c.max_positions == 256);
    CHECK(c.norm == norm_kind::layer);
    CHECK(c.activation == activation_kind::gelu_tanh);
    CHECK(c.mlp == mlp_kind::plain);
    CHECK(c.positions == position_kind::learned);
    CHECK(c.qkv_bias);
    CHECK(c.o_bias);
    CHECK(c.mlp_bias);
    CHECK(c.tied_embeddings);
  }
}

TEST_CASE("legacy top-level rope_theta and rope_scaling are read") {
  SECTION("integer rope_theta, no scaling, default head_dim") {
    const auto c =
        parse_hf_config(llama_json(R"("rope_theta": 500000, "rope_scaling": null)"), "c");
    CHECK(c.rope.theta == 500000.0);
    CHECK(c.head_dim == 16);
    CHECK(c.rope.rotary_dim == 16);
    CHECK(c.rope.scaling == rope_scaling_kind::none);
    CHECK_FALSE(c.tied_embeddings);  // LlamaConfig's default
  }
  SECTION("rope_scaling with the old `type` key") {
    const auto c = parse_hf_config(
        llama_json(R"("rope_theta": 1e4, "rope_scaling": {"type": "linear", "factor": 4.0})"), "c");
    CHECK(c.rope.scaling == rope_scaling_kind::linear);
    CHECK(c.rope.factor == 4.0);
  }
  SECTION("Llama 3.1 style rope_scaling") {
    const auto c =
        parse_hf_config(llama_json(R"("rope_theta": 500000.0, "rope_scaling": {"factor": 8.0,
            "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192, "rope_type": "llama3"})"),
                        "c");
    CHECK(c.rope.scaling == rope_scaling_kind::llama3);
    CHECK(c.rope.factor == 8.0);
    CHECK(c.rope.original_max_positions == 8192);
  }
  SECTION("no rope_theta at all: transformers' default 10000") {
    CHECK(parse_hf_config(llama_json(""), "c").rope.theta == 10000.0);
  }
  SECTION("rope_parameters wins over a top-level rope_theta") {
    const auto c = parse_hf_config(
        llama_json(
            R"("rope_theta": 1e4, "rope_parameters": {"rope_theta": 1e6, "rope_type": "default"})"),
        "c");
    CHECK(c.rope.theta == 1e6);
  }
}

TEST_CASE("qwen3 and mistral configs") {
  SECTION("qwen3: explicit head_dim different from hidden/heads, q/k norms") {
    const auto c = parse_hf_config(
        R"({"model_type": "qwen3", "vocab_size": 1000, "hidden_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
            "intermediate_size": 96, "rms_norm_eps": 1e-6, "rope_theta": 1000000,
            "tie_word_embeddings": true, "attention_bias": false})",
        "qwen3.json");
    CHECK(c.architecture == "qwen3");
    CHECK(c.head_dim == 32);
    CHECK(c.q_dim() == 128);
    CHECK(c.kv_dim() == 64);
    CHECK(c.rope.rotary_dim == 32);
    CHECK(c.qk_norm);
    CHECK_FALSE(c.qkv_bias);
    CHECK(c.tied_embeddings);
  }
  SECTION("mistral maps onto llama with a sliding window on every layer") {
    const auto c =
        parse_hf_config(llama_json(R"("model_type": "mistral", "sliding_window": 4096)"), "m.json");
    CHECK(c.architecture == "llama");
    for (const auto& l : c.layers) CHECK(l.sliding_window == 4096);
  }
  SECTION("qwen2 use_sliding_window applies from max_window_layers on") {
    const auto c = parse_hf_config(
        R"({"model_type": "qwen2", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 3,
            "num_attention_heads": 2, "intermediate_size": 64, "use_sliding_window": true,
            "sliding_window": 8, "max_window_layers": 1})",
        "q.json");
    CHECK(c.layers[0].sliding_window == 0);
    CHECK(c.layers[1].sliding_window == 8);
    CHECK(c.layers[2].sliding_window == 8);
  }
}

TEST_CASE("bad or unsupported configs give errors naming the file and field") {
  auto message = [](const std::string& json) {
    try {
      parse_hf_config(json, "cfg.json");
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(message(R"({"model_type": "mamba"})"), Contains("mamba") && Contains("llama, qwen2"));
  CHECK_THROWS_AS(parse_hf_config(R"({"model_type": "mamba"})", "c"), unsupported_error);
  CHECK_THAT(message(R"({"model_type": "llama", "vocab_size": 10})"),
             Contains("cfg.json") && Contains("hidden_size") && Contains("missing"));
  CHECK_THAT(message(llama_json(R"("rope_scaling": {"rope_type": "yarn", "factor": 4})")),
             Contains("yarn"));
  CHECK_THAT(message(llama_json(R"("hidden_act": "relu")")), Contains("hidden_act"));
  CHECK_THAT(message(llama_json(R"("num_key_value_heads": 3)")), Contains("n_kv_heads"));
  CHECK_THAT(message(llama_json(R"("hidden_size": "big")")), Contains("hidden_size"));
  CHECK_THAT(message("{not json"), Contains("cfg.json"));
  CHECK_THAT(message("[1, 2]"), Contains("object"));
  CHECK_THAT(message(llama_json(R"("vocab_size": -5)")), Contains("vocab_size"));
  CHECK_THROWS_AS(load_hf_config("/nonexistent/dir/config.json"), format_error);
}

TEST_CASE("tensor names: HF and GGUF spellings of each role") {
  const auto& llama = *find_architecture("llama");
  const auto& gpt2 = *find_architecture("gpt2");
  CHECK(gguf_tensor_name(tensor_role::attn_q, 3) == "blk.3.attn_q.weight");
  CHECK(gguf_tensor_name(tensor_role::token_embd) == "token_embd.weight");
  CHECK(gguf_tensor_name(tensor_role::rope_freqs) == "rope_freqs.weight");
  CHECK(*hf_tensor_name(llama, tensor_role::ffn_norm, 2, "model.") ==
        "model.layers.2.post_attention_layernorm.weight");
  CHECK(*hf_tensor_name(llama, tensor_role::output, 0, "model.") == "lm_head.weight");
  CHECK_FALSE(hf_tensor_name(llama, tensor_role::rope_freqs, 0, "model."));
  CHECK(*hf_tensor_name(gpt2, tensor_role::attn_qkv, 1, "transformer.") ==
        "transformer.h.1.attn.c_attn.weight");
  CHECK(*hf_tensor_name(gpt2, tensor_role::ffn_up, 0, "") == "h.0.mlp.c_fc.weight");
  CHECK(hf_is_transposed(gpt2, tensor_role::attn_qkv));
  CHECK_FALSE(hf_is_transposed(gpt2, tensor_role::token_embd));
  CHECK_FALSE(hf_is_transposed(llama, tensor_role::attn_q));
  CHECK(llama.gguf_rope == rope_layout::interleaved);
  CHECK(find_architecture("qwen2")->gguf_rope == rope_layout::half_split);
  CHECK(find_architecture("qwen3")->gguf_rope == rope_layout::half_split);
  CHECK(find_architecture("falcon") == nullptr);
}

TEST_CASE("rope frequencies: plain, linear, llama3 and llama.cpp's rope_freqs factors") {
  rope_config r;
  r.theta = 10000.0;
  r.rotary_dim = 8;
  auto inv = rope_inverse_frequencies(r);
  REQUIRE(inv.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(inv[i] == Approx(std::pow(1e4, -2.0 * i / 8.0)));

  r.scaling = rope_scaling_kind::linear;
  r.factor = 4;
  auto lin = rope_inverse_frequencies(r);
  for (std::size_t i = 0; i < 4; ++i) CHECK(lin[i] == Approx(inv[i] / 4));

  // The golden llama3 case (theta 5e5, d 16, factor 32, low 1, high 4, original context 64):
  // llama.cpp wrote rope_freqs = [1, 2.8886, 32, 32, 32, 32, 32, 32] (shared/golden/gguf/README).
  rope_config l3;
  l3.theta = 500000.0;
  l3.rotary_dim = 16;
  l3.scaling = rope_scaling_kind::llama3;
  l3.factor = 32;
  l3.low_freq_factor = 1;
  l3.high_freq_factor = 4;
  l3.original_max_positions = 64;
  const auto factors = llama3_rope_freq_factors(l3);
  REQUIRE(factors.size() == 8);
  CHECK(factors[0] == Approx(1.0));
  CHECK(factors[1] == Approx(2.8886).epsilon(1e-4));
  for (std::size_t i = 2; i < 8; ++i) CHECK(factors[i] == Approx(32.0));
  // Dividing by the factors reproduces the llama3 formula.
  rope_config via_factors = l3;
  via_factors.freq_factors = factors;
  const auto a = rope_inverse_frequencies(l3), b = rope_inverse_frequencies(via_factors);
  for (std::size_t i = 0; i < 8; ++i) CHECK(b[i] == Approx(a[i]).epsilon(1e-6));

  // The kernels' table holds the same frequencies (as f32) with the scaling as divisors.
  const simd::rope_table t = make_rope_table(l3, 16, 8);
  REQUIRE(t.inv_freq().size() == 8);
  for (std::size_t i = 0; i < 8; ++i) CHECK(t.inv_freq()[i] == Approx(a[i]).epsilon(1e-6));
  CHECK(t.config().layout == simd::rope_layout::neox);
  rope_config inter = r;
  inter.layout = rope_layout::interleaved;
  const simd::rope_table tl = make_rope_table(inter, 8, 0);
  CHECK(tl.config().layout == simd::rope_layout::gptj);
  for (std::size_t i = 0; i < 4; ++i) CHECK(tl.inv_freq()[i] == Approx(inv[i] / 4));
}
