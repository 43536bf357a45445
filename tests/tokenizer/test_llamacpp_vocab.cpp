// GGUF-embedded tokenizers against llama.cpp's own test vectors (../shared/golden/
// llamacpp-vocab/ggml-vocab-<name>.gguf with .inp / .out; the .out ids come from the model's
// Hugging Face tokenizer via llama.cpp's test-tokenizer-0.py, with add_special = false, and
// llama.cpp checks its own tokenizer against them with parse_special = false), plus synthetic
// GGUF vocabularies for the error paths.
//
// The shared .gguf copies are damaged (they went through a UTF-8 decode with replacement: every
// ill-formed byte run became EF BF BD, destroying binary lengths, counts and floats); their .inp/
// .out are intact. What each vector set is checked against:
//   - an intact file (FLIPSIDE_LLAMACPP_VOCAB_DIR pointing at llama.cpp's models/): the library's
//     own GGUF reader, as intended;
//   - a damaged file: the reader must reject it (format_error); then the test-only salvager
//     (gguf_salvage.hpp) re-reads its tokenizer entries, proves each one by damaging it again and
//     comparing with the file byte for byte, writes them into a clean GGUF image, and the normal
//     reader loads that. "gpt2" files (gpt-2, deepseek-coder, deepseek-llm, falcon, mpt, refact,
//     starcoder): model, pre, tokens, token_type, merges are recovered exactly, so these vectors
//     check the GGUF byte-level path (pre-tokenizer chosen by tokenizer.ggml.pre, token types,
//     merges) on the real vocabularies. "llama" files (llama-spm, phi-3): tokens and token_type
//     exactly; the float scores are reconstructed (normal piece i: -(i - first normal id), others
//     from 0 / -1000 / -10000 / -1e9) and accepted only because the reconstructed array, damaged,
//     reproduces the file's bytes — their exact float bits are pinned only up to the lost bytes;
//   - gpt-2 additionally against the intact tokenizers/gpt2 (encoder.json + vocab.bpe), after
//     checking that the salvaged vocabulary and merges are exactly those files. (tokenizers/llama2
//     is not Llama 2's vocabulary — '▁' is 28705 there, 29871 in llama-spm — so it cannot stand in
//     for llama-spm.)
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/io/gguf_file.hpp>
#include <flipside/tokenizer.hpp>

#include "gguf_salvage.hpp"
#include "shared_data.hpp"
#include "tokenizer_test_util.hpp"

namespace {

using flipside::token_id;

std::vector<std::string> split_on(const std::string& s, const std::string& delim) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t k = s.find(delim, pos);
    if (k == std::string::npos) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, k - pos));
    pos = k + delim.size();
  }
}

// llama.cpp's test-tokenizer-0: strings separated by "\n__ggml_vocab_test__\n", one line of
// space-separated ids per string; encoded with add_special = false, parse_special = false.
void check_vectors(const flipside::tokenizer& tk, const std::filesystem::path& inp,
                   const std::filesystem::path& out) {
  auto texts = split_on(flipside::test::slurp(inp), "\n__ggml_vocab_test__\n");
  const auto lines = split_on(flipside::test::slurp(out), "\n");
  if (!texts.empty() && texts.back().empty()) texts.pop_back();
  REQUIRE(lines.size() >= texts.size());
  REQUIRE(texts.size() > 30);
  std::size_t same = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::vector<token_id> want;
    std::istringstream ss(lines[i]);
    for (long x; ss >> x;) want.push_back(static_cast<token_id>(x));
    const auto got = tk.encode(texts[i], {false, false});
    if (got == want) {
      ++same;
    } else {
      UNSCOPED_INFO("#" << i << " '" << texts[i].substr(0, 60) << "': want" << lines[i]);
    }
  }
  CHECK(same == texts.size());
}

flipside::tokenizer from_image(const std::string& image, const std::string& name) {
  return flipside::tokenizer_from_gguf(
      flipside::gguf_file::from_memory(image.data(), image.size(), name));
}

