// Configs of the families beyond llama/qwen/gpt2 (mistral, phi3, gemma2, gemma3): what each
// config.json / GGUF convention turns into, and the errors for what is not supported.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include <flipside/model/architecture.hpp>
#include <flipside/model/hf_config.hpp>
#include <flipside/model/rope_frequencies.hpp>

#include "shared_data.hpp"

using namespace flipside;

namespace {

std::string config_error(const std::string& json) {
  try {
    parse_hf_config(json, "cfg.json");
  } catch (const error& e) {
    return e.what();
  }
  return "no error";
}

// google/gemma-3-1b-pt's config.json (legacy keys: rope_local_base_freq, sliding_window_pattern).
const char* gemma3_1b_json = R"({
  "architectures": ["Gemma3ForCausalLM"], "attention_bias": false,
  "attn_logit_softcapping": null, "final_logit_softcapping": null, "head_dim": 256,
  "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152, "intermediate_size": 6912,
  "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
  "num_hidden_layers": 26, "num_key_value_heads": 1, "query_pre_attn_scalar": 256,
  "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000, "rope_scaling": null,
  "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6,
  "vocab_size": 262144})";

}  // namespace

TEST_CASE("gemma2 golden config: soft-caps, query_pre_attn_scalar, alternating windows") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/gemma2");
  const auto c = load_hf_config(dir);
  CHECK(c.architecture == "gemma2");
  CHECK(c.activation == activation_kind::gelu_tanh);
  CHECK(c.norm_plus_one);
  CHECK(c.post_norms);
  CHECK(c.embed_scale == Approx(std::sqrt(128.0)));
  CHECK(c.attn_softcap == 50.0);
  CHECK(c.final_softcap == 30.0);
  CHECK(c.attention_scale() == Approx(1 / std::sqrt(32.0)));
  CHECK(c.tied_embeddings);
  REQUIRE(c.layers.size() == 4);
  CHECK(c.layers[0].sliding_window == 16);
  CHECK(c.layers[1].sliding_window == 0);
  CHECK(c.layers[2].sliding_window == 16);
  CHECK(c.layers[3].sliding_window == 0);
  CHECK(c.rope_local.theta == c.rope.theta);  // gemma2: one rope for both kinds of layer
}

TEST_CASE("mistral and phi3 golden configs") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf");
  const auto m = load_hf_config(dir / "mistral_swa");
  CHECK(m.architecture == "llama");
  for (const auto& l : m.layers) CHECK(l.sliding_window == 16);
  const auto p = load_hf_config(dir / "phi3");
  CHECK(p.architecture == "phi3");
  CHECK(p.rope.rotary_dim == 16);
  for (const auto& l : p.layers) CHECK(l.sliding_window == 0);  // "sliding_window": null
  const auto& arch = *find_architecture("phi3");
  CHECK(*hf_tensor_name(arch, tensor_role::attn_qkv, 1, "model.") ==
        "model.layers.1.self_attn.qkv_proj.weight");
  CHECK(*hf_tensor_name(arch, tensor_role::ffn_up, 0, "model.") ==
        "model.layers.0.mlp.gate_up_proj.weight");
}

TEST_CASE("gemma3 (Gemma 3 1B config): local/global pattern, two rope bases, q/k norms") {
  const auto c = parse_hf_config(gemma3_1b_json, "gemma3.json");
  CHECK(c.architecture == "gemma3");
  CHECK(c.qk_norm);
  CHECK(c.norm_plus_one);
  CHECK(c.post_norms);
  CHECK(c.attn_softcap == 0);
  CHECK(c.final_softcap == 0);
  CHECK(c.attention_scale() == Approx(1.0 / 16));
  CHECK(c.embed_scale == Approx(std::sqrt(1152.0)));
  CHECK(c.head_dim == 256);
  CHECK(c.rope.theta == 1e6);
  CHECK(c.rope_local.theta == 1e4);
  CHECK(c.rope_local.rotary_dim == 256);
  CHECK(c.tied_embeddings);
  REQUIRE(c.layers.size() == 26);
  for (std::size_t i = 0; i < 26; ++i) {
    INFO("layer " << i);
    const bool global = (i + 1) % 6 == 0;
    CHECK(c.layers[i].sliding_window == (global ? 0 : 512));
    CHECK(c.layers[i].local_rope == !global);
  }
  const auto& arch = *find_architecture("gemma3");
  CHECK(*hf_tensor_name(arch, tensor_role::post_attn_norm, 3, "model.") ==
        "model.layers.3.post_attention_layernorm.weight");
  CHECK(*hf_tensor_name(arch, tensor_role::ffn_norm, 3, "model.") ==
        "model.layers.3.pre_feedforward_layernorm.weight");
  CHECK(*hf_tensor_name(arch, tensor_role::post_ffn_norm, 3, "model.") ==
        "model.layers.3.post_feedforward_layernorm.weight");
  CHECK(*hf_tensor_name(arch, tensor_role::attn_q_norm, 0, "model.") ==
        "model.layers.0.self_attn.q_norm.weight");
}

