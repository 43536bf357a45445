// Loading a Hugging Face tokenizer.json (the `tokenizers` library's serialization, format
// "1.0"): model (BPE only), added_tokens, normalizer, pre_tokenizer, post_processor, decoder.
// BOS/EOS come from tokenizer_config.json beside it when present (bos_token / eos_token), else
// from the post-processor's template. Parsed with simdjson's DOM; every unsupported component
// raises unsupported_error naming it, every malformed field format_error naming its JSON path.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/tokenizer/assemble.hpp>
#include <flipside/tokenizer/json_fields.hpp>
#include <flipside/tokenizer/patterns.hpp>
#include <flipside/tokenizer/tokenizer.hpp>

namespace flipside {
namespace tok::detail {

using simdjson::dom::element;
using simdjson::dom::object;

class tokenizer_json_reader {
 public:
  tokenizer_json_reader(const std::string& file, tokenizer::parts& p) : j_(file), p_(p) {}

  void read(element root) {
    const object doc = j_.object(root, "(document)");
    read_model(j_.object(j_.required(doc, "model", ""), "model"));
    if (auto e = json_fields::member(doc, "added_tokens")) read_added(*e);
    if (auto e = json_fields::member(doc, "normalizer")) read_normalizer(*e, "normalizer");
    if (auto e = json_fields::member(doc, "pre_tokenizer")) read_pre(*e, "pre_tokenizer");
    if (auto e = json_fields::member(doc, "post_processor")) read_post(*e, "post_processor");
    if (auto e = json_fields::member(doc, "decoder")) read_decoder(*e, "decoder");
    if (p_.pre.byte_level()) tok::index_byte_level(p_);
    read_merges();
  }

 private:
  void read_model(object m) {
    std::string type = "BPE";
    if (auto t = json_fields::member(m, "type")) type = std::string(j_.string(*t, "model.type"));
    if (type != "BPE") {
      throw unsupported_error(j_.file() + ": model.type '" + type +
                              "' is not supported (flipside implements BPE models)");
    }
    if (auto d = json_fields::member(m, "dropout")) {
      if (j_.number(*d, "model.dropout") > 0.0) {
        throw unsupported_error(j_.file() + ": model.dropout > 0 (random BPE) is not supported");
      }
    }
    p_.kind = tokenizer::model_kind::bpe;
    p_.bpe.byte_fallback = j_.bool_or(m, "byte_fallback", false, "model");
    p_.bpe.fuse_unk = j_.bool_or(m, "fuse_unk", false, "model");
    p_.bpe.ignore_merges = j_.bool_or(m, "ignore_merges", false, "model");
    p_.bpe.continuing_subword_prefix = j_.string_or(m, "continuing_subword_prefix", "", "model");
    p_.bpe.end_of_word_suffix = j_.string_or(m, "end_of_word_suffix", "", "model");
    const object vocab = j_.object(j_.required(m, "vocab", "model"), "model.vocab");
    std::vector<std::pair<std::string_view, token_id>> entries;
    entries.reserve(vocab.size());
    for (auto field : vocab) {
      std::int64_t id;
      if (field.value.get_int64().get(id) || id < 0 || id > 0x7FFFFFFF) {
        j_.fail("model.vocab." + std::string(field.key), "expected a token id (integer ≥ 0)");
      }
      entries.emplace_back(field.key, static_cast<token_id>(id));
    }
    tok::fill_vocab(p_.vocab, entries);
    merges_ = j_.required(m, "merges", "model");
    unk_ = j_.string_or(m, "unk_token", "", "model");
  }

