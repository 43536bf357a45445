// Token-level prompt structure with the real tokenizers of ../shared/tokenizers (GPT-2, Llama 2
// SentencePiece-BPE, Llama 3 and Qwen3 byte-level BPE): prefix ++ query ++ option equals the
// encoding of the full text, and — because the prompt puts its boundaries after "\n\n" and before
// the option's leading space — the boundaries are clean: encode(prefix) is a prefix of
// encode(prefix + query), which is a prefix of every encode(full text).
#include <catch2/catch.hpp>

#include <flipside/data/builtin_datasets.hpp>
#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/prompt/synthetic_linear.hpp>
#include <flipside/prompt/tokenized_prompt.hpp>
#include <flipside/tokenizer/load.hpp>

#include "shared_data.hpp"

using namespace flipside;

namespace {

void check_prompts(const tokenizer& tok, const dataset& d, const prompt_template& tmpl,
                   const char* policy, std::size_t k, bool add_special) {
  const prompt_builder<> build(d, split::test, {tmpl, parse_label_policy(policy), k, 3});
  const encode_options opt{add_special, true};
  const auto enc = [&](const std::string& s) { return tok.encode(s, opt); };
  for (std::size_t q = 0; q < 3; ++q) {
    const auto p = build(q);
    const auto t = tokenize_prompt(p, enc);
    INFO(d.task.name << " " << policy << " eval " << q << " add_special " << add_special);
    CHECK(t.prefix_boundary_clean);
    CHECK(t.option_boundary_clean);
    CHECK(t.prefix == enc(p.prefix));
    CHECK(t.prompt() == enc(p.text()));
    for (std::size_t c = 0; c < p.options.size(); ++c) {
      CHECK(t.full(c) == enc(p.full_text(c)));
      CHECK_FALSE(t.options[c].empty());
    }
  }
}

void check_tokenizer(const char* name) {
  FLIPSIDE_SHARED_OR_SKIP(data_dir, "data");
  FLIPSIDE_SHARED_OR_SKIP(tok_dir, std::string("tokenizers/") + name);
  const auto tok = load_tokenizer(tok_dir.string());
  const auto sst2 = load_builtin_dataset("sst2", data_dir);
  const auto rte = load_builtin_dataset("rte", data_dir);
  const auto trec = load_builtin_dataset("trec", data_dir);
  linear_task_params prm;
  prm.dims = 8;
  prm.train_per_class = 16;
  prm.test_per_class = 4;
  const auto linear = make_linear_task(prm).data;
  for (const bool special : {false, true}) {
    check_prompts(tok, sst2, templates::paper(), "gold", 4, special);
    check_prompts(tok, sst2, templates::paper(), "flip:50", 4, special);
    check_prompts(tok, sst2, templates::paper(), "sul", 4, special);
    check_prompts(tok, sst2, templates::qa(), "flip:100", 2, special);
    check_prompts(tok, rte, templates::paper(), "gold", 2, special);
    check_prompts(tok, trec, templates::question_answer(), "sul", 1, special);
    check_prompts(tok, linear, templates::paper(), "gold", 2, special);
  }
}

}  // namespace

TEST_CASE("tokenized prompt with the real gpt2 tokenizer") { check_tokenizer("gpt2"); }
TEST_CASE("tokenized prompt with the real llama2 tokenizer") { check_tokenizer("llama2"); }
TEST_CASE("tokenized prompt with the real llama3 tokenizer") { check_tokenizer("llama3"); }
TEST_CASE("tokenized prompt with the real qwen3 tokenizer") { check_tokenizer("qwen3"); }