TEST_CASE("gemma3 with transformers-5 nested rope_parameters and layer_types") {
  const auto c = parse_hf_config(
      R"({"model_type": "gemma3_text", "vocab_size": 100, "hidden_size": 64,
          "num_hidden_layers": 3, "num_attention_heads": 2, "num_key_value_heads": 1,
          "head_dim": 32, "intermediate_size": 96, "sliding_window": 8,
          "layer_types": ["sliding_attention", "full_attention", "sliding_attention"],
          "rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 8.0,
                                                  "rope_theta": 1000000.0},
                              "sliding_attention": {"rope_type": "default",
                                                    "rope_theta": 10000.0}}})",
      "g.json");
  CHECK(c.rope.theta == 1e6);
  CHECK(c.rope.scaling == rope_scaling_kind::linear);
  CHECK(c.rope.factor == 8.0);
  CHECK(c.rope_local.theta == 1e4);
  CHECK(c.rope_local.scaling == rope_scaling_kind::none);
  CHECK(c.layers[0].sliding_window == 8);
  CHECK(c.layers[0].local_rope);
  CHECK(c.layers[1].sliding_window == 0);
  CHECK_FALSE(c.layers[1].local_rope);
  CHECK(c.attention_scale() == Approx(1.0 / 16));  // Gemma3TextConfig default scalar 256
}

TEST_CASE("phi3 longrope (Phi-3.5-mini style): short factors, attention factor, long table") {
  std::string shorts, longs;
  for (int i = 0; i < 8; ++i) {
    shorts += (i ? ", " : "") + std::to_string(1.0 + 0.1 * i);
    longs += (i ? ", " : "") + std::to_string(2.0 + i);
  }
  const auto c = parse_hf_config(
      R"({"model_type": "phi3", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 2,
          "num_attention_heads": 2, "intermediate_size": 96, "partial_rotary_factor": 0.5,
          "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
          "rope_theta": 10000.0,
          "rope_scaling": {"type": "longrope", "short_factor": [)" +
          shorts + R"(], "long_factor": [)" + longs + "]}}",
      "phi.json");
  CHECK(c.rope.rotary_dim == 16);  // 32 · 0.5
  CHECK(c.rope.scaling == rope_scaling_kind::longrope);
  CHECK(c.rope.original_max_positions == 4096);
  CHECK(c.rope.factor == 32.0);
  const double af = std::sqrt(1 + std::log(32.0) / std::log(4096.0));
  CHECK(c.rope.attention_factor == Approx(af));
  const auto inv = rope_inverse_frequencies(c.rope);
  REQUIRE(inv.size() == 8);
  for (std::size_t i = 0; i < 8; ++i)
    CHECK(inv[i] == Approx(std::pow(1e4, -2.0 * i / 16) / (1.0 + 0.1 * i)));
  const auto short_t = make_rope_table(c.rope, 32, 4);
  const auto long_t = make_rope_table(c.rope, 32, 4, true);
  CHECK(short_t.config().mscale == Approx(af));
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(short_t.inv_freq()[i] == Approx(inv[i]).epsilon(1e-6));
    CHECK(long_t.inv_freq()[i] == Approx(std::pow(1e4, -2.0 * i / 16) / (2.0 + i)).epsilon(1e-6));
  }
  // Wrong number of factors: an error naming the field.
  CHECK_THAT(config_error(R"({"model_type": "phi3", "vocab_size": 100, "hidden_size": 64,
          "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 96,
          "rope_scaling": {"type": "longrope", "short_factor": [1, 2], "long_factor": [1, 2]}})"),
             Catch::Matchers::Contains("short_factor"));
}

TEST_CASE("unsupported gemma variants are refused by name") {
  using Catch::Matchers::Contains;
  CHECK_THAT(config_error(R"({"model_type": "gemma3", "text_config": {"hidden_size": 8}})"),
             Contains("cfg.json") && Contains("text_config"));
  CHECK_THAT(config_error(R"({"model_type": "gemma", "vocab_size": 10})"), Contains("'gemma'"));
}
