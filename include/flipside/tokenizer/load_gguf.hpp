// Loading the tokenizer stored in a GGUF file's metadata (llama.cpp's tokenizer.ggml.* keys,
// read with flipside::gguf_file):
//
//   tokenizer.ggml.model        "gpt2" (byte-level BPE) or "llama" (SentencePiece BPE with scores)
//   tokenizer.ggml.pre          gpt2 only: the pre-tokenizer, by name (llama-bpe, qwen2, gpt-2,
//                               deepseek-llm, deepseek-coder, falcon, starcoder, refact, mpt, …)
//   tokenizer.ggml.tokens       the pieces; token_type (1 normal, 2 unknown, 3 control,
//                               4 user-defined, 5 unused, 6 byte); scores (llama)
//   tokenizer.ggml.merges       gpt2 only: "left right" in rank order
//   tokenizer.ggml.bos_token_id / eos_token_id / unknown_token_id, add_bos_token,
//   add_eos_token, add_space_prefix (llama)
//
// The behaviour is llama.cpp's (src/llama-vocab.cpp): control, unknown and user-defined tokens
// are matched in the text before anything else (control and unknown ones only when special
// tokens are parsed); "llama" vocabularies get a leading '▁' on text at the start and after a
// special token, and spaces become '▁'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/io/gguf_file.hpp>
#include <flipside/tokenizer/assemble.hpp>
#include <flipside/tokenizer/patterns.hpp>
#include <flipside/tokenizer/tokenizer.hpp>

