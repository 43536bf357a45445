// load_tokenizer(path): a tokenizer.json file, a directory holding tokenizer.json or GPT-2's
// encoder.json + vocab.bpe, or a .gguf file (its tokenizer.ggml.* metadata).
#pragma once

#include <filesystem>
#include <string>

#include <flipside/core/error.hpp>
#include <flipside/io/gguf_file.hpp>
#include <flipside/tokenizer/load_gguf.hpp>
#include <flipside/tokenizer/load_gpt2.hpp>
#include <flipside/tokenizer/load_tokenizer_json.hpp>
#include <flipside/tokenizer/tokenizer.hpp>

namespace flipside {

inline tokenizer load_tokenizer(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) {
    if (fs::exists(p / "tokenizer.json", ec))
      return load_tokenizer_json((p / "tokenizer.json").string());
    if (fs::exists(p / "encoder.json", ec) && fs::exists(p / "vocab.bpe", ec)) {
      return load_gpt2_tokenizer((p / "encoder.json").string(), (p / "vocab.bpe").string());
    }
    throw format_error(path, "(directory)",
                       "holds neither tokenizer.json nor encoder.json + vocab.bpe");
  }
  if (!fs::exists(p, ec)) throw format_error(path, "(file)", "does not exist");
  if (p.extension() == ".gguf" || gguf_file::has_magic(p)) return load_gguf_tokenizer(path);
  return load_tokenizer_json(path);
}

}  // namespace flipside
