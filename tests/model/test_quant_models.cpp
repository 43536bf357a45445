// Quantized GGUF models (Q8_0, Q4_0, Q4_K_M, Q5_K_M, Q6_K mixes written by llama.cpp's own
// quantiser) against llama.cpp's logits, position by position:
//  - ../shared/golden/gguf-quant/{llama,qwen2}/model-<q>.gguf and llamacpp-logits.safetensors;
//  - ../shared/golden/gguf/<case>/model-{q8_0,q4_0,q4_k_m}.gguf and llamacpp-golden.safetensors
//    (hidden 128: many tensors fall back to Q5_0 / Q8_0 / F16).
// Rules (golden/gguf-quant/README.md): the exact-dequantisation engine within 1e-4 of
// logits_<q>_dequant (llama.cpp in f32 on the dequantised weights) with the same greedy ids; the
// engine that quantises activations as llama.cpp does within 1.5× llama.cpp's own activation-
// quantisation effect (max |logits_<q> − logits_<q>_dequant|) of logits_<q>. The default engine
// (quant_matmul::by_rows) is one of the two per product, chosen by row count: its prefill-sized
// products are the exact engine's bitwise and its short ones the integer engine's (tested below),
// so its batch of all golden tokens gets the exact rule, widened by the activation quantisation
// of the logits projection (computed ≤ 4 rows at a time, so on the integer path).
#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/model/model.hpp>

#include "model_test_util.hpp"
#include "shared_data.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

void check_quantized(const std::filesystem::path& gguf, const std::filesystem::path& golden_file,
                     const std::string& q, double exact_tol) {
  const auto g = safetensors_file::open(golden_file);
  const auto tokens = read_tensor<std::int32_t>(g, "tokens");
  const auto llama_q = read_tensor<float>(g, "logits_" + q);
  const auto llama_deq = read_tensor<float>(g, "logits_" + q + "_dequant");
  const double act_effect = max_abs_diff(llama_q, llama_deq);
  {
    const model m = model::load(gguf, quant_matmul::exact);
    const double d = max_abs_diff(batch_logits(m, tokens, 2), llama_deq);
    INFO(gguf.string() << " (exact dequantisation): max |logit - llama.cpp dequant| = " << d);
    CHECK(d <= exact_tol);
    const auto prompt = read_tensor<std::int32_t>(g, "gen_prompt");
    const auto greedy = read_tensor<std::int32_t>(g, "greedy_" + q + "_dequant");
    CHECK(m.generate_greedy(prompt, greedy.size()) == greedy);
  }
  {
    const model m = model::load(gguf, quant_matmul::integer);
    const double d = max_abs_diff(batch_logits(m, tokens, 2), llama_q);
    INFO(gguf.string() << " (q8 activations): max |logit - llama.cpp| = " << d
                       << ", llama.cpp's own activation-quantisation effect " << act_effect);
    CHECK(d <= 1.5 * act_effect);
  }
  {
    const model m = model::load(gguf);  // by_rows: the golden batch has ≥ quant_exact_min_rows
    REQUIRE(tokens.size() >= quant_exact_min_rows);
    const double d = max_abs_diff(batch_logits(m, tokens, 2), llama_deq);
    INFO(gguf.string() << " (by rows): max |logit - llama.cpp dequant| = " << d
                       << ", llama.cpp's own activation-quantisation effect " << act_effect);
    CHECK(d <= std::max(exact_tol, 1.5 * act_effect));
  }
}

}  // namespace

TEST_CASE("quantized GGUF models match llama.cpp (gguf-quant llama and qwen2)") {
  const std::string name = GENERATE("llama", "qwen2");
  const std::string q = GENERATE("q8_0", "q4_0", "q4_0_pure", "q4_k_m", "q5_k_m", "q6_k");
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant/" + name);
  check_quantized(dir / ("model-" + q + ".gguf"), dir / "llamacpp-logits.safetensors", q, 1e-4);
}

TEST_CASE("quantized GGUF models match llama.cpp (gguf llama, llama3, qwen2, gpt2)") {
  const std::string name = GENERATE("llama", "llama3", "qwen2", "gpt2");
  const std::string q = GENERATE("q8_0", "q4_0", "q4_k_m");
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf/" + name);
  // gpt2: llama.cpp's GELU rounds its input to fp16 and reads a table; that alone moves its f32
  // logits by 1.4e-3 from exact GELU (golden/gguf/README.md), so the exact engine gets 2e-3.
  check_quantized(dir / ("model-" + q + ".gguf"), dir / "llamacpp-golden.safetensors", q,
                  name == "gpt2" ? 2e-3 : 1e-4);
}