  void read_merges() {
    const auto merges = j_.array(merges_, "model.merges");
    std::vector<std::pair<std::string_view, std::string_view>> list;
    list.reserve(merges.size());
    for (element e : merges) {
      std::string_view a, b;
      std::string_view line;
      simdjson::dom::array pair;
      if (!e.get_string().get(line)) {
        if (!tok::split_merge(line, a, b)) {
          j_.fail(json_fields::index("model.merges", list.size()), "expected \"left right\"");
        }
      } else if (!e.get_array().get(pair) && pair.size() == 2 && !pair.at(0).get_string().get(a) &&
                 !pair.at(1).get_string().get(b)) {
      } else {
        j_.fail(json_fields::index("model.merges", list.size()),
                "expected \"left right\" or a pair of strings");
      }
      list.emplace_back(a, b);
    }
    tok::add_merges(p_, list, false, j_.file(), "model.merges");
    if (!unk_.empty()) {
      p_.bpe.unk = p_.vocab.find(unk_);
      if (p_.bpe.unk == tok::vocabulary::none) {
        j_.fail("model.unk_token", "'" + unk_ + "' is not in the vocabulary");
      }
      if (p_.vocab.attr(p_.bpe.unk) == tok::token_attr::normal) {
        p_.vocab.set_attr(p_.bpe.unk, tok::token_attr::unknown);
      }
    }
    if (p_.bpe.byte_fallback) tok::find_byte_tokens(p_.vocab, p_.bpe.fallback_ids);
    for (unsigned b = 0; b < 256; ++b) {
      const token_id id = p_.bpe.fallback_ids[b];
      if (id != tok::vocabulary::none && p_.vocab.attr(id) == tok::token_attr::normal) {
        p_.vocab.set_attr(id, tok::token_attr::byte);
      }
    }
  }

  void read_added(element e) {
    std::vector<tok::added_token> list;
    std::size_t i = 0;
    for (element x : j_.array(e, "added_tokens")) {
      const std::string path = json_fields::index("added_tokens", i++);
      const object o = j_.object(x, path);
      tok::added_token t;
      const std::int64_t id = j_.integer(j_.required(o, "id", path), path + ".id");
      if (id < 0 || id > 0x7FFFFFFF) j_.fail(path + ".id", "token id out of range");
      t.id = static_cast<token_id>(id);
      t.content = std::string(j_.string(j_.required(o, "content", path), path + ".content"));
      if (t.content.empty()) j_.fail(path + ".content", "empty added token");
      t.special = j_.bool_or(o, "special", false, path);
      t.lstrip = j_.bool_or(o, "lstrip", false, path);
      t.rstrip = j_.bool_or(o, "rstrip", false, path);
      t.normalized = j_.bool_or(o, "normalized", !t.special, path);
      t.single_word = j_.bool_or(o, "single_word", false, path);
      const auto attr = t.special ? tok::token_attr::control : tok::token_attr::user_defined;
      if (p_.vocab.contains(t.id)) {
        p_.vocab.set_attr(t.id, attr);
      } else {
        p_.vocab.set(t.id, t.content, attr);
      }
      list.push_back(std::move(t));
    }
    p_.added.assign(std::move(list));
  }

  void read_normalizer(element e, const std::string& path) {
    const object o = j_.object(e, path);
    const std::string type = j_.type_of(o, path);
    tok::norm_step st;
    if (type == "Sequence") {
      std::size_t i = 0;
      for (element x : j_.array(j_.required(o, "normalizers", path), path + ".normalizers")) {
        read_normalizer(x, json_fields::index(path + ".normalizers", i++));
      }
      return;
    } else if (type == "Prepend") {
      st.kind = tok::norm_step::prepend;
      st.a = std::string(j_.string(j_.required(o, "prepend", path), path + ".prepend"));
    } else if (type == "Replace") {
      st.kind = tok::norm_step::replace;
      st.a = literal_pattern(o, path);
      st.b = std::string(j_.string(j_.required(o, "content", path), path + ".content"));
    } else if (type == "NFC") {
      st.kind = tok::norm_step::nfc;
    } else if (type == "NFD") {
      st.kind = tok::norm_step::nfd;
    } else if (type == "NFKC") {
      st.kind = tok::norm_step::nfkc;
    } else if (type == "NFKD") {
      st.kind = tok::norm_step::nfkd;
    } else if (type == "Lowercase") {
      st.kind = tok::norm_step::lowercase;
    } else if (type == "Strip") {
      st.kind = tok::norm_step::strip;
      st.left = j_.bool_or(o, "strip_left", true, path);
      st.right = j_.bool_or(o, "strip_right", true, path);
    } else {
      unsupported(path, "normalizer", type);
    }
    p_.normalizer.steps.push_back(std::move(st));
  }

