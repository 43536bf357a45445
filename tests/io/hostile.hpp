// Tools for the robustness tests: a seeded PRNG (splitmix64; the suite never uses std::
// distributions), a raw little-endian byte builder that records where its length/count fields are
// (so tests can overwrite them with absurd values), and a parse harness that accepts only two
// outcomes: success, or a flipside::error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/core/splitmix64.hpp>
#include <flipside/core/tensor_view.hpp>

namespace flipside::test {

struct splitmix64 {
  std::uint64_t state;
  explicit splitmix64(std::uint64_t seed) : state(seed) {}
  std::uint64_t next() { return flipside::splitmix64(state); }
  std::uint64_t below(std::uint64_t n) { return next() % n; }  // bias irrelevant here
};

// Little-endian byte builder; `fields` lists the offsets of u64 length/count/offset fields.
struct raw_bytes {
  std::string b;
  std::vector<std::size_t> u64_fields;

  raw_bytes& u8(std::uint8_t v) { return put(v, 1); }
  raw_bytes& u32(std::uint32_t v) { return put(v, 4); }
  raw_bytes& u64(std::uint64_t v) {
    u64_fields.push_back(b.size());
    return put(v, 8);
  }
  raw_bytes& f32(float v) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    return put(u, 4);
  }
  raw_bytes& str(const std::string& s) {
    u64(s.size());
    b += s;
    return *this;
  }
  raw_bytes& pad(std::size_t align) {
    while (b.size() % align) b += '\0';
    return *this;
  }
  raw_bytes& zeros(std::size_t n) {
    b.append(n, '\0');
    return *this;
  }
  raw_bytes& put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  void set_u64(std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
};

// An exactly-sized heap copy, so AddressSanitizer sees any read past the end.
inline std::unique_ptr<unsigned char[]> exact_copy(const void* p, std::size_t n) {
  std::unique_ptr<unsigned char[]> c(new unsigned char[n ? n : 1]);
  if (n) std::memcpy(c.get(), p, n);
  return c;
}

// Reads the first and last byte of every tensor: with an exactly-sized buffer, ASan then checks
// that each view lies inside it (touching every byte would make the flip tests slow).
template <class File>
std::uint64_t touch_all(const File& f) {
  std::uint64_t s = 0;
  for (const tensor_view& t : f.tensors()) {
    if (t.nbytes == 0) continue;
    s += static_cast<unsigned char>(t.data[0]);
    s += static_cast<unsigned char>(t.data[t.nbytes - 1]);
  }
  return s;
}

enum class outcome { loaded, rejected };

// Parses `n` bytes at `p` with File::from_memory. Returns loaded or rejected (a flipside::error
// whose message names the buffer); any other exception escapes and fails the calling test.
template <class File>
outcome try_parse(const void* p, std::size_t n, std::string* message = nullptr) {
  try {
    const File f = File::from_memory(p, n, "hostile");
    static volatile std::uint64_t sink = 0;
    sink = sink + touch_all(f);
    return outcome::loaded;
  } catch (const flipside::error& e) {
    if (message) *message = e.what();
    if (std::string(e.what()).rfind("hostile", 0) != 0) {
      throw std::logic_error(std::string("error message does not name the file: ") + e.what());
    }
    return outcome::rejected;
  }
}

}  // namespace flipside::test
