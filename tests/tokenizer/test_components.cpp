// The tokenizer's parts, without reference files: UTF-8 handling, the byte-level alphabet, the
// pre-tokenizer patterns (expected splits worked out from the regex semantics), added-token
// matching (lstrip / rstrip / single_word / normalized), normalizers, decoders, and the errors
// malformed tokenizer files must raise.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/tokenizer.hpp>

#include "tokenizer_test_util.hpp"

namespace {

using flipside::token_id;
namespace tok = flipside::tok;
using strings = std::vector<std::string>;

strings split_with(std::vector<tok::pre_step> steps, const std::string& text, bool first = true) {
  tok::pre_tokenizer pre;
  pre.steps = std::move(steps);
  tok::pretok_scratch s;
  const std::string_view cur = pre.run(text, first, s);
  strings out;
  for (const auto& p : s.pieces) out.emplace_back(cur.substr(p.begin, p.end - p.begin));
  return out;
}

tok::pre_step regex_step(tok::match_fn fn) {
  tok::pre_step st;
  st.kind = tok::pre_step::split_regex;
  st.fn = fn;
  return st;
}

strings split_regex(tok::match_fn fn, const std::string& text) {
  return split_with({regex_step(fn)}, text);
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

// A byte-level BPE tokenizer.json: ids 0–255 are the bytes, then merges, then added tokens.
std::string tiny_byte_level_json(const std::string& added, const std::string& normalizer = "null",
                                 const std::string& extra_merge = "") {
  std::string vocab;
  for (unsigned b = 0; b < 256; ++b) {
    vocab += "\"" + json_escape(tok::utf8_encode(tok::byte_level().byte_to_cp[b])) +
             "\": " + std::to_string(b) + ", ";
  }
  vocab +=
      "\"ab\": 256, \"abc\": 257, \"\xC4\xA0"
      "a\": 258, \"\xC4\xA0"
      "ab\": 259";
  return R"({"version": "1.0", "added_tokens": [)" + added + R"(], "normalizer": )" + normalizer +
         R"(, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false,
        "trim_offsets": true, "use_regex": true},
      "post_processor": null, "decoder": {"type": "ByteLevel"},
      "model": {"type": "BPE", "vocab": {)" +
         vocab + R"(}, "merges": ["Ġ a", "a b", "ab c", "Ġa b")" + extra_merge + "]}}";
}

}  // namespace

TEST_CASE("UTF-8: decoding rejects overlongs, surrogates and truncation, byte by byte") {
  CHECK(tok::utf8_is_valid("plain ascii and caf\xC3\xA9 \xF0\x9F\xA6\x99"));
  CHECK_FALSE(tok::utf8_is_valid("\xC0\x80"));          // overlong NUL
  CHECK_FALSE(tok::utf8_is_valid("\xED\xA0\x80"));      // surrogate U+D800
  CHECK_FALSE(tok::utf8_is_valid("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(tok::utf8_is_valid("ab\xE2\x82"));        // truncated
  const std::string r = "\xEF\xBF\xBD";
  CHECK(tok::utf8_repair("\xC0\x80x") == r + r + "x");
  CHECK(tok::utf8_repair("\xED\xA0\x80") == r + r + r);
  CHECK(tok::utf8_repair("ab\xE2\x82") == "ab" + r + r);
  CHECK(tok::utf8_repair("\xE2\x82\xAC") == "\xE2\x82\xAC");  // € untouched
}

TEST_CASE("byte-level alphabet: 256 distinct printable code points, GPT-2's assignment") {
  const auto& a = tok::byte_level();
  CHECK(a.byte_to_cp[' '] == 0x120);   // 'Ġ'
  CHECK(a.byte_to_cp['\n'] == 0x10A);  // 'Ċ'
  CHECK(a.byte_to_cp['A'] == 'A');
  CHECK(a.byte_to_cp[0xAD] == 0x143);  // the soft hyphen is the last remapped byte
  std::vector<bool> seen(0x144, false);
  for (unsigned b = 0; b < 256; ++b) {
    REQUIRE(a.byte_to_cp[b] < 0x144);
    CHECK_FALSE(seen[a.byte_to_cp[b]]);
    seen[a.byte_to_cp[b]] = true;
    CHECK(a.byte_of(a.byte_to_cp[b]) == static_cast<int>(b));
  }
  std::string all;
  for (unsigned b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string back;
  REQUIRE(tok::byte_level_decode(tok::byte_level_encode(all), back));
  CHECK(back == all);
  CHECK_FALSE(tok::byte_level_decode("\xE2\x96\x81", back));  // '▁' is not in the alphabet
}

TEST_CASE("unicode classes come from utf8proc") {
  CHECK(tok::cp_flags('a') & tok::cp_letter);
  CHECK(tok::cp_flags(0x4E2D) & tok::cp_letter);            // 中
  CHECK(tok::cp_flags(0x0663) & tok::cp_number);            // Arabic-Indic three
  CHECK(tok::cp_flags(0x00BD) & tok::cp_number);            // ½ (No)
  CHECK(tok::cp_flags(0x3000) & tok::cp_whitespace);        // ideographic space
  CHECK(tok::cp_flags(0x0085) & tok::cp_whitespace);        // NEL (White_Space, category Cc)
  CHECK_FALSE(tok::cp_flags(0x200B) & tok::cp_whitespace);  // zero-width space is Cf
  CHECK(tok::cp_flags(0x0301) & tok::cp_mark);
  CHECK(tok::cp_flags(0x1F600) & tok::cp_symbol);  // 😀, above the BMP table
  CHECK(tok::cp_flags(0x2014) & tok::cp_punct);    // em dash
}

TEST_CASE("GPT-2 pattern splits as the regex does") {
  namespace p = tok::patterns;
  CHECK(split_regex(&p::gpt2, "Hello world") == strings{"Hello", " world"});
  CHECK(split_regex(&p::gpt2, "   Hello") == strings{"  ", " Hello"});  // \s+(?!\S) gives one back
  CHECK(split_regex(&p::gpt2, "x\t\ty") == strings{"x", "\t", "\t", "y"});
  CHECK(split_regex(&p::gpt2, "I'm here, they'll") ==
        strings{"I", "'m", " here", ",", " they", "'ll"});
  CHECK(split_regex(&p::gpt2, "I'M") == strings{"I", "'", "M"});  // case-sensitive
  CHECK(split_regex(&p::gpt2, "3.14159 ok") == strings{"3", ".", "14159", " ok"});
  CHECK(split_regex(&p::gpt2, "end   ") == strings{"end", "   "});
  CHECK(split_regex(&p::gpt2, " !!?x") == strings{" !!?", "x"});
}

TEST_CASE("Llama-3 and Qwen2 patterns split as the regex does") {
  namespace p = tok::patterns;
  CHECK(split_regex(&p::llama3<3>, "Hello World 12345") ==
        strings{"Hello", " World", " ", "123", "45"});
  CHECK(split_regex(&p::llama3<1>, "ab 123") == strings{"ab", " ", "1", "2", "3"});
  CHECK(split_regex(&p::llama3<3>, "I'M don't") == strings{"I", "'M", " don", "'t"});
  CHECK(split_regex(&p::llama3<3>, "a\n\nb") == strings{"a", "\n\n", "b"});
  CHECK(split_regex(&p::llama3<3>, "x \n y") == strings{"x", " \n", " y"});
  CHECK(split_regex(&p::llama3<3>, "ok...!!\n\nnext") == strings{"ok", "...!!\n\n", "next"});
  CHECK(split_regex(&p::llama3<3>, "\tword") == strings{"\tword"});  // [^\r\n\p{L}\p{N}]?\p{L}+
  CHECK(split_regex(&p::llama3<3>, "a  b") == strings{"a", " ", " b"});
  CHECK(split_regex(&p::llama3<3>, "tail  ") == strings{"tail", "  "});
}

TEST_CASE("other pre-tokenizer patterns and steps") {
  namespace p = tok::patterns;
  CHECK(split_regex(&p::trailing_whitespace, "ab  ") == strings{"ab", "  "});
  CHECK(split_regex(&p::trailing_whitespace, "a  b") == strings{"a  b"});
  CHECK(split_regex(&p::numbers_1_3, "x12345") == strings{"x", "123", "45"});
  CHECK(split_regex(&p::opt_space_run<&p::in_letter>, "a bc 1") == strings{"a", " bc", " 1"});
  CHECK(split_regex(&p::class_run<&p::in_deepseek_cjk>, "ab中文cd") == strings{"ab", "中文", "cd"});
  CHECK(split_regex(&p::bloom, "hi there.") == strings{"hi", " there", "."});

  tok::pre_step digits;
  digits.kind = tok::pre_step::digits;
  CHECK(split_with({digits}, "ab123c4") == strings{"ab", "123", "c", "4"});
  digits.individual_digits = true;
  CHECK(split_with({digits}, "a12") == strings{"a", "1", "2"});

  tok::pre_step ms;
  ms.kind = tok::pre_step::metaspace;
  ms.literal = "\xE2\x96\x81";
  ms.scheme = tok::prepend_scheme::always;
  const std::string u = "\xE2\x96\x81";
  CHECK(split_with({ms}, "Hey  there") == strings{u + "Hey", u, u + "there"});
  ms.scheme = tok::prepend_scheme::first;
  CHECK(split_with({ms}, "x", false) == strings{"x"});
  CHECK(split_with({ms}, "x", true) == strings{u + "x"});

  tok::pre_step lit;
  lit.kind = tok::pre_step::split_string;
  lit.literal = "--";
  lit.behavior = tok::split_behavior::removed;
  CHECK(split_with({lit}, "a--b----c") == strings{"a", "b", "c"});
  lit.behavior = tok::split_behavior::merged_with_previous;
  CHECK(split_with({lit}, "a--b") == strings{"a--", "b"});
  lit.behavior = tok::split_behavior::merged_with_next;
  CHECK(split_with({lit}, "a--b") == strings{"a", "--b"});
  lit.behavior = tok::split_behavior::contiguous;
  CHECK(split_with({lit}, "a----b") == strings{"a", "----", "b"});

  CHECK(tok::find_pattern(tok::regex_source::llama3) == &p::llama3<3>);
  CHECK(tok::find_pattern(tok::regex_source::qwen2) == &p::llama3<1>);
  CHECK(tok::find_pattern("(?<=x)y") == nullptr);
}

TEST_CASE("normalizers") {
  tok::normalizer n;
  tok::norm_scratch s;
  tok::norm_step pre;
  pre.kind = tok::norm_step::prepend;
  pre.a = "_";
  tok::norm_step rep;
  rep.kind = tok::norm_step::replace;
  rep.a = " ";
  rep.b = "_";
  n.steps = {pre, rep};
  CHECK(n.run("a b", s) == "_a_b");
  CHECK(n.run("", s).empty());  // Prepend leaves empty text alone
  tok::norm_step nfc;
  nfc.kind = tok::norm_step::nfc;
  n.steps = {nfc};
  CHECK(n.run("e\xCC\x81", s) == "\xC3\xA9");  // e + combining acute → é
  tok::norm_step nfkc;
  nfkc.kind = tok::norm_step::nfkc;
  n.steps = {nfkc};
  CHECK(n.run("\xEF\xAC\x81", s) == "fi");  // ﬁ ligature
  tok::norm_step low, strip;
  low.kind = tok::norm_step::lowercase;
  strip.kind = tok::norm_step::strip;
  n.steps = {low, strip};
  CHECK(n.run("  \xC3\x84pfel ", s) == "\xC3\xA4pfel");
}

TEST_CASE("decoders") {
  tok::vocabulary v;
  const strings pieces = {"<0x61>", "<0xC3>", "<0xA9>", "\xE2\x96\x81hi", "x", "<s>"};
  for (std::size_t i = 0; i < pieces.size(); ++i) v.set(static_cast<token_id>(i), pieces[i]);
  v.set_attr(5, tok::token_attr::control);
  tok::decoder d;
  tok::decode_step rep, bf, fuse, strip;
  rep.kind = tok::decode_step::replace;
  rep.a = "\xE2\x96\x81";
  rep.b = " ";
  bf.kind = tok::decode_step::byte_fallback;
  fuse.kind = tok::decode_step::fuse;
  strip.kind = tok::decode_step::strip;
  strip.a = " ";
  strip.start = 1;
  d.steps = {rep, bf, fuse, strip};
  const std::vector<token_id> ids = {3, 0, 1, 2, 4};
  CHECK(d.run(v, ids.data(), ids.size(), false) == "hia\xC3\xA9x");
  const std::vector<token_id> with_s = {5, 3};
  CHECK(d.run(v, with_s.data(), 2, false) == "<s> hi");
  CHECK(d.run(v, with_s.data(), 2, true) == "hi");
  tok::decode_step ms;
  ms.kind = tok::decode_step::metaspace;
  ms.a = "\xE2\x96\x81";
  d.steps = {ms};
  const std::vector<token_id> two = {3, 3};
  CHECK(d.run(v, two.data(), 2, false) == "hi hi");  // '▁' dropped in the first token only
  CHECK_THROWS_AS(d.run(v, std::vector<token_id>{99}.data(), 1, false), flipside::argument_error);
}

TEST_CASE("byte-level BPE from a small tokenizer.json: merges, round trip, naive reference") {
  const auto tk = flipside::tokenizer_from_json(tiny_byte_level_json(""), "tiny.json");
  CHECK(tk.encode("abc") == std::vector<token_id>{257});
  CHECK(tk.encode("ab ab") == std::vector<token_id>{256, 259});
  CHECK(tk.encode(" abc") == std::vector<token_id>{259, 'c'});  // "Ġ a" outranks "a b"
  for (const std::string t : {"abc abcab  cab\n\tabc", "", " ", "zz\xF0\x9F\x98\x80"}) {
    const auto ids = tk.encode(t);
    CHECK(tk.decode(ids) == t);
    CHECK(tk.encode_reference(t) == ids);
  }
  CHECK(tk.token_to_piece(258) ==
        "\xC4\xA0"
        "a");
  CHECK(tk.token_to_text(258) == " a");
  CHECK(tk.vocab_size() == 260);
}

TEST_CASE("tokenizer_config.json: BOS/EOS, integers beyond 64 bits") {
  const std::string added = R"(
    {"id": 300, "content": "<s>", "special": true},
    {"id": 301, "content": "</s>", "special": true})";
  const auto tk = flipside::tokenizer_from_json(
      tiny_byte_level_json(added), "dir/tokenizer.json",
      R"({"model_max_length": 1000000000000000019884624838656, "bos_token": "<s>",
          "eos_token": {"content": "</s>", "lstrip": false}, "note": "12345678901234567890"})");
  CHECK(tk.bos() == 300);
  CHECK(tk.eos() == 301);
  CHECK(tok::detail::json_big_integers_as_floats(
            R"({"a": 12345678901234567890, "b": "1234567890123456789012", "c": 1.5e300})") ==
        R"({"a": 12345678901234567890.0, "b": "1234567890123456789012", "c": 1.5e300})");
  CHECK_THROWS_WITH(
      flipside::tokenizer_from_json(tiny_byte_level_json(""), "dir/tokenizer.json", "{oops"),
      Catch::Contains("tokenizer_config.json"));
}

TEST_CASE("added tokens: leftmost-longest, lstrip, rstrip, single_word, normalized") {
  const std::string added = R"(
    {"id": 300, "content": "<x>", "special": true, "lstrip": false, "rstrip": false,
     "normalized": false, "single_word": false},
    {"id": 301, "content": "<x><y>", "special": true, "lstrip": false, "rstrip": false,
     "normalized": false, "single_word": false},
    {"id": 302, "content": "[L]", "special": true, "lstrip": true, "rstrip": false,
     "normalized": false, "single_word": false},
    {"id": 303, "content": "[R]", "special": true, "lstrip": false, "rstrip": true,
     "normalized": false, "single_word": false},
    {"id": 304, "content": "cab", "special": false, "lstrip": false, "rstrip": false,
     "normalized": false, "single_word": true},
    {"id": 305, "content": "hey", "special": false, "lstrip": false, "rstrip": false,
     "normalized": true, "single_word": false})";
  const auto tk = flipside::tokenizer_from_json(
      tiny_byte_level_json(added, R"({"type": "Lowercase"})"), "tiny.json");
  using v = std::vector<token_id>;
  CHECK(tk.encode("<x><y>") == v{301});
  CHECK(tk.encode("a<x>b") == v{'a', 300, 'b'});
  CHECK(tk.encode("a  [L]b") == v{'a', 302, 'b'});  // lstrip swallows the spaces before
  CHECK(tk.encode("a[R]  b") == v{'a', 303, 'b'});  // rstrip swallows the spaces after
  const token_id space = ' ';                       // byte tokens have the byte's value as id here
  CHECK(tk.encode("x cab y") == v{'x', space, 304, space, 'y'});
  CHECK(tk.encode("xcaby") == v{'x', 'c', 256, 'y'});  // inside a word: not a single word
  CHECK(tk.encode("HEY") == v{305});                   // matched after lowercasing
  CHECK(tk.encode("<x>", {false, false}) != v{300});   // special: spelled out when not parsed
  CHECK(tk.encode("cab", {false, false}) == v{304});   // non-special: matched anyway
  CHECK(tk.is_special(300));
  CHECK_FALSE(tk.is_special(304));
}

TEST_CASE("malformed tokenizer.json files raise errors that name the field") {
  using flipside::format_error;
  using flipside::unsupported_error;
  CHECK_THROWS_WITH(flipside::tokenizer_from_json("{\"model\": ", "bad.json"),
                    Catch::Contains("bad.json") && Catch::Contains("invalid JSON"));
  CHECK_THROWS_WITH(flipside::tokenizer_from_json("{}", "bad.json"), Catch::Contains("model"));
  CHECK_THROWS_WITH(
      flipside::tokenizer_from_json(tiny_byte_level_json("", "null", ", \"a zz\""), "bad.json"),
      Catch::Contains("model.merges[4]") && Catch::Contains("zz"));
  CHECK_THROWS_WITH(flipside::tokenizer_from_json(R"({"model": {"type": "BPE", "vocab": {"a": -1},
        "merges": []}})",
                                                  "bad.json"),
                    Catch::Contains("model.vocab.a"));
  CHECK_THROWS_AS(
      flipside::tokenizer_from_json(R"({"model": {"type": "WordPiece", "vocab": {}}})", "bad.json"),
      unsupported_error);
  CHECK_THROWS_WITH(flipside::tokenizer_from_json(R"({"model": {"type": "BPE", "vocab": {"a": 0},
        "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<=a)b"},
        "behavior": "Isolated", "invert": false}})",
                                                  "bad.json"),
                    Catch::Contains("(?<=a)b"));
  CHECK_THROWS_WITH(flipside::tokenizer_from_json(R"({"model": {"type": "BPE", "vocab": {"a": 0},
        "merges": []}, "normalizer": {"type": "Precompiled"}})",
                                                  "bad.json"),
                    Catch::Contains("normalizer") && Catch::Contains("Precompiled"));
  CHECK_THROWS_WITH(flipside::tokenizer_from_json(
                        R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [],
                           "unk_token": "<unk>"}})",
                        "bad.json"),
                    Catch::Contains("model.unk_token"));
  CHECK_THROWS_WITH(flipside::gpt2_tokenizer_from(R"({"a": 0, "b": 1, "ab": 2})",
                                                  "#version: 0.2\na b\nab\n", "e.json", "v.bpe"),
                    Catch::Contains("v.bpe") && Catch::Contains("line 3"));
  CHECK_THROWS_AS(flipside::load_tokenizer("/nonexistent/tokenizer.json"), format_error);
}
