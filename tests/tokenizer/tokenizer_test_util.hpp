// Helpers shared by the tokenizer tests: cached loads of the big reference tokenizers (a test
// case with sections runs its body once per section), file reading, a tiny GGUF writer for
// synthetic vocabularies, and the UTF-8 "lossy round trip" that mangles binary files.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.hpp"

#include <flipside/tokenizer.hpp>

namespace flipside::test {

// One load per process of each reference tokenizer directory.
inline const tokenizer& cached_tokenizer(const std::filesystem::path& dir) {
  static std::map<std::string, std::unique_ptr<tokenizer>> cache;
  auto& slot = cache[dir.string()];
  if (!slot) slot = std::make_unique<tokenizer>(load_tokenizer(dir.string()));
  return *slot;
}

// Minimal GGUF v3 image with metadata only (no tensors), for synthetic tokenizer files.
class gguf_builder {
 public:
  gguf_builder& str(const std::string& key, const std::string& v) {
    kv(key, 8);
    put_str(v);
    ++n_;
    return *this;
  }
  gguf_builder& u32(const std::string& key, std::uint32_t v) {
    kv(key, 4);
    put(v);
    ++n_;
    return *this;
  }
  gguf_builder& boolean(const std::string& key, bool v) {
    kv(key, 7);
    body_.push_back(v ? 1 : 0);
    ++n_;
    return *this;
  }
  gguf_builder& strings(const std::string& key, const std::vector<std::string>& v) {
    kv(key, 9);
    put(std::uint32_t{8});
    put(static_cast<std::uint64_t>(v.size()));
    for (const auto& s : v) put_str(s);
    ++n_;
    return *this;
  }
  gguf_builder& i32s(const std::string& key, const std::vector<std::int32_t>& v) {
    kv(key, 9);
    put(std::uint32_t{5});
    put(static_cast<std::uint64_t>(v.size()));
    for (auto x : v) put(x);
    ++n_;
    return *this;
  }
  gguf_builder& f32s(const std::string& key, const std::vector<float>& v) {
    kv(key, 9);
    put(std::uint32_t{6});
    put(static_cast<std::uint64_t>(v.size()));
    for (auto x : v) put(x);
    ++n_;
    return *this;
  }
  std::string bytes() const {
    std::string out = "GGUF";
    auto put_to = [&](auto v) {
      char b[sizeof v];
      std::memcpy(b, &v, sizeof v);
      out.append(b, sizeof v);
    };
    put_to(std::uint32_t{3});
    put_to(std::uint64_t{0});
    put_to(static_cast<std::uint64_t>(n_));
    return out + body_;
  }

 private:
  template <class T>
  void put(T v) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    body_.append(b, sizeof v);
  }
  void put_str(const std::string& s) {
    put(static_cast<std::uint64_t>(s.size()));
    body_ += s;
  }
  void kv(const std::string& key, std::uint32_t type) {
    put_str(key);
    put(type);
  }
  std::string body_;
  std::size_t n_ = 0;
};

// What a binary file becomes after a UTF-8 decode with replacement and re-encode (every byte
// that is not part of a well-formed sequence turns into EF BF BD).
inline std::string utf8_mangle(const std::string& bytes) { return tok::utf8_repair(bytes); }

// True when a file looks mangled that way: it is entirely valid UTF-8 yet holds U+FFFD.
inline bool looks_utf8_mangled(const std::string& bytes) {
  return tok::utf8_is_valid(bytes) && bytes.find("\xEF\xBF\xBD") != std::string::npos;
}

}  // namespace flipside::test