void check_vocab(const std::string& name) {
  const std::string file = "ggml-vocab-" + name + ".gguf";
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/llamacpp-vocab");
  FLIPSIDE_SHARED_OR_SKIP(inp, "golden/llamacpp-vocab/" + file + ".inp");
  FLIPSIDE_SHARED_OR_SKIP(out, "golden/llamacpp-vocab/" + file + ".out");
  std::filesystem::path gguf = dir / file;
  if (const char* alt = std::getenv("FLIPSIDE_LLAMACPP_VOCAB_DIR"); alt && *alt) {
    gguf = std::filesystem::path(alt) / file;
  }
  REQUIRE(std::filesystem::exists(gguf));
  const std::string bytes = flipside::test::slurp(gguf);
  if (!flipside::test::looks_utf8_mangled(bytes)) {
    check_vectors(flipside::load_tokenizer(gguf.string()), inp, out);
    return;
  }
  // The reader must reject the damaged file cleanly, not misread it…
  CHECK_THROWS_AS(flipside::load_tokenizer(gguf.string()), flipside::format_error);
  // …and the vectors are checked against the salvaged vocabulary when it can be proven exact.
  flipside::test::gguf_salvager salvager(bytes);
  const auto vocab = salvager.run();
  INFO(salvager.why());
  REQUIRE(vocab);
  INFO("salvaged " << vocab->model << " vocabulary: " << vocab->tokens.size() << " tokens, "
                   << vocab->merges.size() << " merges, " << vocab->scores.size() << " scores");
  check_vectors(from_image(vocab->gguf(), gguf.string() + " (salvaged)"), inp, out);
}

}  // namespace

TEST_CASE("llama.cpp vocab vectors: gpt-2") { check_vocab("gpt-2"); }
TEST_CASE("llama.cpp vocab vectors: llama-spm") { check_vocab("llama-spm"); }
TEST_CASE("llama.cpp vocab vectors: phi-3") { check_vocab("phi-3"); }
TEST_CASE("llama.cpp vocab vectors: deepseek-coder") { check_vocab("deepseek-coder"); }
TEST_CASE("llama.cpp vocab vectors: deepseek-llm") { check_vocab("deepseek-llm"); }
TEST_CASE("llama.cpp vocab vectors: falcon") { check_vocab("falcon"); }
TEST_CASE("llama.cpp vocab vectors: mpt") { check_vocab("mpt"); }
TEST_CASE("llama.cpp vocab vectors: refact") { check_vocab("refact"); }
TEST_CASE("llama.cpp vocab vectors: starcoder") { check_vocab("starcoder"); }

// The same gpt-2 vectors with the intact GPT-2 files of ../shared/tokenizers/gpt2, which hold the
// same vocabulary: checked here entry by entry against the (proven) salvage of the damaged GGUF.
TEST_CASE("llama.cpp gpt-2 vectors with the intact encoder.json + vocab.bpe") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/llamacpp-vocab");
  FLIPSIDE_SHARED_OR_SKIP(gpt2, "tokenizers/gpt2");
  const auto base = dir / "ggml-vocab-gpt-2.gguf";
  const flipside::tokenizer& tk = flipside::test::cached_tokenizer(gpt2);
  const std::string bytes = flipside::test::slurp(base);
  std::optional<flipside::test::salvaged_vocab> vocab;
  if (flipside::test::looks_utf8_mangled(bytes)) {
    flipside::test::gguf_salvager salvager(bytes);
    vocab = salvager.run();
    INFO(salvager.why());
    REQUIRE(vocab);
  } else {
    const auto g = flipside::gguf_file::open(base.string());
    vocab.emplace();
    vocab->tokens = *g.get_string_array("tokenizer.ggml.tokens");
    vocab->merges = *g.get_string_array("tokenizer.ggml.merges");
  }
  // Same pieces under the same ids…
  REQUIRE(vocab->tokens.size() == tk.vocab_size());
  std::size_t same = 0;
  for (std::size_t i = 0; i < vocab->tokens.size(); ++i) {
    same += tk.token_to_piece(static_cast<token_id>(i)) == vocab->tokens[i];
  }
  CHECK(same == vocab->tokens.size());
  // …and the same merges in the same order (vocab.bpe after its "#version" line).
  std::istringstream bpe(flipside::test::slurp(gpt2 / "vocab.bpe"));
  std::vector<std::string> merges;
  for (std::string line; std::getline(bpe, line);) {
    if (!line.empty() && !(merges.empty() && line.rfind("#version", 0) == 0))
      merges.push_back(line);
  }
  CHECK(merges == vocab->merges);
  check_vectors(tk, dir / "ggml-vocab-gpt-2.gguf.inp", dir / "ggml-vocab-gpt-2.gguf.out");
}

