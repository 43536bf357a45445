// LoRA adapters against PEFT: ../shared/golden/hf/llama_lora (transformers 5.17 + PEFT 0.21 in
// float64: logits of the adapted model `logits_f64`, of the base alone `logits_base_f64`, greedy
// ids of the merged model), merged and unmerged, from the HF base and from a GGUF of it, with the
// PEFT adapter and with a GGUF adapter written by flipside in llama.cpp's format.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/model/gguf_export.hpp>
#include <flipside/model/lora_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/synthetic.hpp>

#include "model_test_util.hpp"
#include "shared_data.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

struct lora_golden {
  std::vector<std::int32_t> tokens, prompt, greedy;
  std::vector<float> adapted, base;
};

lora_golden read_lora_golden(const std::filesystem::path& dir) {
  const auto f = safetensors_file::open(dir / "golden.safetensors");
  return {read_tensor<std::int32_t>(f, "tokens"), read_tensor<std::int32_t>(f, "gen_prompt"),
          read_tensor<std::int32_t>(f, "gen_greedy"), read_tensor<float>(f, "logits_f64"),
          read_tensor<float>(f, "logits_base_f64")};
}

// The adapted model within 5e-4 of PEFT's float64 logits (the adapter moves logits by up to ~6),
// greedy ids exact.
void check_adapted(const model& m, const lora_golden& g) {
  const double d = max_abs_diff(batch_logits(m, g.tokens, 2), g.adapted);
  INFO(m.path() << ": max |logit - PEFT| = " << d);
  CHECK(d <= 5e-4);
  CHECK(m.generate_greedy(g.prompt, g.greedy.size()) == g.greedy);
}

// A copy of the golden adapter with its adapter_config.json edited (`from` → `to`).
std::filesystem::path edited_adapter(const temp_dir& tmp, const std::filesystem::path& adapter,
                                     const std::string& from, const std::string& to) {
  const auto dir = tmp / ("edited" + std::to_string(std::hash<std::string>{}(from + to)));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(adapter / "adapter_model.safetensors",
                             dir / "adapter_model.safetensors");
  std::string cfg = slurp(adapter / "adapter_config.json");
  const auto at = cfg.find(from);
  REQUIRE(at != std::string::npos);
  cfg.replace(at, from.size(), to);
  std::ofstream(dir / "adapter_config.json") << cfg;
  return dir;
}

std::string load_error(const std::filesystem::path& base, const std::vector<adapter_spec>& a) {
  try {
    model::load(base, a);
  } catch (const error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("PEFT adapter on the HF base: unmerged and merged match PEFT; scale 0 is the base") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama_lora");
  const lora_golden g = read_lora_golden(dir);
  const auto adapter = dir / "adapter";

  const model unmerged = model::load((dir.string() + "+lora:" + adapter.string()));
  REQUIRE(unmerged.adapters().size() == 1);
  CHECK_FALSE(unmerged.adapters()[0].merge);
  check_adapted(unmerged, g);

  const model merged = model::load(dir, {{adapter, 1.0, true}});
  check_adapted(merged, g);

  // Strength 0: the base model bit for bit, and HF's base logits.
  const model base = model::load(dir);
  const auto base_logits = batch_logits(base, g.tokens, 2);
  CHECK(bitwise_equal(batch_logits(unmerged.with_adapter_scale(0), g.tokens, 2), base_logits));
  CHECK(max_abs_diff(base_logits, g.base) <= 1e-4);

  // Half strength: unmerged at run time = merged at load with scale 0.5 = spec `@0.5`.
  const auto half_merged = batch_logits(model::load(dir, {{adapter, 0.5, true}}), g.tokens, 2);
  const auto half_rt = batch_logits(unmerged.with_adapter_scale(0.5), g.tokens, 2);
  const auto half_spec =
      batch_logits(model::load(dir.string() + "+lora:" + adapter.string() + "@0.5"), g.tokens, 2);
  CHECK(max_abs_diff(half_rt, half_merged) <= 1e-4);
  CHECK(bitwise_equal(half_rt, half_spec));
  CHECK(max_abs_diff(half_rt, g.base) > 1e-2);  // it did move
}

TEST_CASE("PEFT adapter on a GGUF base (llama: Q/K rows permuted), unmerged and merged") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama_lora");
  const lora_golden g = read_lora_golden(dir);
  temp_dir tmp;
  convert_hf_to_gguf(dir, tmp / "base.gguf");
  const model unmerged = model::load(tmp / "base.gguf", {{dir / "adapter", 1.0, false}});
  REQUIRE(unmerged.config().rope.layout == rope_layout::interleaved);
  check_adapted(unmerged, g);
  check_adapted(model::load(tmp / "base.gguf", {{dir / "adapter", 1.0, true}}), g);
}

