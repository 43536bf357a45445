// One GGUF metadata value: a scalar of one of GGUF's twelve scalar types, or an array of them
// (GGUF spec, "gguf_metadata_value_type"; ggml/docs/gguf.md). Nested arrays are not allowed:
// ggml itself rejects them when reading, so no file llama.cpp can load contains one.
//
// Values keep their GGUF type (so a writer reproduces the file exactly) but are stored widened:
// every unsigned type and bool as uint64, every signed type as int64, f32/f64 as double (exact for
// both). Typed access converts between integer widths when the value fits, which is what readers
// of llama.cpp metadata need (converters write e.g. context_length as u32 in one version and u64
// in another); it never converts between integers, floats, bools and strings.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

// Type ids as stored in the file (uint32 on disk).
enum class gguf_type : std::uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};

inline bool is_valid_gguf_type(std::uint32_t t) noexcept { return t <= 12; }

inline std::string_view gguf_type_name(gguf_type t) noexcept {
  switch (t) {
    case gguf_type::u8:
      return "u8";
    case gguf_type::i8:
      return "i8";
    case gguf_type::u16:
      return "u16";
    case gguf_type::i16:
      return "i16";
    case gguf_type::u32:
      return "u32";
    case gguf_type::i32:
      return "i32";
    case gguf_type::f32:
      return "f32";
    case gguf_type::boolean:
      return "bool";
    case gguf_type::string:
      return "string";
    case gguf_type::array:
      return "array";
    case gguf_type::u64:
      return "u64";
    case gguf_type::i64:
      return "i64";
    case gguf_type::f64:
      return "f64";
  }
  return "invalid";
}

// Bytes one scalar of type t takes on disk (0 for string and array, which have a length prefix).
inline std::size_t gguf_scalar_size(gguf_type t) noexcept {
  switch (t) {
    case gguf_type::u8:
    case gguf_type::i8:
    case gguf_type::boolean:
      return 1;
    case gguf_type::u16:
    case gguf_type::i16:
      return 2;
    case gguf_type::u32:
    case gguf_type::i32:
    case gguf_type::f32:
      return 4;
    case gguf_type::u64:
    case gguf_type::i64:
    case gguf_type::f64:
      return 8;
    case gguf_type::string:
    case gguf_type::array:
      return 0;
  }
  return 0;
}

namespace detail {

// The GGUF type a C++ type is written as (gguf_value's constructors use it).
template <class T>
constexpr std::optional<gguf_type> gguf_type_for() {
  if constexpr (std::is_same_v<T, bool>)
    return gguf_type::boolean;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return gguf_type::u8;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return gguf_type::i8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return gguf_type::u16;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return gguf_type::i16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return gguf_type::u32;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return gguf_type::i32;
  else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T> && sizeof(T) == 8)
    return gguf_type::u64;
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T> && sizeof(T) == 8)
    return gguf_type::i64;
  else if constexpr (std::is_same_v<T, float>)
    return gguf_type::f32;
  else if constexpr (std::is_same_v<T, double>)
    return gguf_type::f64;
  else if constexpr (std::is_same_v<T, std::string>)
    return gguf_type::string;
  else
    return std::nullopt;
}

inline bool gguf_is_unsigned(gguf_type t) noexcept {
  return t == gguf_type::u8 || t == gguf_type::u16 || t == gguf_type::u32 || t == gguf_type::u64 ||
         t == gguf_type::boolean;
}
inline bool gguf_is_signed(gguf_type t) noexcept {
  return t == gguf_type::i8 || t == gguf_type::i16 || t == gguf_type::i32 || t == gguf_type::i64;
}
inline bool gguf_is_float(gguf_type t) noexcept {
  return t == gguf_type::f32 || t == gguf_type::f64;
}

}  // namespace detail

class gguf_value {
 public:
  // Storage of scalars (index 0..3) and arrays (4..7), widened as described above.
  using storage =
      std::variant<std::uint64_t, std::int64_t, double, std::string, std::vector<std::uint64_t>,
                   std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>>;

  gguf_value() : type_(gguf_type::u8), elem_(gguf_type::u8), v_(std::uint64_t{0}) {}

  // A scalar of the GGUF type matching T: gguf_value(3u) is u32, gguf_value(0.5f) f32,
  // gguf_value(true) bool, gguf_value("llama") string.
  template <class T, class = std::enable_if_t<detail::gguf_type_for<T>().has_value()>>
  gguf_value(T v)  // NOLINT(google-explicit-constructor): values are written as literals
      : type_(*detail::gguf_type_for<T>()), elem_(type_), v_(widen(std::move(v))) {}
  gguf_value(const char* s) : gguf_value(std::string(s)) {}
  gguf_value(std::string_view s) : gguf_value(std::string(s)) {}