// The salvager itself, on a synthetic vocabulary with the awkward cases: strings of 128..255
// bytes (their length byte is damaged), a count with bytes >= 0x80, ASCII and multi-byte text.
TEST_CASE("GGUF salvage: a damaged byte-level vocabulary is recovered exactly, or refused") {
  std::vector<std::string> tokens;
  for (int i = 0; i < 33000; ++i) {
    std::string t = "t" + std::to_string(i);
    if (i % 997 == 0) t += std::string(120 + i % 140, 'x');  // long: damaged length
    if (i % 5 == 0) t += "\xC4\xA0\xC3\xA9";                 // "Ġé"
    tokens.push_back(t);
  }
  std::vector<std::int32_t> types(tokens.size(), 1);
  types[3] = 3;
  types[77] = 4;
  const std::vector<std::string> merges = {"t 1", "t 2", std::string(130, 'x') + " y"};
  flipside::test::gguf_builder g;
  g.str("general.architecture", "gpt2")
      .str("tokenizer.ggml.model", "gpt2")
      .str("tokenizer.ggml.pre", "gpt-2")
      .strings("tokenizer.ggml.tokens", tokens)
      .i32s("tokenizer.ggml.token_type", types)
      .strings("tokenizer.ggml.merges", merges)
      .u32("tokenizer.ggml.bos_token_id", 32896);  // 0x8080: damaged
  const std::string damaged = flipside::test::mangle_maximal_subparts(g.bytes());
  REQUIRE(damaged != g.bytes());
  REQUIRE(flipside::test::looks_utf8_mangled(damaged));
  flipside::test::gguf_salvager salvager(damaged);
  const auto v = salvager.run();
  INFO(salvager.why());
  REQUIRE(v);
  CHECK(v->model == "gpt2");
  CHECK(v->pre == "gpt-2");
  CHECK(v->tokens == tokens);
  CHECK(v->types == types);
  CHECK(v->merges == merges);

  // Other models are refused with the reason.
  flipside::test::gguf_builder t5;
  t5.str("tokenizer.ggml.model", "t5").strings("tokenizer.ggml.tokens", {"<unk>", "a"});
  flipside::test::gguf_salvager refused(flipside::test::mangle_maximal_subparts(t5.bytes()));
  CHECK_FALSE(refused.run());
  CHECK(refused.why().find("'t5'") != std::string::npos);
}