TEST_CASE("quantized weights stay in the mapping and restricted logits equal full logits") {
  FLIPSIDE_SHARED_OR_SKIP(gguf, "golden/gguf-quant/qwen2/model-q4_k_m.gguf");
  for (quant_matmul mode : {quant_matmul::integer, quant_matmul::exact, quant_matmul::by_rows}) {
    const model m = model::load(gguf, mode);
    const auto* mapped = m.gguf()->find_tensor("blk.0.attn_q.weight");
    CHECK(mapped->type == dtype::q4_k);
    CHECK(m.weights().layers[0].q.data == mapped->data);
    CHECK(m.unembedding().type == dtype::q6_k);  // tied: token_embd plays output
    const std::vector<std::int32_t> ids = {1, 5, 9, 200, 3, 77, 1000, 42};
    auto cache = m.new_cache(ids.size());
    const auto r = m.forward(cache, ids, output_rows::last, {true, nullptr});
    const std::vector<std::int32_t> labels = {3, 999, 17, 512, 0};
    std::vector<float> restricted(labels.size());
    m.token_logits(r.hidden_row(0), labels.data(), labels.size(), restricted.data());
    for (std::size_t i = 0; i < labels.size(); ++i)
      CHECK(restricted[i] == r.logits_row(0)[labels[i]]);
  }
}

TEST_CASE("quantized models give the same logits for 1 and 2 threads") {
  FLIPSIDE_SHARED_OR_SKIP(gguf, "golden/gguf-quant/llama/model-q5_k_m.gguf");
  const std::vector<std::int32_t> ids = {1, 5, 9, 200, 3, 77, 1000, 42, 8, 8, 8, 9};
  thread_pool pool(2);
  for (quant_matmul mode : {quant_matmul::integer, quant_matmul::exact, quant_matmul::by_rows}) {
    const model m = model::load(gguf, mode);
    CHECK(bitwise_equal(batch_logits(m, ids, 2), batch_logits(m, ids, 2, &pool)));
  }
}

// Decode steps (one row per forward call) run q, k, v and gate, up as one parallel region each
// (gemv_group); the qwen2 file mixes block types and has q/k/v biases.
TEST_CASE("quantized decode steps give the same logits for 1, 2 and 3 threads") {
  FLIPSIDE_SHARED_OR_SKIP(gguf, "golden/gguf-quant/qwen2/model-q4_k_m.gguf");
  const model m = model::load(gguf);
  thread_pool p2(2), p3(3);
  const std::vector<std::int32_t> ids = {1, 5, 9, 200, 3, 77};
  auto decode = [&](thread_pool* pool) {
    auto cache = m.new_cache(ids.size());
    std::vector<float> out;
    for (std::int32_t id : ids) {
      const auto r =
          m.forward(cache, std::vector<std::int32_t>{id}, output_rows::last, {true, pool});
      out.insert(out.end(), r.logits.begin(), r.logits.end());
    }
    return out;
  };
  const auto one = decode(nullptr);
  REQUIRE(one.size() == ids.size() * static_cast<std::size_t>(m.config().vocab_size));
  CHECK(bitwise_equal(one, decode(&p2)));
  CHECK(bitwise_equal(one, decode(&p3)));
}

TEST_CASE("by_rows computes prefill-sized products exactly and short ones on integers") {
  FLIPSIDE_SHARED_OR_SKIP(gguf, "golden/gguf-quant/qwen2/model-q4_k_m.gguf");
  const model by_rows = model::load(gguf), integer = model::load(gguf, quant_matmul::integer),
              exact = model::load(gguf, quant_matmul::exact);
  auto hidden = [](const model& m, std::size_t n) {
    std::vector<std::int32_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int32_t>(7 + 31 * i % 900);
    auto cache = m.new_cache(n);
    const auto r = m.forward(cache, ids, output_rows::last, {false, nullptr});
    return std::vector<float>(r.hidden_row(0), r.hidden_row(0) + m.config().hidden_size);
  };
  for (std::size_t n : {std::size_t{1}, std::size_t{4}, quant_exact_min_rows - 1}) {
    INFO(n << " rows: integer products");
    const auto h = hidden(by_rows, n);
    CHECK(bitwise_equal(h, hidden(integer, n)));
    CHECK_FALSE(bitwise_equal(h, hidden(exact, n)));  // the two engines are told apart
  }
  for (std::size_t n : {quant_exact_min_rows, std::size_t{40}}) {
    INFO(n << " rows: exact products");
    const auto h = hidden(by_rows, n);
    CHECK(bitwise_equal(h, hidden(exact, n)));
    CHECK_FALSE(bitwise_equal(h, hidden(integer, n)));
  }
}
