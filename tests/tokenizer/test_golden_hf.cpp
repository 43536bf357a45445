// Conformance with Hugging Face tokenizers (Rust) on ../shared/golden/tokenizers: 210 texts
// (llama.cpp's tokenizer test strings, SST-2 sentences, few-shot prompts, edge cases) encoded by
// llama2 / llama3 / qwen3 (tokenizer.json) and gpt2 (encoder.json + vocab.bpe), with
// add_special_tokens False ("plain") and True ("special"). Every id must match.
#include <string>
#include <thread>
#include <vector>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <flipside/tokenizer.hpp>

#include "shared_data.hpp"
#include "tokenizer_test_util.hpp"

namespace {

using flipside::token_id;

struct golden {
  std::vector<std::string> texts;
  std::vector<std::vector<token_id>> plain, special;
};

golden read_golden(const std::filesystem::path& file, const std::string& name) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const auto json = simdjson::padded_string::load(file.string());
  REQUIRE(json.error() == simdjson::SUCCESS);
  REQUIRE(parser.parse(json.value_unsafe()).get(root) == simdjson::SUCCESS);
  golden g;
  simdjson::dom::array texts;
  REQUIRE(root["texts"].get_array().get(texts) == simdjson::SUCCESS);
  for (simdjson::dom::element t : texts) g.texts.emplace_back(t.get_string().value_unsafe());
  auto ids = [&](const char* mode) {
    std::vector<std::vector<token_id>> out;
    simdjson::dom::array rows;
    REQUIRE(root["ids"][name][mode].get_array().get(rows) == simdjson::SUCCESS);
    for (simdjson::dom::element row : rows) {
      simdjson::dom::array xs;
      REQUIRE(row.get_array().get(xs) == simdjson::SUCCESS);
      std::vector<token_id> r;
      for (simdjson::dom::element x : xs) {
        r.push_back(static_cast<token_id>(x.get_int64().value_unsafe()));
      }
      out.push_back(std::move(r));
    }
    return out;
  };
  g.plain = ids("plain");
  g.special = ids("special");
  REQUIRE(g.plain.size() == g.texts.size());
  REQUIRE(g.special.size() == g.texts.size());
  return g;
}

std::string show(const std::vector<token_id>& v) {
  std::string s;
  for (auto x : v) s += std::to_string(x) + " ";
  return s;
}

// All texts × {plain, special}; decode(encode(x)) == x; the naive reference encoder agrees.
void check_golden(const char* name) {
  FLIPSIDE_SHARED_OR_SKIP(golden_file, "golden/tokenizers/hf-tokenizers.json");
  FLIPSIDE_SHARED_OR_SKIP(dir, std::string("tokenizers/") + name);
  const golden g = read_golden(golden_file, name);
  const flipside::tokenizer& tk = flipside::test::cached_tokenizer(dir);
  REQUIRE(g.texts.size() == 210);

  std::size_t same = 0, round_trips = 0, reference_same = 0;
  for (std::size_t i = 0; i < g.texts.size(); ++i) {
    const std::string& text = g.texts[i];
    const auto plain = tk.encode(text, {false, true});
    const auto special = tk.encode(text, {true, true});
    if (plain == g.plain[i]) {
      ++same;
    } else {
      UNSCOPED_INFO("plain #" << i << " '" << text.substr(0, 80) << "'\n want " << show(g.plain[i])
                              << "\n got  " << show(plain));
    }
    if (special == g.special[i]) {
      ++same;
    } else {
      UNSCOPED_INFO("special #" << i << " want " << show(g.special[i]) << " got " << show(special));
    }
    if (tk.decode(plain) == text) ++round_trips;
    if (tk.encode_reference(text) == plain) ++reference_same;
  }
  CHECK(same == 2 * g.texts.size());
  CHECK(round_trips == g.texts.size());
  CHECK(reference_same == g.texts.size());
}

}  // namespace

TEST_CASE("hf golden ids: gpt2 (encoder.json + vocab.bpe)") { check_golden("gpt2"); }
TEST_CASE("hf golden ids: llama3 (tokenizer.json, byte-level BPE, ignore_merges)") {
  check_golden("llama3");
}
TEST_CASE("hf golden ids: qwen3 (tokenizer.json, NFC, Qwen2 regex)") { check_golden("qwen3"); }
TEST_CASE("hf golden ids: llama2 (tokenizer.json, SentencePiece-style BPE, byte fallback)") {
  check_golden("llama2");
}