  // An array whose elements have the GGUF type matching T.
  template <class T, class = std::enable_if_t<detail::gguf_type_for<T>().has_value()>>
  gguf_value(const std::vector<T>& a)
      : type_(gguf_type::array), elem_(*detail::gguf_type_for<T>()) {
    using W = decltype(widen(std::declval<T>()));
    std::vector<W> w;
    w.reserve(a.size());
    for (const auto& x : a) w.push_back(widen(x));
    v_ = std::move(w);
  }

  // A scalar of an explicit type from its widened storage (readers use this). The value must fit
  // the type; otherwise argument_error.
  static gguf_value from_storage(gguf_type type, gguf_type element_type, storage v) {
    gguf_value r;
    r.type_ = type;
    r.elem_ = type == gguf_type::array ? element_type : type;
    r.v_ = std::move(v);
    if (!r.consistent()) throw argument_error("gguf_value: storage does not match its GGUF type");
    return r;
  }
  // An array of `element_type` holding `values` (widened storage).
  template <class W>
  static gguf_value array_of(gguf_type element_type, std::vector<W> values) {
    return from_storage(gguf_type::array, element_type, storage(std::move(values)));
  }

  gguf_type type() const noexcept { return type_; }
  bool is_array() const noexcept { return type_ == gguf_type::array; }
  // The element type of an array; the type itself for a scalar.
  gguf_type element_type() const noexcept { return elem_; }
  // Number of elements of an array; 1 for a scalar.
  std::size_t size() const noexcept {
    return std::visit(
        [](const auto& x) -> std::size_t {
          using X = std::decay_t<decltype(x)>;
          if constexpr (is_vector<X>::value)
            return x.size();
          else
            return 1;
        },
        v_);
  }
  const storage& raw() const noexcept { return v_; }

  // The scalar converted to T (any arithmetic type, bool or std::string), or nullopt when this is
  // an array, of another kind (integer/float/bool/string), or out of T's range.
  template <class T>
  std::optional<T> get() const noexcept {
    if (is_array()) return std::nullopt;
    return convert<T>(elem_, v_);
  }

  // The string of a string scalar, or nullptr.
  const std::string* string_ptr() const noexcept { return std::get_if<std::string>(&v_); }

  // The elements converted to T, or nullopt when this is not an array, is of another kind, or an
  // element does not fit T.
  template <class T>
  std::optional<std::vector<T>> get_array() const {
    if (!is_array()) return std::nullopt;
    return std::visit(
        [&](const auto& x) -> std::optional<std::vector<T>> {
          using X = std::decay_t<decltype(x)>;
          if constexpr (is_vector<X>::value) {
            std::vector<T> out;
            out.reserve(x.size());
            for (const auto& e : x) {
              auto c = convert<T>(elem_, storage(e));
              if (!c) return std::nullopt;
              out.push_back(std::move(*c));
            }
            return out;
          } else {
            return std::nullopt;
          }
        },
        v_);
  }

  // Zero-copy access to an array of strings (a tokenizer vocabulary), or nullptr.
  const std::vector<std::string>* strings_ptr() const noexcept {
    return std::get_if<std::vector<std::string>>(&v_);
  }

