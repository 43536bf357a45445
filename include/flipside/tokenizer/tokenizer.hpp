// flipside::tokenizer — text ↔ token ids, exactly as the model's own tokenizer.
//
// Pipeline of encode(text), the order of Hugging Face tokenizers (tokenizer/mod.rs):
//   1. invalid UTF-8 bytes → U+FFFD (utf8.hpp);
//   2. added tokens found in the raw text (added_tokens.hpp);
//   3. each stretch between them normalized (normalizer.hpp), then split into words
//      (pre_tokenizer.hpp), each word encoded by the model (bpe.hpp or spm.hpp; BPE words go
//      through a bounded cache);
//   4. with add_special, the post-processor's tokens around the sequence (post_processor.hpp).
// decode(ids) runs the decoder chain (decoder.hpp). Loaders (load_*.hpp) build the parts from
// tokenizer.json, GPT-2's encoder.json + vocab.bpe, or GGUF metadata.
//
// encode() is const and may be called from several threads: a call takes the tokenizer's
// scratch buffers and word cache when they are free, and uses private ones otherwise (the result
// never depends on the cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/tokenizer/added_tokens.hpp>
#include <flipside/tokenizer/bpe.hpp>
#include <flipside/tokenizer/decoder.hpp>
#include <flipside/tokenizer/normalizer.hpp>
#include <flipside/tokenizer/post_processor.hpp>
#include <flipside/tokenizer/pre_tokenizer.hpp>
#include <flipside/tokenizer/spm.hpp>
#include <flipside/tokenizer/utf8.hpp>
#include <flipside/tokenizer/vocab.hpp>
#include <flipside/tokenizer/word_cache.hpp>

namespace flipside {

struct encode_options {
  // Add the tokens the tokenizer puts around a sequence (BOS/EOS): HF add_special_tokens,
  // llama.cpp add_special.
  bool add_special = false;
  // Recognise special tokens ("<|im_start|>", "<s>") written in the text. HF tokenizer.json
  // always does (the default); llama.cpp's test vectors were made with it off. Non-special added
  // tokens are recognised either way.
  bool parse_special = true;
};

struct decode_options {
  bool skip_special = false;  // leave out control tokens (BOS/EOS, chat markers)
};

class tokenizer {
 public:
  enum class model_kind { bpe, spm };

  // Everything a tokenizer is made of; the loaders fill this in.
  struct parts {
    tok::vocabulary vocab;
    tok::added_vocabulary added;
    tok::normalizer normalizer;
    tok::pre_tokenizer pre;
    model_kind kind = model_kind::bpe;
    tok::bpe_model bpe;
    tok::spm_model spm;
    tok::post_processor post;
    tok::decoder decoder;
    token_id bos = tok::vocabulary::none;
    token_id eos = tok::vocabulary::none;
    std::string description;  // where it came from and what it is, for messages
  };

  tokenizer() = default;
  explicit tokenizer(parts p) : p_(std::move(p)) {}
  tokenizer(const tokenizer& o) : p_(o.p_) {}
  tokenizer(tokenizer&&) noexcept = default;
  tokenizer& operator=(const tokenizer& o) {
    if (this != &o) {
      p_ = o.p_;
      state_ = std::make_unique<state>();
    }
    return *this;
  }
  tokenizer& operator=(tokenizer&&) noexcept = default;

  std::vector<token_id> encode(std::string_view text, encode_options opt = {}) const {
    std::vector<token_id> out;
    encode(text, out, opt);
    return out;
  }

  // Appends the tokens of text to out.
  void encode(std::string_view text, std::vector<token_id>& out, encode_options opt = {}) const {
    std::unique_lock<std::mutex> lock;
    if (state_) lock = std::unique_lock<std::mutex>(state_->mutex, std::try_to_lock);
    if (lock.owns_lock()) {
      run_encode(text, out, opt, *state_, false);
    } else {
      state local;
      run_encode(text, out, opt, local, false);
    }
  }

  // The same pipeline with the textbook O(n²) merge loop and no cache: the reference the tests
  // and the benchmark baseline compare against.
  std::vector<token_id> encode_reference(std::string_view text, encode_options opt = {}) const {
    std::vector<token_id> out;
    state local;
    run_encode(text, out, opt, local, true);
    return out;
  }

  // Empties the word cache (benchmarks measure the first pass over a corpus with it).
  void clear_cache() {
    if (state_) {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->cache.clear();
    }
  }

  std::string decode(const token_id* ids, std::size_t n, decode_options opt = {}) const {
    return p_.decoder.run(p_.vocab, ids, n, opt.skip_special);
  }
  std::string decode(const std::vector<token_id>& ids, decode_options opt = {}) const {
    return decode(ids.data(), ids.size(), opt);
  }

  // The text one token contributes inside a sequence (" positive" for "Ġpositive").
  std::string token_to_text(token_id id) const {
    return p_.decoder.run(p_.vocab, &id, 1, false, true);
  }

