// Token-level prompt structure: prefix ++ query ++ option == encode(full text), with toy
// tokenizers whose merges cross the boundaries (the real tokenizers are tested when they land).
#include <catch2/catch.hpp>

#include <map>

#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/prompt/tokenized_prompt.hpp>

using namespace flipside;

namespace {

// Greedy longest match over a vocabulary of multi-byte pieces, single bytes otherwise. Ids: pieces
// 1000 + index, bytes their value; `bos` prepends id 1, `dummy_space` prepends a space to the text
// (SentencePiece's add_dummy_prefix).
struct toy_tokenizer {
  std::vector<std::string> pieces;
  bool bos = false;
  bool dummy_space = false;

  std::vector<int> operator()(const std::string& text) const {
    const std::string s = dummy_space ? " " + text : text;
    std::vector<int> ids;
    if (bos) ids.push_back(1);
    for (std::size_t i = 0; i < s.size();) {
      std::size_t best = 0;
      int id = static_cast<unsigned char>(s[i]);
      for (std::size_t k = 0; k < pieces.size(); ++k) {
        const auto& p = pieces[k];
        if (p.size() > best && s.compare(i, p.size(), p) == 0) {
          best = p.size();
          id = 1000 + static_cast<int>(k);
        }
      }
      ids.push_back(id);
      i += best ? best : 1;
    }
    return ids;
  }
};

assembled_prompt small_prompt() {
  const std::vector<example> train{{{"a delight"}, 1, 1}, {{"a bore"}, 0, 2}};
  return assemble_prompt(templates::paper(), {"Negative", "Positive"}, train, {0, 1}, {1, 0},
                         {{"fine"}, 1, 3});
}

template <class Tok>
void check_exact(const assembled_prompt& p, const Tok& tok) {
  const auto t = tokenize_prompt(p, tok);
  REQUIRE(t.options.size() == p.options.size());
  for (std::size_t c = 0; c < p.options.size(); ++c) {
    CHECK(t.full(c) == tok(p.full_text(c)));
    CHECK_FALSE(t.options[c].empty());
  }
  // The prompt ids are the start of the prompt text's own encoding.
  const auto q = tok(p.text());
  const auto ids = t.prompt();
  REQUIRE(ids.size() <= q.size());
  CHECK(std::equal(ids.begin(), ids.end(), q.begin()));
}

}  // namespace

TEST_CASE("tokenized prompt: clean boundaries with a tokenizer that ends tokens there") {
  const auto p = small_prompt();
  const toy_tokenizer words{{"Input:", " delight", "Output:", " Positive", " Negative", "\n\n"}};
  const auto t = tokenize_prompt(p, words);
  CHECK(t.prefix_boundary_clean);
  CHECK(t.option_boundary_clean);
  CHECK(t.prefix == words(p.prefix));
  CHECK(t.options[1] == std::vector<int>{1000 + 3});  // " Positive"
  CHECK(t.options[0] == std::vector<int>{1000 + 4});
  check_exact(p, words);
  // With BOS: the BOS id starts the prefix, never an option.
  toy_tokenizer with_bos = words;
  with_bos.bos = true;
  const auto b = tokenize_prompt(p, with_bos);
  CHECK(b.prefix.front() == 1);
  CHECK(b.option_boundary_clean);
  check_exact(p, with_bos);
}

TEST_CASE("tokenized prompt: merges across both boundaries move them back and stay exact") {
  const auto p = small_prompt();
  // "e\n\n" merges the prefix's last letter with the query's newlines, ": P" / ": N" merge the
  // output cue with the option's first letter.
  const toy_tokenizer greedy{{"e\n\n", ": P", ": N", "Output", "ositive"}};
  const auto t = tokenize_prompt(p, greedy);
  CHECK_FALSE(t.prefix_boundary_clean);
  CHECK_FALSE(t.option_boundary_clean);
  check_exact(p, greedy);
  // SentencePiece-style dummy prefix: encoding pieces separately would insert extra spaces.
  toy_tokenizer sp = greedy;
  sp.dummy_space = true;
  check_exact(p, sp);
}

TEST_CASE("tokenized prompt: zero-shot and multi-class prompts") {
  const std::vector<example> train{{{"x"}, 0, 1}};
  const auto zero =
      assemble_prompt(templates::arrow(), {"A", "B", "C"}, train, {}, {}, {{"query text"}, 2, 2});
  const toy_tokenizer chars{{}};
  const auto t = tokenize_prompt(zero, chars);
  CHECK(t.prefix.empty());
  CHECK(t.options.size() == 3);
  CHECK(t.options[2] == std::vector<int>{' ', 'C'});
  check_exact(zero, chars);
}
