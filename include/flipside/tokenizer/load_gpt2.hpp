// Loading OpenAI's GPT-2 tokenizer files: encoder.json (piece → id, pieces in the byte-level
// alphabet) and vocab.bpe (a "#version" line, then one merge "left right" per line, in rank
// order). The tokenizer is byte-level BPE with the GPT-2 regex and no prefix space, as
// openai/gpt-2 encoder.py runs it; "<|endoftext|>" is special and is both BOS and EOS.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/tokenizer/assemble.hpp>
#include <flipside/tokenizer/json_fields.hpp>
#include <flipside/tokenizer/load_tokenizer_json.hpp>
#include <flipside/tokenizer/tokenizer.hpp>

namespace flipside {

// encoder_json / vocab_bpe: the files' contents; names are used in error messages.
inline tokenizer gpt2_tokenizer_from(std::string_view encoder_json, std::string_view vocab_bpe,
                                     const std::string& encoder_name,
                                     const std::string& merges_name) {
  tokenizer::parts p;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(encoder_json.data(), encoder_json.size());
  if (auto err = parser.parse(padded).get(root)) {
    throw format_error(encoder_name, "(document)",
                       std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  tok::detail::json_fields j(encoder_name);
  const auto obj = j.object(root, "(document)");
  std::vector<std::pair<std::string_view, token_id>> entries;
  entries.reserve(obj.size());
  for (auto field : obj) {
    std::int64_t id;
    if (field.value.get_int64().get(id) || id < 0 || id > 0x7FFFFFFF) {
      j.fail(std::string(field.key), "expected a token id (integer ≥ 0)");
    }
    entries.emplace_back(field.key, static_cast<token_id>(id));
  }
  tok::fill_vocab(p.vocab, entries);
  if (p.vocab.size() == 0) j.fail("(document)", "empty vocabulary");

  const token_id eot = p.vocab.find("<|endoftext|>");
  if (eot != tok::vocabulary::none) {
    p.vocab.set_attr(eot, tok::token_attr::control);
    tok::added_token t;
    t.content = "<|endoftext|>";
    t.id = eot;
    t.special = true;
    p.added.assign({t});
    p.bos = p.eos = eot;
  }

  tok::pre_step bl;
  bl.kind = tok::pre_step::byte_level;
  bl.add_prefix_space = false;
  bl.use_regex = true;
  p.pre.steps.push_back(bl);
  p.decoder.steps.push_back(tok::decode_step{});  // ByteLevel
  tok::index_byte_level(p);

  std::vector<std::pair<std::string_view, std::string_view>> merges;
  std::vector<std::size_t> line_of;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < vocab_bpe.size();) {
    std::size_t nl = vocab_bpe.find('\n', pos);
    if (nl == std::string_view::npos) nl = vocab_bpe.size();
    std::string_view line = vocab_bpe.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (line_no == 1 && line.substr(0, 9) == "#version:")) continue;
    std::string_view a, b;
    if (!tok::split_merge(line, a, b)) {
      throw format_error(merges_name, "line " + std::to_string(line_no), "expected \"left right\"");
    }
    merges.emplace_back(a, b);
  }
  tok::add_merges(p, merges, false, merges_name, "merge");
  p.description = encoder_name + " + " + merges_name + ": GPT-2 byte-level BPE, " +
                  std::to_string(p.vocab.size()) + " tokens";
  return tokenizer(std::move(p));
}

inline tokenizer load_gpt2_tokenizer(const std::string& encoder_json_path,
                                     const std::string& vocab_bpe_path) {
  return gpt2_tokenizer_from(tok::detail::read_text_file(encoder_json_path),
                             tok::detail::read_text_file(vocab_bpe_path), encoder_json_path,
                             vocab_bpe_path);
}

}  // namespace flipside