  void read_pre(element e, const std::string& path) {
    const object o = j_.object(e, path);
    const std::string type = j_.type_of(o, path);
    tok::pre_step st;
    if (type == "Sequence") {
      std::size_t i = 0;
      for (element x : j_.array(j_.required(o, "pretokenizers", path), path + ".pretokenizers")) {
        read_pre(x, json_fields::index(path + ".pretokenizers", i++));
      }
      return;
    }
    if (p_.pre.byte_level() && type != "ByteLevel") {
      throw unsupported_error(j_.file() + ": " + path + ": a " + type +
                              " pre-tokenizer after ByteLevel is not supported");
    }
    if (type == "Split") {
      st.behavior = behavior(o, path);
      if (j_.bool_or(o, "invert", false, path)) unsupported(path, "Split option", "invert");
      const object pat = j_.object(j_.required(o, "pattern", path), path + ".pattern");
      if (auto s = json_fields::member(pat, "String")) {
        st.kind = tok::pre_step::split_string;
        st.literal = std::string(j_.string(*s, path + ".pattern.String"));
      } else if (auto r = json_fields::member(pat, "Regex")) {
        st.kind = tok::pre_step::split_regex;
        const std::string_view src = j_.string(*r, path + ".pattern.Regex");
        st.fn = tok::find_pattern(src);
        if (!st.fn) {
          throw unsupported_error(j_.file() + ": " + path + ".pattern.Regex: flipside has no " +
                                  "matcher for the regex " + std::string(src));
        }
      } else {
        j_.fail(path + ".pattern", "expected {\"String\": …} or {\"Regex\": …}");
      }
    } else if (type == "ByteLevel") {
      st.kind = tok::pre_step::byte_level;
      st.add_prefix_space = j_.bool_or(o, "add_prefix_space", true, path);
      st.use_regex = j_.bool_or(o, "use_regex", true, path);
    } else if (type == "Digits") {
      st.kind = tok::pre_step::digits;
      st.individual_digits = j_.bool_or(o, "individual_digits", false, path);
    } else if (type == "Metaspace") {
      st.kind = tok::pre_step::metaspace;
      st.literal = j_.string_or(o, "replacement", "\xE2\x96\x81", path);
      st.scheme = scheme(o, path);
      st.split = j_.bool_or(o, "split", true, path);
    } else if (type == "Punctuation") {
      st.kind = tok::pre_step::punctuation;
      st.behavior = behavior(o, path);
    } else if (type == "WhitespaceSplit") {
      st.kind = tok::pre_step::whitespace_split;
    } else {
      unsupported(path, "pre-tokenizer", type);
    }
    p_.pre.steps.push_back(std::move(st));
  }

  void read_post(element e, const std::string& path) {
    const object o = j_.object(e, path);
    const std::string type = j_.type_of(o, path);
    if (type == "Sequence") {
      std::size_t i = 0;
      for (element x : j_.array(j_.required(o, "processors", path), path + ".processors")) {
        read_post(x, json_fields::index(path + ".processors", i++));
      }
    } else if (type == "ByteLevel") {
      // offsets only
    } else if (type == "TemplateProcessing") {
      read_template(o, path);
    } else if (type == "BertProcessing" || type == "RobertaProcessing") {
      p_.post.prefix.push_back(pair_id(o, "cls", path));
      p_.post.suffix.push_back(pair_id(o, "sep", path));
    } else {
      unsupported(path, "post-processor", type);
    }
  }

  void read_template(object o, const std::string& path) {
    const object specials =
        j_.object(j_.required(o, "special_tokens", path), path + ".special_tokens");
    bool seen_sequence = false;
    std::size_t i = 0;
    for (element x : j_.array(j_.required(o, "single", path), path + ".single")) {
      const std::string ip = json_fields::index(path + ".single", i++);
      const object item = j_.object(x, ip);
      if (json_fields::member(item, "Sequence")) {
        seen_sequence = true;
        continue;
      }
      const auto st = json_fields::member(item, "SpecialToken");
      if (!st) j_.fail(ip, "expected Sequence or SpecialToken");
      const object sto = j_.object(*st, ip + ".SpecialToken");
      const std::string name(
          j_.string(j_.required(sto, "id", ip + ".SpecialToken"), ip + ".SpecialToken.id"));
      simdjson::dom::element def;
      if (specials.at_key(name).get(def)) {
        j_.fail(path + ".special_tokens", "no entry for '" + name + "'");
      }
      const std::string dp = path + ".special_tokens." + name;
      for (element idv : j_.array(j_.required(j_.object(def, dp), "ids", dp), dp + ".ids")) {
        const std::int64_t id = j_.integer(idv, dp + ".ids");
        if (!p_.vocab.contains(static_cast<token_id>(id)) || id < 0) {
          j_.fail(dp + ".ids", "token id " + std::to_string(id) + " is not in the vocabulary");
        }
        (seen_sequence ? p_.post.suffix : p_.post.prefix).push_back(static_cast<token_id>(id));
      }
    }
  }