  // The token's string as the tokenizer file writes it ("Ġpositive", "▁positive", "<s>").
  std::string_view token_to_piece(token_id id) const {
    if (!p_.vocab.contains(id)) {
      throw argument_error("token_to_piece: token id out of range: " + std::to_string(id));
    }
    return p_.vocab.piece(id);
  }

  std::optional<token_id> piece_to_id(std::string_view piece) const {
    const token_id id = p_.vocab.find(piece);
    if (id == tok::vocabulary::none) return std::nullopt;
    return id;
  }

  std::optional<token_id> bos() const {
    return p_.bos == tok::vocabulary::none ? std::nullopt : std::optional<token_id>(p_.bos);
  }
  std::optional<token_id> eos() const {
    return p_.eos == tok::vocabulary::none ? std::nullopt : std::optional<token_id>(p_.eos);
  }

  // One past the largest token id.
  std::size_t vocab_size() const noexcept { return p_.vocab.size(); }

  bool is_special(token_id id) const noexcept {
    return p_.vocab.contains(id) && p_.vocab.attr(id) == tok::token_attr::control;
  }

  const std::string& description() const noexcept { return p_.description; }
  const parts& components() const noexcept { return p_; }

 private:
  struct state {
    std::mutex mutex;
    std::string repaired;
    tok::norm_scratch norm;
    tok::pretok_scratch pre;
    tok::bpe_scratch bpe;
    tok::spm_scratch spm;
    tok::word_cache cache;
  };

  void run_encode(std::string_view text, std::vector<token_id>& out, encode_options opt, state& st,
                  bool reference) const {
    std::string_view t = text;
    if (!tok::utf8_is_valid(t)) {
      tok::utf8_repair(t, st.repaired);
      t = st.repaired;
    }
    if (opt.add_special) out.insert(out.end(), p_.post.prefix.begin(), p_.post.prefix.end());
    p_.added.split(t, false, opt.parse_special, [&](std::size_t b, std::size_t e, token_id id) {
      if (id != tok::vocabulary::none) {
        out.push_back(id);
      } else {
        encode_segment(t.substr(b, e - b), b == 0, opt, st, reference, out);
      }
    });
    if (opt.add_special) out.insert(out.end(), p_.post.suffix.begin(), p_.post.suffix.end());
  }

  void encode_segment(std::string_view seg, bool first, encode_options opt, state& st,
                      bool reference, std::vector<token_id>& out) const {
    const std::string_view norm = p_.normalizer.empty() ? seg : p_.normalizer.run(seg, st.norm);
    if (!p_.added.has_normalized()) {
      encode_words(norm, first, st, reference, out);
      return;
    }
    p_.added.split(norm, true, opt.parse_special, [&](std::size_t b, std::size_t e, token_id id) {
      if (id != tok::vocabulary::none) {
        out.push_back(id);
      } else {
        encode_words(norm.substr(b, e - b), first && b == 0, st, reference, out);
      }
    });
  }

  void encode_words(std::string_view text, bool first, state& st, bool reference,
                    std::vector<token_id>& out) const {
    if (text.empty()) return;
    if (p_.pre.empty()) {
      encode_word(text, st, reference, out);
      return;
    }
    const std::string_view cur = p_.pre.run(text, first, st.pre);
    const auto& pieces = st.pre.pieces;
    if (p_.kind == model_kind::spm || reference) {
      for (const tok::byte_span& w : pieces) {
        encode_word(cur.substr(w.begin, w.end - w.begin), st, reference, out);
      }
      return;
    }
    // Hash words a few pieces ahead and prefetch their cache slots: the lookups then overlap.
    constexpr std::size_t ahead = 4;
    std::uint64_t ring[ahead + 1];
    auto word = [&](std::size_t i) {
      return cur.substr(pieces[i].begin, pieces[i].end - pieces[i].begin);
    };
    for (std::size_t i = 0; i < pieces.size() + ahead; ++i) {
      if (i < pieces.size()) {
        const std::uint64_t h = tok::word_cache::hash(word(i));
        ring[i % (ahead + 1)] = h;
        st.cache.prefetch(h);
        if (p_.bpe.whole_words.size() > 0) p_.bpe.whole_words.prefetch(h);
      }
      if (i >= ahead) {
        const std::size_t j = i - ahead;
        p_.bpe.encode_word(p_.vocab, word(j), ring[j % (ahead + 1)], st.bpe, &st.cache, out);
      }
    }
  }

  void encode_word(std::string_view word, state& st, bool reference,
                   std::vector<token_id>& out) const {
    if (p_.kind == model_kind::spm) {
      p_.spm.encode(p_.vocab, word, st.spm, out);
    } else if (reference) {
      p_.bpe.encode_word_naive(p_.vocab, word, st.bpe, out);
    } else {
      p_.bpe.encode_word(p_.vocab, word, st.bpe, &st.cache, out);
    }
  }

  parts p_;
  std::unique_ptr<state> state_ = std::make_unique<state>();
};

}  // namespace flipside