  // A short human-readable rendering: scalars in full, arrays as "[n × type: a, b, c, …]".
  std::string to_string(std::size_t max_elements = 8) const {
    auto one = [](gguf_type t, const auto& x) -> std::string {
      using X = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<X, std::string>) {
        return "\"" + x + "\"";
      } else if constexpr (std::is_same_v<X, double>) {
        // Shortest decimal that reads back as the same f32/f64 (1e-05, not 9.99999975e-06).
        char buf[40];
        if (x > -1e15 && x < 1e15 && x == std::trunc(x)) {  // range first: NaN/huge never cast
          std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
          return std::string(buf);
        }
        for (int p = 1; p <= 17; ++p) {
          std::snprintf(buf, sizeof buf, "%.*g", p, x);
          const double back = std::strtod(buf, nullptr);
          if (t == gguf_type::f32 ? static_cast<float>(back) == static_cast<float>(x) : back == x)
            break;
        }
        return std::string(buf);
      } else if (t == gguf_type::boolean) {
        return x ? "true" : "false";
      } else {
        return std::to_string(x);
      }
    };
    return std::visit(
        [&](const auto& x) -> std::string {
          using X = std::decay_t<decltype(x)>;
          if constexpr (is_vector<X>::value) {
            std::string s = "[" + std::to_string(x.size()) + " x " +
                            std::string(gguf_type_name(elem_)) + (x.empty() ? "" : ": ");
            for (std::size_t i = 0; i < x.size() && i < max_elements; ++i) {
              s += (i ? ", " : "") + one(elem_, x[i]);
            }
            if (x.size() > max_elements) s += ", ...";
            return s + "]";
          } else {
            return one(elem_, x);
          }
        },
        v_);
  }

  friend bool operator==(const gguf_value& a, const gguf_value& b) {
    return a.type_ == b.type_ && a.elem_ == b.elem_ && a.v_ == b.v_;
  }
  friend bool operator!=(const gguf_value& a, const gguf_value& b) { return !(a == b); }

 private:
  template <class X>
  struct is_vector : std::false_type {};
  template <class X>
  struct is_vector<std::vector<X>> : std::true_type {};

  template <class T>
  static auto widen(T v) {
    if constexpr (std::is_same_v<T, std::string>)
      return v;
    else if constexpr (std::is_floating_point_v<T>)
      return static_cast<double>(v);
    else if constexpr (std::is_same_v<T, bool> || std::is_unsigned_v<T>)
      return static_cast<std::uint64_t>(v);
    else
      return static_cast<std::int64_t>(v);
  }

  // The storage alternative a (scalar or element) type is widened to: 0 unsigned, 1 signed,
  // 2 float, 3 string.
  static std::size_t kind(gguf_type t) noexcept {
    if (detail::gguf_is_unsigned(t)) return 0;
    if (detail::gguf_is_signed(t)) return 1;
    if (detail::gguf_is_float(t)) return 2;
    return 3;
  }

  bool consistent() const noexcept {
    if (!is_valid_gguf_type(static_cast<std::uint32_t>(type_))) return false;
    if (is_array()) {
      if (elem_ == gguf_type::array || !is_valid_gguf_type(static_cast<std::uint32_t>(elem_)))
        return false;
      if (v_.index() != 4 + kind(elem_)) return false;
      return std::visit(
          [&](const auto& x) {
            using X = std::decay_t<decltype(x)>;
            if constexpr (is_vector<X>::value) {
              for (const auto& e : x)
                if (!fits(elem_, storage(e))) return false;
            }
            return true;
          },
          v_);
    }
    return v_.index() == kind(type_) && fits(type_, v_);
  }

  // Whether a widened scalar is representable in GGUF type t.
  static bool fits(gguf_type t, const storage& s) noexcept {
    switch (t) {
      case gguf_type::u8:
        return in_range<std::uint8_t>(s);
      case gguf_type::i8:
        return in_range<std::int8_t>(s);
      case gguf_type::u16:
        return in_range<std::uint16_t>(s);
      case gguf_type::i16:
        return in_range<std::int16_t>(s);
      case gguf_type::u32:
        return in_range<std::uint32_t>(s);
      case gguf_type::i32:
        return in_range<std::int32_t>(s);
      case gguf_type::boolean:
        return in_range<bool>(s);
      case gguf_type::f32: {
        const double* d = std::get_if<double>(&s);
        return d && static_cast<double>(static_cast<float>(*d)) == *d;
      }
      default:
        return true;
    }
  }

  template <class T>
  static bool in_range(const storage& s) noexcept {
    if (auto u = std::get_if<std::uint64_t>(&s)) {
      if constexpr (std::is_same_v<T, bool>)
        return *u <= 1;
      else
        return *u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    }
    if (auto i = std::get_if<std::int64_t>(&s)) {
      if constexpr (std::is_same_v<T, bool>)
        return false;
      else
        return *i >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
               (*i < 0 || static_cast<std::uint64_t>(*i) <=
                              static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    }
    return false;
  }

  template <class T>
  static std::optional<T> convert(gguf_type t, const storage& s) noexcept {
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto p = std::get_if<std::string>(&s)) return *p;
      return std::nullopt;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (t != gguf_type::boolean) return std::nullopt;
      return std::get<std::uint64_t>(s) != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      const double* d = std::get_if<double>(&s);
      if (!d) return std::nullopt;
      if (std::isfinite(*d) && std::fabs(*d) > static_cast<double>(std::numeric_limits<T>::max())) {
        return std::nullopt;  // an f64 beyond float's range
      }
      return static_cast<T>(*d);
    } else if constexpr (std::is_integral_v<T>) {
      if (t == gguf_type::boolean) return std::nullopt;
      if (!in_range<T>(s)) return std::nullopt;
      if (auto u = std::get_if<std::uint64_t>(&s)) return static_cast<T>(*u);
      return static_cast<T>(std::get<std::int64_t>(s));
    } else {
      static_assert(sizeof(T) == 0, "gguf_value::get<T>: T must be arithmetic or std::string");
    }
  }

  gguf_type type_;
  gguf_type elem_;
  storage v_;
};

}  // namespace flipside
