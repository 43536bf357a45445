// GGUF reader against files written by llama.cpp (../shared/golden/gguf, golden/gguf-quant), with
// expectations taken from independent sources: the READMEs, the HF safetensors the GGUF files were
// converted from, and the JSON reports written by the tools that produced the files.
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/safetensors_file.hpp>

#include <cmath>
#include <map>
#include <string>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include "io_test_util.hpp"
#include "shared_data.hpp"

using flipside::dtype;
using flipside::gguf_file;
using flipside::safetensors_file;
using flipside::test::element;
using flipside::test::same_bytes;

namespace {

// ggml's type names as the reports spell them ("Q8_0", "F32") → dtype.
dtype dtype_from_report(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::uint32_t id = 0; id < 40; ++id) {
    auto tr = flipside::traits_of(static_cast<dtype>(id));
    if (!tr) continue;
    std::string n(tr->name);
    for (auto& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (n == s) return static_cast<dtype>(id);
  }
  FAIL("unknown type name in report: " << s);
  return dtype::f32;
}

}  // namespace

TEST_CASE("gguf: llama f32 golden metadata and tensor infos") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf/llama");
  const auto f = gguf_file::open(dir / "model-f32.gguf");
  CHECK(f.version() == 3);
  CHECK(f.alignment() == 32);
  CHECK(f.metadata().size() == 17);
  // Values from golden/hf/llama/config.json (hidden 128, 3 layers, 8 heads / 2 kv, FFN 344).
  CHECK(f.require_string("general.architecture") == "llama");
  CHECK(f.require_u32("llama.embedding_length") == 128);
  CHECK(f.require_u32("llama.block_count") == 3);
  CHECK(f.require_u32("llama.feed_forward_length") == 344);
  CHECK(f.require_u32("llama.attention.head_count") == 8);
  CHECK(f.require_u32("llama.attention.head_count_kv") == 2);
  CHECK(f.require_u32("llama.vocab_size") == 1024);
  CHECK(f.require_f32("llama.rope.freq_base") == 10000.0f);
  CHECK(f.require_f32("llama.attention.layer_norm_rms_epsilon") == 1e-5f);
  CHECK(f.get_string("tokenizer.ggml.model") == "none");
  // Integer getters convert between widths when the value fits.
  CHECK(f.get<std::uint64_t>("llama.block_count") == 3u);
  CHECK(f.get<std::int16_t>("llama.block_count") == 3);
  CHECK_FALSE(f.get_u32("no.such.key").has_value());
  CHECK_THROWS_AS(f.require_u32("no.such.key"), flipside::format_error);
  CHECK_THROWS_WITH(f.get_u32("general.architecture"),
                    Catch::Contains("general.architecture") && Catch::Contains("string"));
  CHECK_THROWS_AS(f.get_f32("llama.block_count"), flipside::format_error);

  REQUIRE(f.tensors().size() == 30);  // tokens, 3 × 9 block tensors, output, output_norm
  const auto& emb = f.tensor("token_embd.weight");
  CHECK(emb.type == dtype::f32);
  CHECK(emb.shape == std::vector<std::int64_t>{1024, 128});  // ne = {128, 1024}
  CHECK(emb.nbytes == 1024 * 128 * 4);
  const auto& down = f.tensor("blk.0.ffn_down.weight");
  CHECK(down.shape == std::vector<std::int64_t>{128, 344});
  CHECK(f.tensor("blk.2.attn_k.weight").shape == std::vector<std::int64_t>{32, 128});
  CHECK(f.find_tensor("output.weight") != nullptr);
  CHECK(f.find_tensor("nope") == nullptr);
  CHECK_THROWS_WITH(f.tensor("nope"), Catch::Contains("nope"));
  for (const auto& t : f.tensors()) {
    CHECK(reinterpret_cast<std::uintptr_t>(t.data) % 32 == 0);  // mmap base + aligned offsets
  }
}