namespace flipside {
namespace tok {

// llama.cpp's pre-tokenizer regex list for a tokenizer.ggml.pre name (llm_tokenizer_bpe), as
// matchers; ignore_merges is set for the Llama-3 family. Empty list: unknown name.
inline std::vector<match_fn> gguf_pre_tokenizer(std::string_view pre, bool& ignore_merges) {
  namespace p = patterns;
  ignore_merges = false;
  auto is = [&](std::initializer_list<std::string_view> names) {
    for (auto n : names) {
      if (pre == n) return true;
    }
    return false;
  };
  if (is({"llama3", "llama-v3", "llama-bpe", "falcon3"})) {
    ignore_merges = true;
    return {&p::llama3<3>};
  }
  if (is({"dbrx", "smaug-bpe", "chatglm-bpe"})) return {&p::llama3<3>};
  if (is({"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"})) return {&p::llama3<1>};
  if (is({"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es",
          "jina-v2-de", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais"})) {
    return {&p::gpt2};
  }
  if (is({"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"})) {
    return {&p::number, &p::gpt2};
  }
  if (pre == "falcon") {
    return {&p::class_run<&p::in_falcon_punct>, &p::gpt2, &p::ascii_digits_3};
  }
  if (pre == "deepseek-llm") {
    return {&p::cr_or_lf,
            &p::opt_space_run<&p::in_deepseek_letter>,
            &p::opt_space_run<&p::in_deepseek_punct>,
            &p::trailing_whitespace,
            &p::class_run<&p::in_deepseek_cjk>,
            &p::numbers};
  }
  if (pre == "deepseek-coder") {
    return {&p::cr_or_lf, &p::opt_space_run<&p::in_letter>, &p::opt_space_run<&p::in_punct>,
            &p::class_run<&p::in_deepseek_cjk>, &p::number};
  }
  if (pre == "deepseek-v3") {
    return {&p::numbers_1_3, &p::class_run<&p::in_deepseek3_cjk>, &p::deepseek3};
  }
  if (is({"poro-chat", "bloom", "gpt3-finnish"})) return {&p::bloom};
  if (pre == "viking") return {&p::bloom, &p::number};
  if (pre == "default") {
    return {&p::class_run<&p::in_default_punct>, &p::gpt2, &p::numbers, &p::ascii_digits_3};
  }
  return {};
}

}  // namespace tok

inline tokenizer tokenizer_from_gguf(const gguf_file& f) {
  const std::string& file = f.path();
  const std::string model = f.require_string("tokenizer.ggml.model");
  tokenizer::parts p;
  if (model == "gpt2") {
    p.kind = tokenizer::model_kind::bpe;
  } else if (model == "llama") {
    p.kind = tokenizer::model_kind::spm;
  } else if (model == "none" || model == "no_vocab") {
    throw unsupported_error(file + ": tokenizer.ggml.model: '" + model +
                            "': the file has no vocabulary");
  } else {
    throw unsupported_error(file + ": tokenizer.ggml.model: '" + model +
                            "' is not supported (flipside reads \"gpt2\" and \"llama\")");
  }

  const std::vector<std::string>* tokens = f.get_string_array("tokenizer.ggml.tokens");
  if (!tokens)
    throw format_error(file, "tokenizer.ggml.tokens", "required metadata key is missing");
  const std::size_t n = tokens->size();
  if (n == 0 || n > 0x7FFFFFFF) {
    throw format_error(file, "tokenizer.ggml.tokens", "bad vocabulary size " + std::to_string(n));
  }
  const auto types = f.get_array<std::int32_t>("tokenizer.ggml.token_type");
  if (types && types->size() != n) {
    throw format_error(
        file, "tokenizer.ggml.token_type",
        std::to_string(types->size()) + " entries for " + std::to_string(n) + " tokens");
  }
  auto scores = f.get_array<float>("tokenizer.ggml.scores");
  if (scores && scores->size() != n) {
    throw format_error(
        file, "tokenizer.ggml.scores",
        std::to_string(scores->size()) + " entries for " + std::to_string(n) + " tokens");
  }

  // Pieces (llama.cpp renames empty ones, and a later duplicate piece takes over the lookup).
  std::vector<std::string> renamed;
  std::vector<std::pair<std::string_view, token_id>> entries;
  entries.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if ((*tokens)[i].empty()) renamed.push_back("[EMPTY_" + std::to_string(i) + "]");
  }
  std::size_t next_renamed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view piece =
        (*tokens)[i].empty() ? std::string_view(renamed[next_renamed++]) : (*tokens)[i];
    entries.emplace_back(piece, static_cast<token_id>(i));
  }
  tok::fill_vocab(p.vocab, entries, tok::token_attr::normal, true);
  std::vector<tok::added_token> added;
  for (std::size_t i = 0; i < n; ++i) {
    tok::token_attr a = tok::token_attr::normal;
    switch (types ? (*types)[i] : 1) {
      case 2:
        a = tok::token_attr::unknown;
        break;
      case 3:
        a = tok::token_attr::control;
        break;
      case 4:
        a = tok::token_attr::user_defined;
        break;
      case 5:
        a = tok::token_attr::unused;
        break;
      case 6:
        a = tok::token_attr::byte;
        break;
      default:
        break;
    }
    const auto id = static_cast<token_id>(i);
    p.vocab.set_attr(id, a);
    if (a == tok::token_attr::control || a == tok::token_attr::unknown ||
        a == tok::token_attr::user_defined) {
      tok::added_token t;
      t.content = std::string(p.vocab.piece(id));
      t.id = id;
      t.special = a != tok::token_attr::user_defined;
      added.push_back(std::move(t));
    }
  }
  p.added.assign(std::move(added));
  if (scores) p.vocab.set_scores(std::move(*scores));

  auto special_id = [&](const char* key, token_id dflt) -> token_id {
    const auto v = f.get_u32(key);
    if (!v) return dflt;
    if (*v >= n) {
      throw format_error(file, key, "token id " + std::to_string(*v) + " is not in the vocabulary");
    }
    return static_cast<token_id>(*v);
  };

