// Normalizers: rewrite each stretch of text between added tokens before pre-tokenization (HF
// tokenizers normalizers/*.rs): Prepend (only to non-empty text), Replace (literal string),
// NFC / NFD / NFKC / NFKD and Lowercase (utf8proc), Strip, and a Sequence of these.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/tokenizer/unicode.hpp>
#include <flipside/tokenizer/utf8.hpp>

namespace flipside::tok {

struct norm_step {
  enum kind_t { prepend, replace, nfc, nfd, nfkc, nfkd, lowercase, strip };
  kind_t kind = prepend;
  std::string a;                   // prepend: the prefix; replace: the pattern
  std::string b;                   // replace: the replacement
  bool left = true, right = true;  // strip
};

struct norm_scratch {
  std::string buf[2];
};

class normalizer {
 public:
  std::vector<norm_step> steps;

  bool empty() const noexcept { return steps.empty(); }

  // Returns the normalized text: text itself when no step changed it, else a scratch buffer.
  std::string_view run(std::string_view text, norm_scratch& s) const {
    std::string_view cur = text;
    int which = 0;
    for (const norm_step& st : steps) {
      std::string& out = s.buf[which];
      switch (st.kind) {
        case norm_step::prepend:
          if (cur.empty()) continue;
          out.assign(st.a);
          out.append(cur);
          break;
        case norm_step::replace: {
          if (st.a.empty() || cur.find(st.a) == std::string_view::npos) continue;
          out.clear();
          std::size_t last = 0;
          for (std::size_t i = cur.find(st.a); i != std::string_view::npos;
               i = cur.find(st.a, last)) {
            out.append(cur.substr(last, i - last));
            out.append(st.b);
            last = i + st.a.size();
          }
          out.append(cur.substr(last));
          break;
        }
        case norm_step::nfc:
          unicode_normalize(cur, normal_form::nfc, out);
          break;
        case norm_step::nfd:
          unicode_normalize(cur, normal_form::nfd, out);
          break;
        case norm_step::nfkc:
          unicode_normalize(cur, normal_form::nfkc, out);
          break;
        case norm_step::nfkd:
          unicode_normalize(cur, normal_form::nfkd, out);
          break;
        case norm_step::lowercase: {
          out.clear();
          const auto* p = reinterpret_cast<const unsigned char*>(cur.data());
          for (std::size_t i = 0; i < cur.size();) {
            char32_t cp;
            std::size_t len = utf8_decode(p, cur.size(), i, cp);
            if (len == 0) {
              cp = replacement_char;
              len = 1;
            }
            utf8_append(out, unicode_tolower(cp));
            i += len;
          }
          break;
        }
        case norm_step::strip: {
          std::size_t b = 0, e = cur.size();
          const auto* p = reinterpret_cast<const unsigned char*>(cur.data());
          if (st.left) {
            while (b < e) {
              char32_t cp;
              const std::size_t len = utf8_decode(p, e, b, cp);
              if (len == 0 || !is_whitespace(cp)) break;
              b += len;
            }
          }
          if (st.right) {
            while (e > b) {
              std::size_t s0 = e - 1;
              while (s0 > b && (p[s0] & 0xC0) == 0x80) --s0;
              char32_t cp;
              const std::size_t len = utf8_decode(p, e, s0, cp);
              if (len == 0 || s0 + len != e || !is_whitespace(cp)) break;
              e = s0;
            }
          }
          out.assign(cur.substr(b, e - b));
          break;
        }
      }
      cur = out;
      which = 1 - which;
    }
    return cur;
  }
};

}  // namespace flipside::tok
