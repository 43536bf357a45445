// Bounds-checked little-endian reading from an untrusted byte buffer. Every read names the field
// it is reading, so a truncated or hostile file fails with "<file>: <field>: <problem>" (a
// flipside::format_error) instead of reading past the end. Field names may be given as a string or
// as a callable returning one, so hot loops (a 150k-entry vocabulary) build no strings unless they
// fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <flipside/core/error.hpp>

namespace flipside::detail {

// A key or tensor name from an untrusted file, made safe to print in an error message: printable
// ASCII is kept, every other byte becomes \xHH, and long names are cut.
inline std::string printable(std::string_view s, std::size_t max_chars = 80) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max_chars) return out + "...";
    const auto ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
      out += static_cast<char>(ch);
    } else {
      out += "\\x";
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

template <class Field>
std::string field_name(const Field& f) {
  if constexpr (std::is_invocable_v<const Field&>) {
    return std::string(f());
  } else {
    return std::string(f);
  }
}

class byte_cursor {
 public:
  byte_cursor(const std::byte* data, std::size_t size, std::string file)
      : data_(data), size_(size), file_(std::move(file)) {}

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }
  const std::string& file() const noexcept { return file_; }

  template <class Field>
  [[noreturn]] void fail(const Field& field, const std::string& problem) const {
    throw format_error(file_, field_name(field), problem);
  }

  template <class Field>
  void require(std::uint64_t n, const Field& field) const {
    if (n > remaining()) {
      fail(field, "truncated: needs " + std::to_string(n) + " bytes at offset " +
                      std::to_string(pos_) + ", file has " + std::to_string(remaining()) + " left");
    }
  }

  // An unsigned integer, signed integer or IEEE float of sizeof(T) bytes, little-endian.
  template <class T, class Field>
  T read(const Field& field) {
    static_assert(std::is_arithmetic_v<T>);
    require(sizeof(T), field);
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      bits |= static_cast<std::uint64_t>(data_[pos_ + i]) << (8 * i);
    }
    pos_ += sizeof(T);
    if constexpr (std::is_same_v<T, bool>) {
      return bits != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      const U u = static_cast<U>(bits);
      T v;
      std::memcpy(&v, &u, sizeof v);
      return v;
    } else {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(bits));
    }
  }

  // n raw bytes (a view into the buffer).
  template <class Field>
  std::string_view bytes(std::uint64_t n, const Field& field) {
    require(n, field);
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }

 private:
  const std::byte* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::string file_;
};

}  // namespace flipside::detail