  void read_decoder(element e, const std::string& path) {
    const object o = j_.object(e, path);
    const std::string type = j_.type_of(o, path);
    tok::decode_step st;
    if (type == "Sequence") {
      std::size_t i = 0;
      for (element x : j_.array(j_.required(o, "decoders", path), path + ".decoders")) {
        read_decoder(x, json_fields::index(path + ".decoders", i++));
      }
      return;
    } else if (type == "ByteLevel") {
      st.kind = tok::decode_step::byte_level;
    } else if (type == "Metaspace") {
      st.kind = tok::decode_step::metaspace;
      st.a = j_.string_or(o, "replacement", "\xE2\x96\x81", path);
      st.scheme = scheme(o, path);
    } else if (type == "Replace") {
      st.kind = tok::decode_step::replace;
      st.a = literal_pattern(o, path);
      st.b = std::string(j_.string(j_.required(o, "content", path), path + ".content"));
    } else if (type == "ByteFallback") {
      st.kind = tok::decode_step::byte_fallback;
    } else if (type == "Fuse") {
      st.kind = tok::decode_step::fuse;
    } else if (type == "Strip") {
      st.kind = tok::decode_step::strip;
      st.a = std::string(j_.string(j_.required(o, "content", path), path + ".content"));
      st.start =
          static_cast<std::size_t>(j_.integer(j_.required(o, "start", path), path + ".start"));
      st.stop = static_cast<std::size_t>(j_.integer(j_.required(o, "stop", path), path + ".stop"));
    } else {
      unsupported(path, "decoder", type);
    }
    p_.decoder.steps.push_back(std::move(st));
  }

  std::string literal_pattern(object o, const std::string& path) {
    const object pat = j_.object(j_.required(o, "pattern", path), path + ".pattern");
    if (auto s = json_fields::member(pat, "String")) {
      return std::string(j_.string(*s, path + ".pattern.String"));
    }
    throw unsupported_error(j_.file() + ": " + path +
                            ".pattern: only literal {\"String\": …} patterns are supported here");
  }

  tok::split_behavior behavior(object o, const std::string& path) {
    const std::string b = j_.string_or(o, "behavior", "Isolated", path);
    if (b == "Isolated") return tok::split_behavior::isolated;
    if (b == "Removed") return tok::split_behavior::removed;
    if (b == "MergedWithPrevious") return tok::split_behavior::merged_with_previous;
    if (b == "MergedWithNext") return tok::split_behavior::merged_with_next;
    if (b == "Contiguous") return tok::split_behavior::contiguous;
    j_.fail(path + ".behavior", "unknown split behavior '" + b + "'");
  }

  tok::prepend_scheme scheme(object o, const std::string& path) {
    if (auto s = json_fields::member(o, "prepend_scheme")) {
      const std::string_view v = j_.string(*s, path + ".prepend_scheme");
      if (v == "always") return tok::prepend_scheme::always;
      if (v == "first") return tok::prepend_scheme::first;
      if (v == "never") return tok::prepend_scheme::never;
      j_.fail(path + ".prepend_scheme", "unknown value '" + std::string(v) + "'");
    }
    return j_.bool_or(o, "add_prefix_space", true, path) ? tok::prepend_scheme::always
                                                         : tok::prepend_scheme::never;
  }

  token_id pair_id(object o, std::string_view key, const std::string& path) {
    const std::string kp = json_fields::join(path, key);
    const auto a = j_.array(j_.required(o, key, path), kp);
    if (a.size() != 2) j_.fail(kp, "expected [token, id]");
    const std::int64_t id = j_.integer(a.at(1).value_unsafe(), kp);
    if (id < 0 || !p_.vocab.contains(static_cast<token_id>(id))) {
      j_.fail(kp, "token id " + std::to_string(id) + " is not in the vocabulary");
    }
    return static_cast<token_id>(id);
  }

