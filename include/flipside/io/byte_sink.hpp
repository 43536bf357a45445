// Little-endian binary output for the file writers: counts what it writes (so writers can pad to
// an alignment without seeking) and turns stream failures into flipside::error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include <flipside/core/error.hpp>

namespace flipside::detail {

class byte_sink {
 public:
  byte_sink(std::ostream& out, std::string what) : out_(out), what_(std::move(what)) {}

  template <class T>
  void put(T v) {
    static_assert(std::is_arithmetic_v<T>);
    std::uint64_t bits = 0;
    if constexpr (std::is_floating_point_v<T>) {
      using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      U u;
      std::memcpy(&u, &v, sizeof u);
      bits = u;
    } else {
      bits = static_cast<std::uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
    }
    char b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    bytes(b, sizeof b);
  }

  void bytes(const void* p, std::size_t n) {
    if (n == 0) return;
    out_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
    if (!out_) throw error(what_ + ": write failed");
    written_ += n;
  }
  void bytes(std::string_view s) { bytes(s.data(), s.size()); }

  // Zero bytes up to the next multiple of `alignment`.
  void pad_to(std::size_t alignment) {
    static const char zeros[64] = {};
    std::size_t n = (alignment - written_ % alignment) % alignment;
    while (n > 0) {
      const std::size_t k = n < sizeof zeros ? n : sizeof zeros;
      bytes(zeros, k);
      n -= k;
    }
  }

  std::uint64_t written() const noexcept { return written_; }

 private:
  std::ostream& out_;
  std::string what_;
  std::uint64_t written_ = 0;
};

}  // namespace flipside::detail