TEST_CASE("GGUF salvage: a damaged SentencePiece vocabulary, scores reconstructed and proven") {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<std::int32_t> types = {2, 3, 3};
  std::vector<float> scores = {0, -1000, 0};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    tokens.push_back(buf);
    types.push_back(6);
    scores.push_back(0);
  }
  const int first_normal = static_cast<int>(tokens.size());
  for (int i = 0; i < 3000; ++i) {
    tokens.push_back("\xE2\x96\x81p" + std::to_string(i) + (i % 7 ? "" : "\xEF\xBF\xBD"));
    types.push_back(1);
    scores.push_back(i % 101 == 0 ? -1e9f : -static_cast<float>(i));
  }
  tokens.push_back("<|end|>");
  types.push_back(3);
  scores.push_back(-10000);
  flipside::test::gguf_builder g;
  g.str("tokenizer.ggml.model", "llama")
      .strings("tokenizer.ggml.tokens", tokens)
      .f32s("tokenizer.ggml.scores", scores)
      .i32s("tokenizer.ggml.token_type", types)
      .u32("tokenizer.ggml.bos_token_id", 1);
  const std::string damaged = flipside::test::mangle_maximal_subparts(g.bytes());
  REQUIRE(flipside::test::looks_utf8_mangled(damaged));
  flipside::test::gguf_salvager salvager(damaged);
  const auto v = salvager.run();
  INFO(salvager.why());
  REQUIRE(v);
  CHECK(v->tokens == tokens);
  CHECK(v->types == types);
  CHECK(v->scores == scores);

  // A score outside the candidates cannot be reconstructed: refused, not guessed.
  scores[first_normal + 5] = -0.5f;
  flipside::test::gguf_builder h;
  h.str("tokenizer.ggml.model", "llama")
      .strings("tokenizer.ggml.tokens", tokens)
      .f32s("tokenizer.ggml.scores", scores)
      .i32s("tokenizer.ggml.token_type", types);
  flipside::test::gguf_salvager odd(flipside::test::mangle_maximal_subparts(h.bytes()));
  CHECK_FALSE(odd.run());
  CHECK(odd.why().find("tokenizer.ggml.scores[" + std::to_string(first_normal + 5) + "]") !=
        std::string::npos);
}

TEST_CASE("maximal-subpart replacement, as Python's decode(errors='replace')") {
  using flipside::test::mangle_maximal_subparts;
  const std::string r = "\xEF\xBF\xBD";
  CHECK(mangle_maximal_subparts("a\xC3\xA9"
                                "b") ==
        "a\xC3\xA9"
        "b");  // well-formed: kept
  CHECK(mangle_maximal_subparts(std::string("\xC4\x00", 2)) == r + std::string(1, '\0'));
  CHECK(mangle_maximal_subparts("\x80\x81") == r + r);         // lone continuation bytes
  CHECK(mangle_maximal_subparts("\xE1\x80x") == r + "x");      // one U+FFFD for E1 80
  CHECK(mangle_maximal_subparts("\xE0\x80x") == r + r + "x");  // E0 80 is never a prefix
  CHECK(mangle_maximal_subparts("\xF0\x9F\x98") == r);         // truncated 4-byte sequence
  CHECK(mangle_maximal_subparts("\xF5\xFF") == r + r);
}

namespace {

// A small SentencePiece-style vocabulary: <unk> <s> </s>, byte tokens, and a few pieces whose
// scores decide the merges.
flipside::test::gguf_builder spm_vocab() {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<std::int32_t> types = {2, 3, 3};
  std::vector<float> scores = {0, 0, 0};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    tokens.push_back(buf);
    types.push_back(6);
    scores.push_back(0);
  }
  const std::vector<std::pair<std::string, float>> pieces = {{"\xE2\x96\x81", -1},
                                                             {"a", -2},
                                                             {"b", -3},
                                                             {"c", -4},
                                                             {"ab", -5},
                                                             {"\xE2\x96\x81"
                                                              "ab",
                                                              -6},
                                                             {"bc", -1.5f},
                                                             {"\xE2\x96\x81"
                                                              "a",
                                                              -7}};
  for (const auto& [p, s] : pieces) {
    tokens.push_back(p);
    types.push_back(1);
    scores.push_back(s);
  }
  flipside::test::gguf_builder g;
  g.str("general.architecture", "llama")
      .str("tokenizer.ggml.model", "llama")
      .strings("tokenizer.ggml.tokens", tokens)
      .i32s("tokenizer.ggml.token_type", types)
      .f32s("tokenizer.ggml.scores", scores)
      .u32("tokenizer.ggml.bos_token_id", 1)
      .u32("tokenizer.ggml.eos_token_id", 2);
  return g;
}

