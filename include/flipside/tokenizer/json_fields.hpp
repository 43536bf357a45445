// Typed access to the fields of a simdjson DOM document, throwing format_error(file, field,
// problem) that names the JSON path ("model.merges[12]") when a field is missing or mistyped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include <flipside/core/error.hpp>

namespace flipside::tok::detail {

// simdjson's DOM rejects integers beyond 64 bits (tokenizer_config.json files write
// model_max_length = 1000000000000000019884624838656). This rewrites every such integer outside
// strings as a float (appends ".0"), which it reads as a double.
inline std::string json_big_integers_as_floats(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 16);
  bool in_string = false;
  for (std::size_t i = 0; i < json.size();) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[i + 1];
        i += 2;
        continue;
      }
      if (c == '"') in_string = false;
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      ++i;
      continue;
    }
    if (c >= '0' && c <= '9') {
      std::size_t j = i;
      while (j < json.size() && json[j] >= '0' && json[j] <= '9') ++j;
      out.append(json.substr(i, j - i));
      const bool is_float = j < json.size() && (json[j] == '.' || json[j] == 'e' || json[j] == 'E');
      if (!is_float && j - i > 18) out += ".0";
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

class json_fields {
 public:
  explicit json_fields(std::string file) : file_(std::move(file)) {}

  const std::string& file() const noexcept { return file_; }

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw format_error(file_, field, problem);
  }

  simdjson::dom::object object(simdjson::dom::element e, const std::string& field) const {
    simdjson::dom::object o;
    if (e.get_object().get(o)) fail(field, "expected a JSON object");
    return o;
  }
  simdjson::dom::array array(simdjson::dom::element e, const std::string& field) const {
    simdjson::dom::array a;
    if (e.get_array().get(a)) fail(field, "expected a JSON array");
    return a;
  }
  std::string_view string(simdjson::dom::element e, const std::string& field) const {
    std::string_view s;
    if (e.get_string().get(s)) fail(field, "expected a string");
    return s;
  }
  std::int64_t integer(simdjson::dom::element e, const std::string& field) const {
    std::int64_t v;
    if (e.get_int64().get(v)) fail(field, "expected an integer");
    return v;
  }
  bool boolean(simdjson::dom::element e, const std::string& field) const {
    bool v;
    if (e.get_bool().get(v)) fail(field, "expected true or false");
    return v;
  }
  double number(simdjson::dom::element e, const std::string& field) const {
    double v;
    if (e.get_double().get(v)) fail(field, "expected a number");
    return v;
  }

  // The member, or nullopt when it is absent or null.
  static std::optional<simdjson::dom::element> member(simdjson::dom::object o,
                                                      std::string_view key) {
    simdjson::dom::element e;
    if (o.at_key(key).get(e) || e.is_null()) return std::nullopt;
    return e;
  }
  simdjson::dom::element required(simdjson::dom::object o, std::string_view key,
                                  const std::string& path) const {
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) fail(join(path, key), "missing");
    return e;
  }
  bool bool_or(simdjson::dom::object o, std::string_view key, bool dflt,
               const std::string& path) const {
    auto e = member(o, key);
    return e ? boolean(*e, join(path, key)) : dflt;
  }
  std::string string_or(simdjson::dom::object o, std::string_view key, std::string dflt,
                        const std::string& path) const {
    auto e = member(o, key);
    return e ? std::string(string(*e, join(path, key))) : dflt;
  }
  std::string type_of(simdjson::dom::object o, const std::string& path) const {
    return std::string(string(required(o, "type", path), join(path, "type")));
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::string file_;
};

}  // namespace flipside::tok::detail
