// The demo model's tokenizer: a small byte-level BPE vocabulary built in code — the 256 byte
// tokens, then, for every word the demo needs ("Input", "Output", " Positive", " Negative",
// " Foo", " Bar" and " <word>" for each sentiment word), a chain of merges that builds it left to
// right (" g"+"r" → " gr", " gr"+"e" → " gre", …), and "<|endoftext|>". It is stored as llama.cpp
// GGUF tokenizer metadata (tokenizer.ggml.model "gpt2", pre-tokenizer "gpt-2") inside the demo
// model's GGUF image, so the demo runs through the project's real BPE tokenizer and GGUF loader.
//
// Why every word comes out as one token: a chain's merges all have a word-start piece on the left
// (" ", " g", " gr", …, or "I", "O" for Input/Output), and inside any demo word no other pair of
// symbols has a merge, so BPE can only follow the chain. demo_vocabulary() checks it anyway.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/demo/demo_task.hpp>
#include <flipside/io/gguf_writer.hpp>
#include <flipside/tokenizer/byte_level.hpp>
#include <flipside/tokenizer/utf8.hpp>

namespace flipside {

// Label slots of the demo model's "label copy" circuit, in the demo task's class order for the
// task words (0 = Negative, 1 = Positive) and for SUL-ICL's words (2 = Foo, 3 = Bar).
inline const std::vector<std::string>& demo_label_tokens() {
  static const std::vector<std::string> t{" Negative", " Positive", " Foo", " Bar"};
  return t;
}

struct demo_vocabulary {
  std::vector<std::string> pieces;  // byte-level alphabet strings ("Ġgreat"), index = token id
  std::vector<std::int32_t> types;  // llama.cpp token types: 1 normal, 3 control
  std::vector<std::string> merges;  // "left right", in rank order
  std::map<std::string, std::int32_t> word_ids;  // raw text (" great") → its token
  std::int32_t end_of_text = -1;
  std::int32_t newline = -1;  // "\n"

  std::int32_t id(const std::string& raw) const {
    const auto it = word_ids.find(raw);
    if (it == word_ids.end()) throw argument_error("demo vocabulary: no token for '" + raw + "'");
    return it->second;
  }

  // The tokenizer.ggml.* keys of a GGUF file holding this vocabulary.
  void write_metadata(gguf_writer& w) const {
    w.set("tokenizer.ggml.model", std::string("gpt2"));
    w.set("tokenizer.ggml.pre", std::string("gpt-2"));
    w.set("tokenizer.ggml.tokens", pieces);
    w.set("tokenizer.ggml.token_type", types);
    w.set("tokenizer.ggml.merges", merges);
    w.set("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(end_of_text));
    w.set("tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(end_of_text));
    w.set("tokenizer.ggml.add_bos_token", false);
  }
};

// Every word of the demo: template words, label words, and " <word>" for each sentiment word.
inline std::vector<std::string> demo_words_to_merge() {
  std::vector<std::string> w{"Input", "Output"};
  for (const auto& l : demo_label_tokens()) w.push_back(l);
  for (const auto& s : demo_sentiment_words()) w.push_back(std::string(" ") + s.text);
  return w;
}

inline demo_vocabulary build_demo_vocabulary() {
  demo_vocabulary v;
  std::map<std::string, std::int32_t> by_piece;
  auto add = [&](const std::string& piece, std::int32_t type) {
    const auto it = by_piece.find(piece);
    if (it != by_piece.end()) return it->second;
    const auto id = static_cast<std::int32_t>(v.pieces.size());
    v.pieces.push_back(piece);
    v.types.push_back(type);
    by_piece.emplace(piece, id);
    return id;
  };
  for (unsigned b = 0; b < 256; ++b) add(tok::byte_level_encode(std::string(1, char(b))), 1);
  for (const auto& word : demo_words_to_merge()) {
    // Symbols of the mapped word, one per byte (each byte is one code point of the alphabet).
    std::string cur = tok::byte_level_encode(word.substr(0, 1));
    for (std::size_t i = 1; i < word.size(); ++i) {
      const std::string next = tok::byte_level_encode(word.substr(i, 1));
      const std::string merged = cur + next;
      if (!by_piece.count(merged)) {
        v.merges.push_back(cur + " " + next);
        add(merged, 1);
      }
      cur = merged;
    }
    v.word_ids[word] = by_piece.at(cur);
  }
  v.word_ids["\n"] = v.newline = by_piece.at(tok::byte_level_encode("\n"));
  v.word_ids[":"] = by_piece.at(":");
  v.end_of_text = add("<|endoftext|>", 3);
  return v;
}

}  // namespace flipside