flipside::tokenizer from_image(const std::string& image) {
  return from_image(image, "synthetic.gguf");
}

}  // namespace

TEST_CASE("synthetic GGUF llama vocabulary: scores pick the merges, bytes for unknown text") {
  const auto tk = from_image(spm_vocab().bytes());
  auto id = [&](const char* piece) { return *tk.piece_to_id(piece); };
  // "▁abc": candidates ▁a (-7), ab (-5), bc (-1.5): bc first, then ▁+a? no: "▁a" -7 vs "a"+"bc"
  // (not a token): ▁a merges last → [▁a, bc].
  CHECK(tk.encode("abc") == std::vector<token_id>{id("\xE2\x96\x81"
                                                     "a"),
                                                  id("bc")});
  // 'z' is not a piece: byte fallback <0x7A>.
  CHECK(tk.encode("z") == std::vector<token_id>{id("\xE2\x96\x81"), id("<0x7A>")});
  CHECK(tk.encode("ab", {true, false}).front() == 1);  // add_bos defaults to true for llama
  CHECK(tk.decode(tk.encode("abc z")) == "abc z");
  CHECK(tk.encode("<s>ab", {false, true}).front() == 1);
  CHECK(tk.encode("<s>ab", {false, false}).size() > 2);
}

TEST_CASE("GGUF tokenizer errors name the file and the key") {
  SECTION("no tokenizer.ggml.model") {
    flipside::test::gguf_builder g;
    g.str("general.architecture", "llama");
    REQUIRE_THROWS_AS(from_image(g.bytes()), flipside::format_error);
    REQUIRE_THROWS_WITH(from_image(g.bytes()), Catch::Contains("tokenizer.ggml.model"));
  }
  SECTION("unsupported model and pre-tokenizer") {
    flipside::test::gguf_builder g;
    g.str("tokenizer.ggml.model", "t5").strings("tokenizer.ggml.tokens", {"a"});
    CHECK_THROWS_AS(from_image(g.bytes()), flipside::unsupported_error);
    flipside::test::gguf_builder h;
    h.str("tokenizer.ggml.model", "gpt2")
        .str("tokenizer.ggml.pre", "no-such-pre")
        .strings("tokenizer.ggml.tokens", {"a", "b", "ab"})
        .strings("tokenizer.ggml.merges", {"a b"});
    CHECK_THROWS_WITH(from_image(h.bytes()), Catch::Contains("no-such-pre"));
  }
  SECTION("array sizes that disagree") {
    flipside::test::gguf_builder g;
    g.str("tokenizer.ggml.model", "llama")
        .strings("tokenizer.ggml.tokens", {"a", "b"})
        .i32s("tokenizer.ggml.token_type", {1});
    CHECK_THROWS_WITH(from_image(g.bytes()), Catch::Contains("tokenizer.ggml.token_type"));
  }
  SECTION("merges that name unknown tokens") {
    flipside::test::gguf_builder g;
    g.str("tokenizer.ggml.model", "gpt2")
        .str("tokenizer.ggml.pre", "gpt-2")
        .strings("tokenizer.ggml.tokens", {"a", "b", "ab"})
        .strings("tokenizer.ggml.merges", {"a b", "a q"});
    CHECK_THROWS_WITH(from_image(g.bytes()), Catch::Contains("tokenizer.ggml.merges[1]"));
  }
  SECTION("bos id outside the vocabulary") {
    auto g = spm_vocab();
    g.u32("tokenizer.ggml.unknown_token_id", 99999);
    CHECK_THROWS_WITH(from_image(g.bytes()), Catch::Contains("unknown_token_id"));
  }
  SECTION("a file mangled by a UTF-8 text conversion is rejected, not misread") {
    const std::string image = spm_vocab().bytes();
    REQUIRE_NOTHROW(from_image(image));
    const std::string mangled = flipside::test::utf8_mangle(image);
    REQUIRE(flipside::test::looks_utf8_mangled(mangled));
    CHECK_THROWS_AS(from_image(mangled), flipside::format_error);
  }
}
