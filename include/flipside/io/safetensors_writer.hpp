// safetensors writer (format: see safetensors_file.hpp). The header lists "__metadata__" (if any)
// first and then the tensors in insertion order, with their data packed in that order; the JSON
// is padded with spaces to a multiple of 8 bytes so that the data section starts 8-aligned, as the
// reference implementation does.
//
//   flipside::safetensors_writer w;
//   w.set_metadata("format", "pt");
//   w.add_tensor("tokens", dtype::i32, {2, 48}, ids.data(), ids.size() * 4);
//   w.write("out.safetensors");
//
// Tensors added from a pointer or a tensor_view are borrowed until write(); the std::vector
// overload takes ownership.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>
#include <flipside/io/byte_sink.hpp>
#include <flipside/io/checked_arith.hpp>
#include <flipside/io/file_output.hpp>
#include <flipside/io/safetensors_dtype.hpp>

namespace flipside {

namespace detail {

// s as a JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped;
// s must be valid UTF-8.
inline std::string json_quote(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace detail

class safetensors_writer {
 public:
  // Keys and values must be valid UTF-8 (argument_error otherwise).
  void set_metadata(std::string key, std::string value) {
    check_utf8(key, "metadata key");
    check_utf8(value, "metadata value");
    metadata_[std::move(key)] = std::move(value);
  }
  const std::map<std::string, std::string, std::less<>>& metadata() const noexcept {
    return metadata_;
  }

  // A tensor of `type` (a plain type safetensors has: F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL),
  // numpy-order `shape`, nbytes bytes at `data` (borrowed until write()). argument_error on a
  // duplicate or reserved name, a type safetensors lacks, or nbytes ≠ numel × element size.
  void add_tensor(std::string name, dtype type, std::vector<std::int64_t> shape, const void* data,
                  std::size_t nbytes) {
    check_tensor(name, type, shape, nbytes);
    if (nbytes > 0 && data == nullptr) {
      throw argument_error("safetensors_writer: tensor '" + name + "': null data");
    }
    index_.emplace(name, tensors_.size());
    tensors_.push_back(
        {std::move(name), type, std::move(shape), static_cast<const std::byte*>(data), nbytes, {}});
  }
  void add_tensor(std::string name, dtype type, std::vector<std::int64_t> shape,
                  std::vector<std::byte> bytes) {
    check_tensor(name, type, shape, bytes.size());
    index_.emplace(name, tensors_.size());
    const std::size_t n = bytes.size();
    tensors_.push_back({std::move(name), type, std::move(shape), nullptr, n, std::move(bytes)});
  }
  void add_tensor(const tensor_view& t) {
    add_tensor(t.name, t.type, t.shape, static_cast<const void*>(t.data), t.nbytes);
  }
  std::size_t tensor_count() const noexcept { return tensors_.size(); }

  // The JSON header, unpadded.
  std::string header() const {
    std::string h = "{";
    bool first = true;
    if (!metadata_.empty()) {
      h += "\"__metadata__\":{";
      for (const auto& [k, v] : metadata_) {
        h += (first ? "" : ",") + detail::json_quote(k) + ":" + detail::json_quote(v);
        first = false;
      }
      h += "}";
    }
    std::uint64_t offset = 0;
    for (const auto& t : tensors_) {
      h += (h.size() > 1 ? "," : "") + detail::json_quote(t.name) + ":{\"dtype\":\"" +
           std::string(*safetensors_dtype_name(t.type)) + "\",\"shape\":[";
      for (std::size_t d = 0; d < t.shape.size(); ++d) {
        h += (d ? "," : "") + std::to_string(t.shape[d]);
      }
      h += "],\"data_offsets\":[" + std::to_string(offset) + "," +
           std::to_string(offset + t.nbytes) + "]}";
      offset += t.nbytes;
    }
    return h + "}";
  }

  void write(std::ostream& out) const {
    std::string h = header();
    h.append((8 - h.size() % 8) % 8, ' ');
    detail::byte_sink s(out, "safetensors_writer");
    s.put<std::uint64_t>(h.size());
    s.bytes(h);
    for (const auto& t : tensors_) {
      s.bytes(t.owned.empty() ? static_cast<const void*>(t.data) : t.owned.data(), t.nbytes);
    }
  }
  void write(const std::filesystem::path& path) const {
    detail::write_file_atomically(path, [&](std::ostream& out) { write(out); });
  }
  std::string to_string() const {
    std::ostringstream out(std::ios::binary);
    write(out);
    return std::move(out).str();
  }

 private:
  struct entry {
    std::string name;
    dtype type;
    std::vector<std::int64_t> shape;
    const std::byte* data;
    std::size_t nbytes;
    std::vector<std::byte> owned;
  };

  static void check_utf8(const std::string& s, const char* what) {
    if (!simdjson::validate_utf8(s.data(), s.size())) {
      throw argument_error(std::string("safetensors_writer: ") + what + " is not valid UTF-8");
    }
  }

  void check_tensor(const std::string& name, dtype type, const std::vector<std::int64_t>& shape,
                    std::size_t nbytes) const {
    const std::string what = "safetensors_writer: tensor '" + name + "': ";
    check_utf8(name, "tensor name");
    if (name.empty() || name == "__metadata__") {
      throw argument_error("safetensors_writer: invalid tensor name '" + name + "'");
    }
    if (index_.count(name)) throw argument_error(what + "duplicate tensor name");
    if (!safetensors_dtype_name(type)) {
      throw argument_error(what + "type " + dtype_name(type) + " cannot be stored in safetensors");
    }
    std::uint64_t numel = 1;
    for (auto d : shape) {
      if (d < 0) throw argument_error(what + "negative dimension");
      auto p = detail::checked_mul(numel, static_cast<std::uint64_t>(d));
      if (!p) throw argument_error(what + "element count overflows");
      numel = *p;
    }
    const auto need = bytes_for(type, numel);
    if (!need || *need != nbytes) {
      throw argument_error(what + std::to_string(nbytes) + " bytes given, shape and type need " +
                           (need ? std::to_string(*need) : std::string("an overflowing size")));
    }
  }

  std::map<std::string, std::string, std::less<>> metadata_;
  std::vector<entry> tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace flipside