  bool add_bos = false;
  std::string desc;
  if (p.kind == tokenizer::model_kind::bpe) {
    const std::string pre = f.get_string("tokenizer.ggml.pre").value_or("default");
    bool ignore_merges = false;
    const auto fns = tok::gguf_pre_tokenizer(pre, ignore_merges);
    if (fns.empty()) {
      throw unsupported_error(file + ": tokenizer.ggml.pre: pre-tokenizer '" + pre +
                              "' is not supported");
    }
    for (tok::match_fn fn : fns) {
      tok::pre_step st;
      st.kind = tok::pre_step::split_regex;
      st.fn = fn;
      p.pre.steps.push_back(st);
    }
    tok::pre_step bl;
    bl.kind = tok::pre_step::byte_level;
    bl.add_prefix_space = false;
    bl.use_regex = false;
    p.pre.steps.push_back(bl);
    p.bpe.ignore_merges = ignore_merges;
    tok::index_byte_level(p);
    tok::decode_step d;
    d.kind = tok::decode_step::byte_level;
    d.raw_user_defined = true;
    p.decoder.steps.push_back(d);

    const std::vector<std::string>* merges = f.get_string_array("tokenizer.ggml.merges");
    if (!merges) {
      throw format_error(file, "tokenizer.ggml.merges", "required metadata key is missing");
    }
    std::vector<std::pair<std::string_view, std::string_view>> list;
    list.reserve(merges->size());
    for (std::size_t i = 0; i < merges->size(); ++i) {
      std::string_view a, b;
      if (!tok::split_merge((*merges)[i], a, b)) {
        throw format_error(file, "tokenizer.ggml.merges[" + std::to_string(i) + "]",
                           "expected \"left right\"");
      }
      list.emplace_back(a, b);
    }
    tok::add_merges(p, list, true, file, "tokenizer.ggml.merges");
    p.bos = special_id("tokenizer.ggml.bos_token_id", 11 < static_cast<token_id>(n) ? 11 : -1);
    p.eos = special_id("tokenizer.ggml.eos_token_id", 11 < static_cast<token_id>(n) ? 11 : -1);
    desc = "byte-level BPE (pre-tokenizer " + pre + ")";
  } else {
    const bool space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    const std::string space = "\xE2\x96\x81";  // '▁'
    if (space_prefix) {
      tok::norm_step pre;
      pre.kind = tok::norm_step::prepend;
      pre.a = space;
      p.normalizer.steps.push_back(pre);
    }
    tok::norm_step rep;
    rep.kind = tok::norm_step::replace;
    rep.a = " ";
    rep.b = space;
    p.normalizer.steps.push_back(rep);
    tok::find_byte_tokens(p.vocab, p.spm.byte_ids);
    for (unsigned b = 0; b < 256; ++b) {
      if (p.spm.byte_ids[b] == tok::vocabulary::none) {
        p.spm.byte_ids[b] = p.vocab.find(std::string(1, static_cast<char>(b)));
      }
    }
    p.spm.unk = special_id("tokenizer.ggml.unknown_token_id", n > 0 ? 0 : -1);
    tok::decode_step d;
    d.kind = tok::decode_step::replace;
    d.a = space;
    d.b = " ";
    p.decoder.steps.push_back(d);
    tok::decode_step bf, fuse;
    bf.kind = tok::decode_step::byte_fallback;
    fuse.kind = tok::decode_step::fuse;
    p.decoder.steps.push_back(bf);
    p.decoder.steps.push_back(fuse);
    if (space_prefix) {
      tok::decode_step s;
      s.kind = tok::decode_step::strip;
      s.a = " ";
      s.start = 1;
      p.decoder.steps.push_back(s);
    }
    p.bos = special_id("tokenizer.ggml.bos_token_id", n > 1 ? 1 : -1);
    p.eos = special_id("tokenizer.ggml.eos_token_id", n > 2 ? 2 : -1);
    add_bos = true;
    desc = "SentencePiece BPE";
  }
  add_bos = f.get_bool("tokenizer.ggml.add_bos_token").value_or(add_bos);
  const bool add_eos = f.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  if (add_bos && p.bos != tok::vocabulary::none) p.post.prefix.push_back(p.bos);
  if (add_eos && p.eos != tok::vocabulary::none) p.post.suffix.push_back(p.eos);
  p.description = file + ": " + desc + ", " + std::to_string(n) + " tokens";
  return tokenizer(std::move(p));
}

inline tokenizer load_gguf_tokenizer(const std::string& path) {
  return tokenizer_from_gguf(gguf_file::open(path));
}

}  // namespace flipside