TEST_CASE("GGUF LoRA adapters (llama.cpp's format) on GGUF and HF bases") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama_lora");
  const lora_golden g = read_lora_golden(dir);
  temp_dir tmp;
  const model_config cfg = load_hf_config(dir);
  write_gguf_lora(load_peft_adapter(dir / "adapter", cfg), cfg, tmp / "adapter.gguf");
  convert_hf_to_gguf(dir, tmp / "base.gguf");
  {
    const auto f = gguf_file::open(tmp / "adapter.gguf");
    CHECK(f.get_string("general.type") == "adapter");
    CHECK(f.get<float>("adapter.lora.alpha") == 16.0f);
    CHECK(f.find_tensor("blk.2.attn_q.weight.lora_a") != nullptr);
    CHECK(f.find_tensor("blk.2.ffn_down.weight.lora_b") != nullptr);
  }
  check_adapted(
      model::load((tmp / "base.gguf").string() + "+lora:" + (tmp / "adapter.gguf").string()), g);
  check_adapted(model::load(tmp / "base.gguf", {{tmp / "adapter.gguf", 1.0, true}}), g);
  // On the HF base the permuted Q/K rows of B are put back in HF order.
  check_adapted(model::load(dir, {{tmp / "adapter.gguf", 1.0, false}}), g);
}

TEST_CASE("unsupported adapters and adapter/base mismatches give errors naming file and key") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama_lora");
  using Catch::Matchers::Contains;
  const auto adapter = dir / "adapter";
  temp_dir tmp;
  auto with = [&](const std::string& from, const std::string& to) {
    return load_error(dir, {{edited_adapter(tmp, adapter, from, to), 1.0, false}});
  };
  CHECK_THAT(with("\"use_dora\": false", "\"use_dora\": true"),
             Contains("adapter_config.json") && Contains("use_dora"));
  CHECK_THAT(with("\"bias\": \"none\"", "\"bias\": \"all\""), Contains("bias"));
  CHECK_THAT(with("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]"),
             Contains("modules_to_save"));
  CHECK_THAT(with("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"q_proj\": 4}"),
             Contains("alpha_pattern"));
  CHECK_THAT(with("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\""), Contains("peft_type"));
  CHECK_THAT(with("\"r\": 8", "\"r\": 4"),
             Contains("adapter_model.safetensors") && Contains("rank 8"));
  CHECK_THAT(with("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": true"),
             Contains("fan_in_fan_out"));
  // rsLoRA changes the scaling (alpha / √r): loads, and moves logits differently.
  CHECK(with("\"use_rslora\": false", "\"use_rslora\": true") == "no error");

  // A base of another shape: the first pair that does not fit is named.
  model_config small = load_hf_config(dir);
  small.ffn_size = 96;
  write_synthetic_hf(small, tmp / "small");
  CHECK_THAT(load_error(tmp / "small", {{adapter, 1.0, false}}),
             Contains("adapter/base mismatch") && Contains("ffn_"));
  // A GGUF adapter for another architecture.
  const model_config cfg = load_hf_config(dir);
  write_gguf_lora(load_peft_adapter(adapter, cfg), cfg, tmp / "adapter.gguf");
  model_config q = cfg;
  q.architecture = "qwen2";
  q.qkv_bias = true;
  write_synthetic_hf(q, tmp / "qwen");
  CHECK_THAT(load_error(tmp / "qwen", {{tmp / "adapter.gguf", 1.0, false}}),
             Contains("adapter.gguf") && Contains("general.architecture"));
  // Missing adapter, malformed spec.
  CHECK_THAT(load_error(dir, {{tmp / "nope", 1.0, false}}), Contains("nope"));
  CHECK_THROWS_AS(model::load(dir.string() + "+lora:"), argument_error);
}