TEST_CASE("special tokens in the text: parse_special on and off") {
  FLIPSIDE_SHARED_OR_SKIP(llama3_dir, "tokenizers/llama3");
  FLIPSIDE_SHARED_OR_SKIP(qwen3_dir, "tokenizers/qwen3");
  FLIPSIDE_SHARED_OR_SKIP(llama2_dir, "tokenizers/llama2");
  const auto& llama3 = flipside::test::cached_tokenizer(llama3_dir);
  const auto& qwen3 = flipside::test::cached_tokenizer(qwen3_dir);
  const auto& llama2 = flipside::test::cached_tokenizer(llama2_dir);

  SECTION("llama3: <|begin_of_text|> is one token only when special tokens are parsed") {
    const auto on = llama3.encode("<|begin_of_text|>Hello");
    REQUIRE(on.size() == 2);
    CHECK(on[0] == 128000);
    CHECK(on[1] == *llama3.piece_to_id("Hello"));
    const auto off = llama3.encode("<|begin_of_text|>Hello", {false, false});
    CHECK(off.size() > 2);
    CHECK(std::find(off.begin(), off.end(), 128000) == off.end());
    CHECK(llama3.decode(off) == "<|begin_of_text|>Hello");
    CHECK(llama3.bos() == 128000);
    CHECK(llama3.eos() == 128001);
    CHECK(llama3.is_special(128000));
    CHECK(llama3.decode(on, {true}) == "Hello");
  }
  SECTION("qwen3: <think> is added but not special, so it is matched either way") {
    const token_id think = *qwen3.piece_to_id("<think>");
    const token_id im_start = *qwen3.piece_to_id("<|im_start|>");
    CHECK(qwen3.encode("<think>hi", {false, false}).front() == think);
    CHECK(qwen3.encode("<|im_start|>user", {false, true}).front() == im_start);
    CHECK(qwen3.encode("<|im_start|>user", {false, false}).front() != im_start);
    CHECK(qwen3.eos() == im_start + 1);  // <|im_end|> from tokenizer_config.json
  }
  SECTION("llama2: <s> splits the text; each stretch gets its own leading '▁'") {
    const auto ids = llama2.encode("Hello<s>world", {true, true});
    // TemplateProcessing adds <s>; the Prepend normalizer runs on "Hello" and on "world".
    REQUIRE(ids.size() >= 4);
    CHECK(ids.front() == 1);
    CHECK(std::count(ids.begin(), ids.end(), 1) == 2);
    CHECK(llama2.encode("world") == std::vector<token_id>(ids.end() - 1, ids.end()));
    CHECK(llama2.bos() == 1);
    CHECK(llama2.eos() == 2);
  }
}

TEST_CASE("invalid UTF-8 becomes U+FFFD per byte, then encodes like the repaired text") {
  FLIPSIDE_SHARED_OR_SKIP(gpt2_dir, "tokenizers/gpt2");
  FLIPSIDE_SHARED_OR_SKIP(llama2_dir, "tokenizers/llama2");
  for (const auto* dir : {&gpt2_dir, &llama2_dir}) {
    const auto& tk = flipside::test::cached_tokenizer(*dir);
    const std::string bad = "caf\xC3 au \xFF\xFElait \xE2\x82";
    const std::string repaired =
        "caf\xEF\xBF\xBD au \xEF\xBF\xBD\xEF\xBF\xBDlait \xEF\xBF\xBD\xEF\xBF\xBD";
    CHECK(flipside::tok::utf8_repair(bad) == repaired);
    CHECK(tk.encode(bad) == tk.encode(repaired));
    CHECK(tk.decode(tk.encode(bad)) == repaired);
  }
}

TEST_CASE("encode from several threads gives the single-thread result") {
  FLIPSIDE_SHARED_OR_SKIP(gpt2_dir, "tokenizers/gpt2");
  const auto& tk = flipside::test::cached_tokenizer(gpt2_dir);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    texts.push_back("sentence number " + std::to_string(i * 7919) + " , with words like w" +
                    std::to_string(i) + "ord and ' quotes ' .");
  }
  std::vector<std::vector<token_id>> want;
  for (const auto& t : texts) want.push_back(tk.encode_reference(t));
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < texts.size(); ++i) ok[t] += tk.encode(texts[i]) == want[i];
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) CHECK(ok[t] == static_cast<int>(texts.size()));
}
