// safetensors reader against files written by HF transformers / the safetensors library
// (../shared/golden/hf) and numpy-based tools (golden/gguf-quant), with expectations from the
// READMEs and config.json files.
#include <flipside/io/safetensors_file.hpp>

#include <fstream>
#include <string>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include "io_test_util.hpp"
#include "shared_data.hpp"

using flipside::dtype;
using flipside::safetensors_file;
using flipside::test::element;
using flipside::test::same_bytes;

TEST_CASE("safetensors: golden.safetensors holds the tensors the README lists") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama");
  const auto g = safetensors_file::open(dir / "golden.safetensors");
  REQUIRE(g.tensors().size() == 5);
  const auto& tokens = g.tensor("tokens");
  CHECK(tokens.type == dtype::i32);
  CHECK(tokens.shape == std::vector<std::int64_t>{2, 48});
  CHECK(tokens.nbytes == 2 * 48 * 4);
  // First tokens of row 0 (read independently with Python's struct module).
  const std::int32_t first[8] = {866, 552, 662, 776, 337, 643, 467, 361};
  for (int i = 0; i < 8; ++i) CHECK(element<std::int32_t>(tokens, i) == first[i]);
  // gen_prompt = the first 16 tokens of row 0 (README).
  const auto& prompt = g.tensor("gen_prompt");
  CHECK(prompt.shape == std::vector<std::int64_t>{16});
  for (int i = 0; i < 16; ++i)
    CHECK(element<std::int32_t>(prompt, i) == element<std::int32_t>(tokens, i));
  CHECK(g.tensor("gen_greedy").shape == std::vector<std::int64_t>{12});
  const auto& l64 = g.tensor("logits_f64");
  CHECK(l64.type == dtype::f32);
  CHECK(l64.shape == std::vector<std::int64_t>{2, 48, 1024});
  CHECK(element<float>(l64, 0) == Approx(-1.0396431684494019));
  CHECK(element<float>(l64, 3) == Approx(-1.1292892694473267));
}

TEST_CASE("safetensors: every HF golden model opens as a directory, shapes match config.json") {
  FLIPSIDE_SHARED_OR_SKIP(root, "golden/hf");
  int cases = 0;
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (!e.is_directory()) continue;
    INFO(e.path());
    ++cases;
    const auto m = safetensors_file::open(e.path());
    CHECK(m.get_metadata("format") == std::string("pt"));
    CHECK(m.files().size() == 1);
    simdjson::dom::parser parser;
    simdjson::dom::element cfg = parser.load((e.path() / "config.json").string());
    const auto hidden = int64_t(cfg[cfg["n_embd"].error() ? "hidden_size" : "n_embd"]);
    const auto vocab = int64_t(cfg["vocab_size"]);
    const char* emb = m.find_tensor("transformer.wte.weight") ? "transformer.wte.weight"
                                                              : "model.embed_tokens.weight";
    CHECK(m.tensor(emb).shape == std::vector<std::int64_t>{vocab, hidden});
    std::int64_t params = 0;
    for (const auto& t : m.tensors()) {
      CHECK(t.type == dtype::f32);
      CHECK(t.nbytes == static_cast<std::size_t>(t.numel()) * 4);
      params += t.numel();
    }
    CHECK(params > vocab * hidden);
    // golden.safetensors in every case holds the same token ids (one shared test input).
    const auto g = safetensors_file::open(e.path() / "golden.safetensors");
    CHECK(g.tensor("tokens").shape == std::vector<std::int64_t>{2, 48});
  }
  CHECK(cases == 8);
}

TEST_CASE("safetensors: the LoRA adapter and gguf-quant F16 models load") {
  FLIPSIDE_SHARED_OR_SKIP(lora, "golden/hf/llama_lora/adapter");
  const auto a = safetensors_file::open(lora / "adapter_model.safetensors");
  CHECK(!a.tensors().empty());
  for (const auto& t : a.tensors()) {
    CHECK(t.shape.size() == 2);
    CHECK((t.shape[0] == 8 || t.shape[1] == 8));  // r = 8 (README)
  }
  FLIPSIDE_SHARED_OR_SKIP(q, "golden/gguf-quant/llama");
  const auto m = safetensors_file::open(q);
  for (const auto& t : m.tensors()) CHECK(t.type == dtype::f16);  // "Stored as F16" (README)
  CHECK(m.tensor("model.embed_tokens.weight").shape == std::vector<std::int64_t>{1024, 256});
}