TEST_CASE("gguf: tensor bytes equal the HF safetensors they were converted from") {
  FLIPSIDE_SHARED_OR_SKIP(gdir, "golden/gguf");
  FLIPSIDE_SHARED_OR_SKIP(hdir, "golden/hf");
  // Tensors llama.cpp's converter copies unchanged (no Q/K permutation, no transpose).
  const std::map<std::string, std::vector<std::pair<std::string, std::string>>> same = {
      {"llama",
       {{"token_embd.weight", "model.embed_tokens.weight"},
        {"output_norm.weight", "model.norm.weight"},
        {"blk.1.ffn_down.weight", "model.layers.1.mlp.down_proj.weight"},
        {"blk.2.attn_v.weight", "model.layers.2.self_attn.v_proj.weight"},
        {"output.weight", "lm_head.weight"}}},
      {"qwen2",
       {{"token_embd.weight", "model.embed_tokens.weight"},
        {"blk.0.attn_q.bias", "model.layers.0.self_attn.q_proj.bias"},
        {"blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"}}},
      {"gpt2",
       {{"token_embd.weight", "transformer.wte.weight"},
        {"position_embd.weight", "transformer.wpe.weight"}}},
  };
  for (const auto& [name, pairs] : same) {
    INFO(name);
    const auto g = gguf_file::open(gdir / name / "model-f32.gguf");
    const auto h = safetensors_file::open(hdir / name);
    CHECK(g.require_string("general.architecture") == name);
    for (const auto& [gn, hn] : pairs) {
      INFO(gn << " vs " << hn);
      const auto& a = g.tensor(gn);
      const auto& b = h.tensor(hn);
      CHECK(a.shape == b.shape);
      CHECK(a.type == b.type);
      CHECK(same_bytes(a, b));
    }
  }
  // Tied embeddings: no output.weight in qwen2 (README, convention 5).
  CHECK(gguf_file::open(gdir / "qwen2" / "model-f32.gguf").find_tensor("output.weight") == nullptr);
}

TEST_CASE("gguf: llama3 rope_freqs factors from the README") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf/llama3");
  const auto f = gguf_file::open(dir / "model-f32.gguf");
  const auto& r = f.tensor("rope_freqs.weight");
  REQUIRE(r.type == dtype::f32);
  REQUIRE(r.shape == std::vector<std::int64_t>{8});
  const float expected[8] = {1, 2.8886f, 32, 32, 32, 32, 32, 32};
  for (int i = 0; i < 8; ++i) CHECK(element<float>(r, i) == Approx(expected[i]).epsilon(1e-4));
}

