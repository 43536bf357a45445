// Conformance against independent implementations:
//  - ../shared/golden/hf/<case>: transformers 5.17 in float64 (logits_f64) and its greedy ids;
//  - ../shared/golden/gguf/<case>/model-f32.gguf: the same models converted by llama.cpp.
// Each HF case is run from its directory and from a GGUF flipside writes from it.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/model/gguf_export.hpp>
#include <flipside/model/model.hpp>

#include "model_test_util.hpp"
#include "shared_data.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

struct golden {
  std::vector<std::int32_t> tokens;  // [2, 48]
  std::vector<float> logits;         // [2, 48, 1024]
  std::vector<std::int32_t> prompt, greedy;
};

golden read_golden(const std::filesystem::path& file, const std::string& logits_name,
                   const std::string& greedy_name) {
  const auto f = safetensors_file::open(file);
  return {read_tensor<std::int32_t>(f, "tokens"), read_tensor<float>(f, logits_name),
          read_tensor<std::int32_t>(f, "gen_prompt"), read_tensor<std::int32_t>(f, greedy_name)};
}

// max |logit − reference| ≤ 1e-4 over both sequences, greedy continuation exact.
void check_against(const model& m, const golden& g) {
  const auto logits = batch_logits(m, g.tokens, 2);
  const double d = max_abs_diff(logits, g.logits);
  INFO(m.path() << ": max |logit - reference| = " << d);
  CHECK(d <= 1e-4);
  CHECK(m.generate_greedy(g.prompt, g.greedy.size()) == g.greedy);
}

}  // namespace

TEST_CASE("HF directories reproduce transformers' float64 logits and greedy ids") {
  const std::string name =
      GENERATE("llama", "llama3", "qwen2", "gpt2", "mistral_swa", "phi3", "gemma2");
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/" + name);
  const golden g = read_golden(dir / "golden.safetensors", "logits_f64", "gen_greedy");
  const model m = model::load(dir);
  CHECK(m.format() == model_format::huggingface);
  check_against(m, g);
}

TEST_CASE("GGUF files written by flipside from the HF directories give the same results") {
  const std::string name =
      GENERATE("llama", "llama3", "qwen2", "gpt2", "mistral_swa", "phi3", "gemma2");
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/" + name);
  const golden g = read_golden(dir / "golden.safetensors", "logits_f64", "gen_greedy");
  temp_dir tmp;
  convert_hf_to_gguf(dir, tmp / "model.gguf");
  const model m = model::load(tmp / "model.gguf");
  CHECK(m.format() == model_format::gguf);
  if (name == "llama" || name == "llama3")
    CHECK(m.config().rope.layout == rope_layout::interleaved);  // Q/K rows were permuted
  check_against(m, g);
}

TEST_CASE("flipside's GGUF conversion writes llama.cpp's tensors byte for byte") {
  // The same layouts, names and Q/K permutation as llama.cpp's convert_hf_to_gguf.py.
  const std::string name = GENERATE("llama", "llama3", "qwen2", "gpt2");
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/" + name);
  FLIPSIDE_SHARED_OR_SKIP(ref, "golden/gguf/" + name + "/model-f32.gguf");
  temp_dir tmp;
  convert_hf_to_gguf(hf, tmp / "model.gguf");
  const auto ours = gguf_file::open(tmp / "model.gguf");
  const auto theirs = gguf_file::open(ref);
  CHECK(ours.tensors().size() == theirs.tensors().size());
  for (const tensor_view& t : theirs.tensors()) {
    INFO(t.name);
    const tensor_view* o = ours.find_tensor(t.name);
    REQUIRE(o != nullptr);
    CHECK(o->shape == t.shape);
    CHECK(o->type == t.type);
    REQUIRE(o->nbytes == t.nbytes);
    CHECK(std::memcmp(o->data, t.data, t.nbytes) == 0);
  }
  // The hyper-parameters read back are the same as from llama.cpp's metadata.
  const model_config a = gguf_model_config(ours), b = gguf_model_config(theirs);
  CHECK(a.hidden_size == b.hidden_size);
  CHECK(a.n_kv_heads == b.n_kv_heads);
  CHECK(a.head_dim == b.head_dim);
  CHECK(a.ffn_size == b.ffn_size);
  CHECK(a.rope.theta == b.rope.theta);
  CHECK(a.rope.freq_factors == b.rope.freq_factors);
  CHECK(a.tied_embeddings == b.tied_embeddings);
  CHECK(a.norm_eps == b.norm_eps);
}

TEST_CASE("llama.cpp's f32 GGUF files agree with HF within 1e-4") {
  const std::string name = GENERATE("llama", "llama3", "qwen2", "gpt2");
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf/" + name);
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/" + name);
  // gpt2: llama.cpp's own GELU is a rounded lookup table; with exact tanh-GELU the reference is
  // logits_f32_exact_gelu (shared/golden/gguf/README.md). The others: HF float64.
  const golden g = name == "gpt2"
                       ? read_golden(dir / "llamacpp-golden.safetensors", "logits_f32_exact_gelu",
                                     "hf_gen_greedy")
                       : read_golden(hf / "golden.safetensors", "logits_f64", "gen_greedy");
  const model m = model::load(dir / "model-f32.gguf");
  check_against(m, g);
  if (name == "gpt2") {
    const auto hf64 = safetensors_file::open(hf / "golden.safetensors");
    CHECK(max_abs_diff(batch_logits(m, g.tokens, 2), read_tensor<float>(hf64, "logits_f64")) <=
          1e-4);
  }
}
