// Decoders: token pieces → text, as HF tokenizers' decoders/*.rs chain them: ByteLevel (alphabet
// → bytes), Metaspace ('▁' → ' ', dropped in the first token), Replace, ByteFallback ("<0x0A>"
// → byte 0x0A), Fuse (join), Strip (drop n leading / trailing characters), Sequence. Every token,
// special ones included, goes through the chain unless skip_special is set, as in HF.
//
// flipside returns raw bytes: where HF would replace an invalid UTF-8 sequence (a character split
// across two decode calls, byte tokens that do not form a character) by U+FFFD, decode() keeps
// the bytes, so that concatenating the decodes of consecutive token runs gives the full text;
// tok::utf8_repair() gives HF's view when needed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/tokenizer/byte_level.hpp>
#include <flipside/tokenizer/pre_tokenizer.hpp>
#include <flipside/tokenizer/vocab.hpp>

namespace flipside::tok {

struct decode_step {
  enum kind_t { byte_level, metaspace, replace, byte_fallback, fuse, strip };
  kind_t kind = byte_level;
  std::string a;  // metaspace: replacement; replace: pattern; strip: the character
  std::string b;  // replace: content
  prepend_scheme scheme = prepend_scheme::always;
  std::size_t start = 0, stop = 0;  // strip
  bool raw_user_defined = false;    // byte_level: user-defined tokens are raw text (llama.cpp)
};

class decoder {
 public:
  std::vector<decode_step> steps;

  // context: decode tokens that sit inside a longer sequence (no first-token or strip rules).
  std::string run(const vocabulary& v, const token_id* ids, std::size_t n, bool skip_special,
                  bool context = false) const {
    std::vector<std::string> toks;
    std::vector<token_id> tids;
    toks.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!v.contains(ids[i]))
        throw argument_error("decode: token id out of range: " + std::to_string(ids[i]));
      const token_attr a = v.attr(ids[i]);
      if (skip_special && a == token_attr::control) continue;
      toks.emplace_back(v.piece(ids[i]));
      tids.push_back(ids[i]);
    }
    if (steps.empty()) {
      std::string out;
      for (std::size_t i = 0; i < toks.size(); ++i) {
        if (i) out += ' ';
        out += toks[i];
      }
      return out;
    }
    for (const decode_step& st : steps) apply(st, v, tids, toks, context);
    std::string out;
    for (const auto& t : toks) out += t;
    return out;
  }

 private:
  static void apply(const decode_step& st, const vocabulary& v, std::vector<token_id>& ids,
                    std::vector<std::string>& toks, bool context) {
    switch (st.kind) {
      case decode_step::byte_level: {
        std::string joined, bytes;
        for (std::size_t i = 0; i < toks.size(); ++i) {
          const bool raw =
              st.raw_user_defined && i < ids.size() && v.attr(ids[i]) == token_attr::user_defined;
          if (!raw && byte_level_decode(toks[i], bytes)) {
            joined += bytes;
          } else {
            joined += toks[i];
          }
        }
        toks.assign(1, std::move(joined));
        ids.clear();
        return;
      }
      case decode_step::metaspace:
        for (std::size_t i = 0; i < toks.size(); ++i) {
          const bool drop = !context && i == 0 && st.scheme != prepend_scheme::never;
          toks[i] = replace_all(toks[i], st.a, drop ? "" : " ");
        }
        return;
      case decode_step::replace:
        for (auto& t : toks) t = replace_all(t, st.a, st.b);
        return;
      case decode_step::byte_fallback: {
        std::vector<std::string> out;
        std::vector<token_id> out_ids;
        std::string pending;
        bool have = false;
        for (std::size_t i = 0; i < toks.size(); ++i) {
          int b = byte_token_value(toks[i]);
          if (b >= 0) {
            pending.push_back(static_cast<char>(b));
            have = true;
            continue;
          }
          if (have) {
            out.push_back(std::move(pending));
            out_ids.push_back(vocabulary::none);
            pending.clear();
            have = false;
          }
          out.push_back(std::move(toks[i]));
          out_ids.push_back(i < ids.size() ? ids[i] : vocabulary::none);
        }
        if (have) {
          out.push_back(std::move(pending));
          out_ids.push_back(vocabulary::none);
        }
        toks.swap(out);
        ids.swap(out_ids);
        return;
      }
      case decode_step::fuse: {
        std::string joined;
        for (const auto& t : toks) joined += t;
        toks.assign(1, std::move(joined));
        ids.clear();
        return;
      }
      case decode_step::strip: {
        if (context) return;
        for (auto& t : toks) {
          std::size_t b = 0;
          for (std::size_t k = 0; k < st.start && t.compare(b, st.a.size(), st.a) == 0; ++k) {
            b += st.a.size();
          }
          std::size_t e = t.size();
          for (std::size_t k = 0; k < st.stop && e >= b + st.a.size() &&
                                  t.compare(e - st.a.size(), st.a.size(), st.a) == 0;
               ++k) {
            e -= st.a.size();
          }
          t = t.substr(b, e - b);
        }
        return;
      }
    }
  }

  static std::string replace_all(const std::string& s, const std::string& pat,
                                 const std::string& with) {
    if (pat.empty() || s.find(pat) == std::string::npos) return s;
    std::string out;
    std::size_t last = 0;
    for (std::size_t i = s.find(pat); i != std::string::npos; i = s.find(pat, last)) {
      out.append(s, last, i - last);
      out += with;
      last = i + pat.size();
    }
    out.append(s, last, std::string::npos);
    return out;
  }

  // "<0xAB>" → 0xAB, else -1 (HF accepts exactly this 6-character form).
  static int byte_token_value(std::string_view t) {
    if (t.size() != 6 || t[0] != '<' || t[1] != '0' || t[2] != 'x' || t[5] != '>') return -1;
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int h = hex(t[3]), l = hex(t[4]);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }
};

}  // namespace flipside::tok