TEST_CASE("gguf: every golden GGUF opens, and quantized types match llama.cpp's report") {
  FLIPSIDE_SHARED_OR_SKIP(gdir, "golden/gguf");
  for (const char* name : {"llama", "llama3", "qwen2", "gpt2"}) {
    INFO(name);
    const auto golden = safetensors_file::open(gdir / name / "llamacpp-golden.safetensors");
    simdjson::dom::parser parser;
    const std::string report_json = *golden.get_metadata("report");
    simdjson::dom::element report = parser.parse(report_json);
    for (const char* q : {"f32", "q8_0", "q4_0", "q4_k_m"}) {
      INFO(q);
      const auto f = gguf_file::open(gdir / name / (std::string("model-") + q + ".gguf"));
      CHECK(f.require_string("general.architecture") ==
            (std::string(name) == "llama3" ? "llama" : name));
      std::map<std::string, int> counts;
      for (const auto& t : f.tensors()) {
        auto n = std::string(flipside::traits_of(t.type)->name);
        for (auto& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        ++counts[n];
        // nbytes agrees with ggml's row size for the type.
        const auto tr = *flipside::traits_of(t.type);
        CHECK(t.nbytes == static_cast<std::size_t>(t.rows() * t.row_length() /
                                                   static_cast<std::int64_t>(tr.block_size) *
                                                   static_cast<std::int64_t>(tr.block_bytes)));
      }
      std::map<std::string, int> expected;
      for (auto kv : report[q]["tensor_types"].get_object()) {
        expected[std::string(kv.key)] = static_cast<int>(int64_t(kv.value));
      }
      CHECK(counts == expected);
      simdjson::dom::object by_tensor;
      if (!report[q]["types_by_tensor"].get_object().get(by_tensor)) {
        for (auto kv : by_tensor) {
          INFO(kv.key);
          CHECK(f.tensor(kv.key).type ==
                dtype_from_report(std::string(std::string_view(kv.value))));
        }
      }
    }
  }
}

TEST_CASE("gguf: quant-types.gguf tensors equal the bytes ggml produced, per type") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  const auto g = gguf_file::open(dir / "quant-types.gguf");
  const auto s = safetensors_file::open(dir / "quant-types-dequant.safetensors");
  CHECK(g.require_string("general.architecture") == "quant-types-golden");
  CHECK(g.require_u32("general.quantization_version") == 2);
  REQUIRE(g.tensors().size() == 21);
  CHECK(same_bytes(g.tensor("src_f32"), s.tensor("src_f32")));
  CHECK(g.tensor("src_f32").shape == std::vector<std::int64_t>{8, 512});
  CHECK(g.tensor("act_f32").shape == std::vector<std::int64_t>{2, 512});

  simdjson::dom::parser parser;
  simdjson::dom::element report = parser.load((dir / "quant-types-report.json").string());
  int checked = 0;
  for (auto kv : report["types"].get_object()) {
    const std::string t(kv.key);
    INFO(t);
    const auto& gt = g.tensor(t);
    CHECK(static_cast<std::int64_t>(gt.type) == int64_t(kv.value["ggml_type_id"]));
    CHECK(gt.shape == std::vector<std::int64_t>{8, 512});
    CHECK(gt.nbytes == 8 * static_cast<std::size_t>(uint64_t(kv.value["row_bytes"])));
    const auto& q = s.tensor(t + ".q");
    CHECK(q.type == dtype::u8);
    CHECK(q.shape == std::vector<std::int64_t>{8, int64_t(kv.value["row_bytes"])});
    CHECK(same_bytes(gt, q));
    ++checked;
  }
  CHECK(checked == 19);
}

TEST_CASE("gguf: gguf-quant llama/qwen2 models carry the types in models-report.json") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  simdjson::dom::parser parser;
  simdjson::dom::element report = parser.load((dir / "models-report.json").string());
  for (const char* model : {"llama", "qwen2"}) {
    for (const char* q : {"q8_0", "q4_0", "q4_k_m", "q5_k_m", "q6_k", "q4_0_pure"}) {
      INFO(model << " " << q);
      const auto f = gguf_file::open(dir / model / (std::string("model-") + q + ".gguf"));
      simdjson::dom::object by_tensor = report[model][q]["types_by_tensor"];
      CHECK(f.tensors().size() == by_tensor.size());
      for (auto kv : by_tensor) {
        INFO(kv.key);
        CHECK(f.tensor(kv.key).type == dtype_from_report(std::string(std::string_view(kv.value))));
      }
      CHECK(f.require_u32(std::string(model) + ".embedding_length") == 256);
      CHECK(f.require_u32(std::string(model) + ".feed_forward_length") == 768);
    }
  }
}

TEST_CASE("gguf: llama.cpp vocab files either load or fail with a format_error") {
  // NOTE: the copies in ../shared/golden/llamacpp-vocab were passed through a UTF-8 text filter
  // (invalid bytes replaced by U+FFFD), which corrupts every binary field after the first such
  // byte. A correct reader must report that cleanly; an intact copy must load with its tokens.
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/llamacpp-vocab");
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".gguf") continue;
    INFO(e.path());
    ++n;
    try {
      const auto f = gguf_file::open(e.path());
      CHECK(f.get_string_array("tokenizer.ggml.tokens") != nullptr);
    } catch (const flipside::format_error& err) {
      CHECK(std::string(err.what()).find(e.path().string()) == 0);
    }
  }
  CHECK(n == 9);
}
