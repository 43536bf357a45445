// `flipside tokenize` and `flipside detokenize`: one JSON value per line on stdin → one per line
// on stdout.
//
//   echo '"Hello world"' | flipside tokenize --tokenizer ../shared/tokenizers/llama3
//   [9906,1917]
//   echo '[9906,1917]' | flipside detokenize --tokenizer ../shared/tokenizers/llama3
//   "Hello world"
//
// --tokenizer takes a tokenizer.json, a directory holding tokenizer.json or encoder.json +
// vocab.bpe, or a .gguf file. Special tokens written in the text are recognised (HF's default);
// --no-parse-special spells them out instead (llama.cpp's test convention). --special adds the
// tokenizer's BOS/EOS (HF add_special_tokens=True).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/tokenizer.hpp>

#include "command.hpp"

namespace {

// JSON string literal of (repaired) UTF-8 text.
std::string json_quote(const std::string& raw) {
  const std::string s = flipside::tok::utf8_repair(raw);
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

struct tokenize_args {
  std::string tokenizer;
  bool special = false;
  bool no_parse_special = false;
  bool skip_special = false;
};

template <class PerLine>
void for_each_line(const char* what, PerLine&& per_line) {
  simdjson::dom::parser parser;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    simdjson::dom::element e;
    if (auto err = parser.parse(line).get(e)) {
      throw flipside::format_error(
          "stdin", "line " + std::to_string(line_no),
          std::string("invalid JSON (") + simdjson::error_message(err) + "); expected " + what);
    }
    per_line(e, line_no);
  }
}

void run_tokenize(const tokenize_args& a) {
  const flipside::tokenizer tk = flipside::load_tokenizer(a.tokenizer);
  flipside::encode_options opt;
  opt.add_special = a.special;
  opt.parse_special = !a.no_parse_special;
  std::vector<flipside::token_id> ids;
  std::string out;
  for_each_line("a JSON string", [&](simdjson::dom::element e, std::size_t line_no) {
    std::string_view text;
    if (e.get_string().get(text)) {
      throw flipside::format_error("stdin", "line " + std::to_string(line_no),
                                   "expected a JSON string");
    }
    ids.clear();
    tk.encode(text, ids, opt);
    out = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(ids[i]);
    }
    out += "]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

void run_detokenize(const tokenize_args& a) {
  const flipside::tokenizer tk = flipside::load_tokenizer(a.tokenizer);
  flipside::decode_options opt;
  opt.skip_special = a.skip_special;
  std::vector<flipside::token_id> ids;
  for_each_line("a JSON array of token ids", [&](simdjson::dom::element e, std::size_t line_no) {
    const std::string where = "line " + std::to_string(line_no);
    simdjson::dom::array arr;
    if (e.get_array().get(arr)) {
      throw flipside::format_error("stdin", where, "expected a JSON array of token ids");
    }
    ids.clear();
    for (simdjson::dom::element x : arr) {
      std::int64_t id;
      if (x.get_int64().get(id) || id < 0 || static_cast<std::size_t>(id) >= tk.vocab_size()) {
        throw flipside::format_error(
            "stdin", where, "expected token ids in [0, " + std::to_string(tk.vocab_size()) + ")");
      }
      ids.push_back(static_cast<flipside::token_id>(id));
    }
    const std::string line = json_quote(tk.decode(ids, opt)) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  });
}

void setup_tokenize(CLI::App& sub) {
  auto args = std::make_shared<tokenize_args>();
  sub.add_option("--tokenizer", args->tokenizer,
                 "tokenizer.json, a directory (tokenizer.json or encoder.json + vocab.bpe), "
                 "or a .gguf")
      ->required();
  sub.add_flag("--special", args->special, "add the tokenizer's BOS/EOS tokens");
  sub.add_flag("--no-parse-special", args->no_parse_special,
               "spell out special tokens written in the text (llama.cpp's test convention)");
  sub.callback([args] { run_tokenize(*args); });
}

void setup_detokenize(CLI::App& sub) {
  auto args = std::make_shared<tokenize_args>();
  sub.add_option("--tokenizer", args->tokenizer,
                 "tokenizer.json, a directory (tokenizer.json or encoder.json + vocab.bpe), "
                 "or a .gguf")
      ->required();
  sub.add_flag("--skip-special", args->skip_special, "leave out special tokens");
  sub.callback([args] { run_detokenize(*args); });
}

const flipside::cli::command_registrar reg_tokenize{
    "tokenize", "Text (one JSON string per stdin line) to token ids (one JSON array per line)",
    setup_tokenize};
const flipside::cli::command_registrar reg_detokenize{
    "detokenize", "Token ids (one JSON array per stdin line) to text (one JSON string per line)",
    setup_detokenize};

}  // namespace