  [[noreturn]] void unsupported(const std::string& path, const char* what,
                                const std::string& type) {
    throw unsupported_error(j_.file() + ": " + path + ": " + what + " type '" + type +
                            "' is not supported");
  }

  json_fields j_;
  tokenizer::parts& p_;
  element merges_;
  std::string unk_;
};

// bos_token / eos_token of a tokenizer_config.json: a string, {"content": …}, or null.
inline std::optional<std::string> config_token(object cfg, std::string_view key) {
  auto e = json_fields::member(cfg, key);
  if (!e) return std::nullopt;
  std::string_view s;
  if (!e->get_string().get(s)) return std::string(s);
  object o;
  if (!e->get_object().get(o)) {
    if (auto c = json_fields::member(o, "content"); c && !c->get_string().get(s)) {
      return std::string(s);
    }
  }
  return std::nullopt;
}

}  // namespace tok::detail

namespace tok::detail {
inline tokenizer tokenizer_from_padded_json(const simdjson::padded_string& json,
                                            const std::string& name, std::string_view config_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::padded_string rewritten;
  auto err = parser.parse(json).get(root);
  if (err == simdjson::NUMBER_ERROR) {
    rewritten = simdjson::padded_string(json_big_integers_as_floats(json));
    err = parser.parse(rewritten).get(root);
  }
  if (err) {
    throw format_error(name, "(document)",
                       std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  tokenizer::parts p;
  tok::detail::tokenizer_json_reader(name, p).read(root);
  if (!p.post.prefix.empty()) p.bos = p.post.prefix.front();
  if (!p.post.suffix.empty()) p.eos = p.post.suffix.back();
  if (!config_json.empty()) {
    // tokenizer_config.json (for BOS/EOS) may hold integers beyond 64 bits, which simdjson
    // rejects: rewrite them as floats first.
    const std::string config_name =
        (std::filesystem::path(name).parent_path() / "tokenizer_config.json").string();
    simdjson::dom::parser cparser;
    simdjson::dom::element croot;
    const simdjson::padded_string cpadded(tok::detail::json_big_integers_as_floats(config_json));
    simdjson::dom::object cfg;
    if (auto err = cparser.parse(cpadded).get(croot)) {
      throw format_error(config_name, "(document)",
                         std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    if (croot.get_object().get(cfg)) {
      throw format_error(config_name, "(document)", "expected a JSON object");
    }
    if (auto b = tok::detail::config_token(cfg, "bos_token")) {
      if (const token_id id = p.vocab.find(*b); id != tok::vocabulary::none) p.bos = id;
    }
    if (auto e = tok::detail::config_token(cfg, "eos_token")) {
      if (const token_id id = p.vocab.find(*e); id != tok::vocabulary::none) p.eos = id;
    }
  }
  p.description = name + ": " + (p.pre.byte_level() ? "byte-level BPE" : "BPE") + ", " +
                  std::to_string(p.vocab.size()) + " tokens";
  return tokenizer(std::move(p));
}
}  // namespace tok::detail

// Builds a tokenizer from tokenizer.json text (name is used in error messages). config_json:
// the optional tokenizer_config.json text, for BOS/EOS.
inline tokenizer tokenizer_from_json(std::string_view json, const std::string& name,
                                     std::string_view config_json = {}) {
  return tok::detail::tokenizer_from_padded_json(simdjson::padded_string(json.data(), json.size()),
                                                 name, config_json);
}

namespace tok::detail {
inline std::string read_text_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw format_error(path, "(file)", "cannot open");
  std::string s;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) s.reserve(static_cast<std::size_t>(size));
    std::fseek(f, 0, SEEK_SET);
  }
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) throw format_error(path, "(file)", "read error");
  return s;
}
}  // namespace tok::detail

// Loads a tokenizer.json (and the tokenizer_config.json next to it, if any).
inline tokenizer load_tokenizer_json(const std::string& path) {
  simdjson::padded_string json;
  if (simdjson::padded_string::load(path).get(json)) {
    throw format_error(path, "(file)", "cannot read");
  }
  std::string config;
  const auto cfg = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
  std::error_code ec;
  if (std::filesystem::exists(cfg, ec)) config = tok::detail::read_text_file(cfg.string());
  return tok::detail::tokenizer_from_padded_json(json, path, config);
}

}  // namespace flipside