TEST_CASE("safetensors: the same tokens in HF's golden and llama.cpp's golden") {
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/qwen2/golden.safetensors");
  FLIPSIDE_SHARED_OR_SKIP(lc, "golden/gguf/qwen2/llamacpp-golden.safetensors");
  const auto a = safetensors_file::open(hf);
  const auto b = safetensors_file::open(lc);
  CHECK(same_bytes(a.tensor("tokens"), b.tensor("tokens")));
  CHECK(same_bytes(a.tensor("gen_greedy"), b.tensor("hf_gen_greedy")));
  CHECK(b.get_metadata("source")->find("llama.cpp") != std::string::npos);
  CHECK_FALSE(b.get_metadata("nope").has_value());
}

TEST_CASE("safetensors: a sharded checkpoint through model.safetensors.index.json") {
  FLIPSIDE_SHARED_OR_SKIP(src, "golden/hf/llama/golden.safetensors");
  flipside::test::temp_dir tmp("shard");
  // Two shards: copies of two golden files, and an index mapping their tensors.
  std::filesystem::copy_file(src, tmp.path / "model-00001-of-00002.safetensors");
  std::filesystem::copy_file(src.parent_path().parent_path() / "qwen2" / "model.safetensors",
                             tmp.path / "model-00002-of-00002.safetensors");
  const auto one = safetensors_file::open(tmp.path / "model-00001-of-00002.safetensors");
  const auto two = safetensors_file::open(tmp.path / "model-00002-of-00002.safetensors");
  std::string idx = R"({"metadata": {"total_size": 1}, "weight_map": {)";
  bool first = true;
  for (const auto* f : {&one, &two}) {
    for (const auto& t : f->tensors()) {
      idx += (first ? "" : ",") + std::string("\"") + t.name + "\": \"model-0000" +
             (f == &one ? "1" : "2") + "-of-00002.safetensors\"";
      first = false;
    }
  }
  idx += "}}";
  std::ofstream(tmp.path / "model.safetensors.index.json") << idx;

  const auto m = safetensors_file::open(tmp.path);
  CHECK(m.files().size() == 2);
  CHECK(m.tensors().size() == one.tensors().size() + two.tensors().size());
  CHECK(same_bytes(m.tensor("tokens"), one.tensor("tokens")));
  CHECK(same_bytes(m.tensor("model.norm.weight"), two.tensor("model.norm.weight")));
  CHECK(m.file_of("tokens") == (tmp.path / "model-00001-of-00002.safetensors").string());
  CHECK_THROWS_AS(m.file_of("ghost"), flipside::argument_error);

  // The index naming a tensor the shard lacks, or a path outside the directory, is an error.
  std::ofstream(tmp.path / "model.safetensors.index.json")
      << R"({"weight_map": {"ghost": "model-00001-of-00002.safetensors"}})";
  CHECK_THROWS_WITH(safetensors_file::open(tmp.path), Catch::Contains("ghost"));
  std::ofstream(tmp.path / "model.safetensors.index.json")
      << R"({"weight_map": {"tokens": "../model-00001-of-00002.safetensors"}})";
  CHECK_THROWS_AS(safetensors_file::open(tmp.path), flipside::format_error);
  std::ofstream(tmp.path / "model.safetensors.index.json") << R"({"weight_map": [1]})";
  CHECK_THROWS_WITH(safetensors_file::open(tmp.path), Catch::Contains("weight_map"));
}

TEST_CASE("safetensors: a directory without weights names what it looked for") {
  flipside::test::temp_dir tmp("empty");
  CHECK_THROWS_WITH(safetensors_file::open(tmp.path), Catch::Contains("no .safetensors"));
  CHECK_THROWS_WITH(safetensors_file::open(tmp.path / "missing.safetensors"),
                    Catch::Contains("missing.safetensors") && Catch::Contains("cannot open"));
}
