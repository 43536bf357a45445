// Loading: formats, weight types, and clear errors for what cannot be run.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/model/gguf_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/synthetic.hpp>

#include "model_test_util.hpp"
#include "shared_data.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

// A copy of a GGUF file with its 2-D tensors converted to `to` (1-D tensors kept).
void retype_matrices(const std::filesystem::path& in, const std::filesystem::path& out, dtype to) {
  const auto f = gguf_file::open(in);
  gguf_writer w;
  w.copy_metadata(f);
  for (const tensor_view& t : f.tensors()) {
    const dtype d = t.shape.size() == 2 ? to : t.type;
    w.add_tensor(t.name, d, t.shape,
                 detail::convert_elements(t.data, t.type, d, static_cast<std::size_t>(t.numel())));
  }
  w.write(out);
}

}  // namespace

TEST_CASE("f16 and bf16 weights run in place with exactly the f32 arithmetic") {
  // Weights are widened exactly, so a 16-bit model and an f32 model holding the same (rounded)
  // values must give bitwise identical logits.
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/qwen2");
  const dtype t = GENERATE(dtype::f16, dtype::bf16);
  temp_dir tmp;
  convert_hf_to_gguf(hf, tmp / "half.gguf", {t});
  retype_matrices(tmp / "half.gguf", tmp / "widened.gguf", dtype::f32);
  const model half = model::load(tmp / "half.gguf");
  const model wide = model::load(tmp / "widened.gguf");
  CHECK(half.unembedding().type == t);
  CHECK(wide.unembedding().type == dtype::f32);
  // The 16-bit weights are used from the mapping, not copied.
  const auto* mapped = half.gguf()->find_tensor("blk.0.attn_q.weight");
  CHECK(half.weights().layers[0].q.data == mapped->data);
  const std::vector<std::int32_t> ids = {1, 5, 9, 200, 3, 77, 1000, 42, 8, 8, 8, 9};
  CHECK(bitwise_equal(batch_logits(half, ids, 2), batch_logits(wide, ids, 2)));
  // And the rounding of the weights costs little against float64 HF.
  const auto g = safetensors_file::open(hf / "golden.safetensors");
  const auto toks = read_tensor<std::int32_t>(g, "tokens");
  CHECK(max_abs_diff(batch_logits(half, toks, 2), read_tensor<float>(g, "logits_f64")) <
        (t == dtype::f16 ? 0.01 : 0.05));
}

TEST_CASE("weight types without kernels are refused with the tensor's name") {
  // A quantized model with one matrix turned into IQ2_XXS (no kernels in this build).
  FLIPSIDE_SHARED_OR_SKIP(q8, "golden/gguf-quant/llama/model-q8_0.gguf");
  temp_dir tmp;
  {
    const auto f = gguf_file::open(q8);
    gguf_writer w;
    w.copy_metadata(f);
    for (const tensor_view& t : f.tensors()) {
      if (t.name != "blk.1.ffn_up.weight") {
        w.add_tensor(t);
        continue;
      }
      const std::size_t bytes = static_cast<std::size_t>(t.numel()) / 256 * 66;
      w.add_tensor(t.name, dtype::iq2_xxs, t.shape, std::vector<std::byte>(bytes));
    }
    w.write(tmp / "iq2.gguf");
  }
  const std::string msg = error_of([&] { model::load(tmp / "iq2.gguf"); });
  CHECK_THAT(msg, Catch::Contains("iq2_xxs") && Catch::Contains("blk.1.ffn_up.weight") &&
                      Catch::Contains("not supported"));
  CHECK_THROWS_AS(model::load(tmp / "iq2.gguf"), unsupported_error);
}

TEST_CASE("unknown architectures and missing tensors are named") {
  temp_dir tmp;
  SECTION("unknown architecture lists the supported ones") {
    gguf_writer w;
    w.set("general.architecture", std::string("mamba"));
    w.write(tmp / "m.gguf");
    const std::string msg = error_of([&] { model::load(tmp / "m.gguf"); });
    CHECK_THAT(msg, Catch::Contains("mamba") && Catch::Contains("llama, qwen2, qwen3, gpt2"));
  }
  SECTION("missing tensors are listed together") {
    FLIPSIDE_SHARED_OR_SKIP(ref, "golden/gguf/qwen2/model-f32.gguf");
    const auto f = gguf_file::open(ref);
    gguf_writer w;
    w.copy_metadata(f);
    for (const tensor_view& t : f.tensors())
      if (t.name != "blk.1.ffn_up.weight" && t.name != "blk.2.attn_k.bias") w.add_tensor(t);
    w.write(tmp / "missing.gguf");
    const std::string msg = error_of([&] { model::load(tmp / "missing.gguf"); });
    CHECK_THAT(msg, Catch::Contains("blk.1.ffn_up.weight") &&
                        Catch::Contains("blk.2.attn_k.bias") && Catch::Contains("missing"));
  }
  SECTION("a tensor of the wrong shape") {
    FLIPSIDE_SHARED_OR_SKIP(ref, "golden/gguf/llama/model-f32.gguf");
    const auto f = gguf_file::open(ref);
    gguf_writer w;
    w.copy_metadata(f);
    w.set("llama.feed_forward_length", std::uint32_t{300});
    for (const tensor_view& t : f.tensors()) w.add_tensor(t);
    w.write(tmp / "shape.gguf");
    const std::string msg = error_of([&] { model::load(tmp / "shape.gguf"); });
    CHECK_THAT(msg, Catch::Contains("ffn_") && Catch::Contains("shape"));
  }
  SECTION("not a model at all") {
    std::ofstream(tmp / "junk.bin") << "hello";
    CHECK_THROWS_AS(model::load(tmp / "junk.bin"), format_error);
    CHECK_THROWS_AS(model::load(tmp / "nonexistent.gguf"), error);
  }
}

TEST_CASE("bad forward arguments are rejected and leave the cache untouched") {
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/llama");
  const model m = model::load(hf);
  auto cache = m.new_cache(8);
  m.forward(cache, {1, 2, 3}, output_rows::none);
  REQUIRE(cache.size() == 3);
  CHECK_THROWS_AS(m.forward(cache, {1, 1024}), argument_error);  // outside the vocabulary
  CHECK_THROWS_AS(m.forward(cache, {1, -1}), argument_error);
  CHECK_THROWS_AS(m.forward(cache, {1, 2, 3, 4, 5, 6}), argument_error);  // over capacity
  CHECK(cache.size() == 3);
  std::vector<std::int32_t> a = {1, 2};
  std::vector<sequence_step<float>> same{{&cache, a.data(), 2}, {&cache, a.data(), 2}};
  CHECK_THROWS_AS(m.forward(same), argument_error);
  CHECK(cache.size() == 3);
  auto wrong = kv_cache<float>(2, 8, 2, 16);
  CHECK_THROWS_AS(m.forward(wrong, {1}), argument_error);
  CHECK_THROWS_AS(m.token_logits(nullptr, std::vector<std::int32_t>{5000}.data(), 1, nullptr),
                  argument_error);
}

TEST_CASE("GPT-2 refuses positions beyond its learned table") {
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/gpt2");
  const model m = model::load(hf);
  auto cache = m.new_cache(300);
  std::vector<std::int32_t> ids(257, 7);
  const std::string msg = error_of([&] { m.forward(cache, ids); });
  CHECK_THAT(msg, Catch::Contains("256"));
}
