// GGUF writer: metadata of every GGUF type and tensors of any ggml type (raw bytes given), laid out
// as llama.cpp's own writers do (gguf-py's GGUFWriter, ggml's gguf_write_to_file): version 3,
// key/value pairs in insertion order, tensor infos in insertion order with offsets packed in that
// order, zero padding to the alignment after the tensor infos and after every tensor's data.
// Layout of the result: see gguf_file.hpp. Reading a llama.cpp file and writing it back with the
// same metadata and tensors in the same order reproduces it byte for byte.
//
//   flipside::gguf_writer w;
//   w.set("general.architecture", "llama");
//   w.set("llama.block_count", std::uint32_t{30});
//   w.add_tensor("token_embd.weight", dtype::f16, {vocab, hidden}, ptr, nbytes);  // numpy order
//   w.write("model.gguf");
//
// Tensors added from a pointer (or a tensor_view) are borrowed: the bytes must stay valid until
// write() returns. The std::vector overload takes ownership.
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

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>
#include <flipside/io/byte_sink.hpp>
#include <flipside/io/checked_arith.hpp>
#include <flipside/io/file_output.hpp>
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/gguf_value.hpp>

namespace flipside {

// ggml keeps tensor names in char[GGML_MAX_NAME = 64] including the terminating NUL.
inline constexpr std::size_t gguf_max_tensor_name = 63;

class gguf_writer {
 public:
  // ---- metadata ----
  // Sets key to value: replaces an existing key in place, else appends. "general.alignment" must
  // be a u32 power of two (it sets the alignment used by write()).
  void set(std::string key, gguf_value value) {
    if (key.empty()) throw argument_error("gguf_writer: empty metadata key");
    if (key == "general.alignment") {
      if (value.type() != gguf_type::u32 || !detail::is_power_of_two(*value.get<std::uint64_t>())) {
        throw argument_error("gguf_writer: general.alignment must be a u32 power of two");
      }
    }
    auto it = kv_index_.find(key);
    if (it != kv_index_.end()) {
      kv_[it->second].value = std::move(value);
      return;
    }
    kv_index_.emplace(key, kv_.size());
    kv_.push_back({std::move(key), std::move(value)});
  }
  // Every key/value pair of a file, in its order (general.alignment included).
  void copy_metadata(const gguf_file& f) {
    for (const auto& kv : f.metadata()) set(kv.key, kv.value);
  }
  bool erase(std::string_view key) {
    auto it = kv_index_.find(key);
    if (it == kv_index_.end()) return false;
    kv_.erase(kv_.begin() + static_cast<std::ptrdiff_t>(it->second));
    kv_index_.clear();
    for (std::size_t i = 0; i < kv_.size(); ++i) kv_index_.emplace(kv_[i].key, i);
    return true;
  }
  const std::vector<gguf_kv>& metadata() const noexcept { return kv_; }

  std::size_t alignment() const {
    auto it = kv_index_.find("general.alignment");
    if (it == kv_index_.end()) return gguf_default_alignment;
    return static_cast<std::size_t>(*kv_[it->second].value.get<std::uint64_t>());
  }

  // ---- tensors ----
  // A tensor of `type` with `shape` in numpy order (outermost first; written as ne reversed),
  // whose nbytes bytes at `data` are borrowed until write(). Throws argument_error when the name
  // is empty, too long for ggml (> 63 bytes) or taken, the type is not a ggml type, the shape has
  // more than 4 dimensions or a negative one, the row length is not a whole number of blocks, or
  // nbytes disagrees with shape and type.
  void add_tensor(std::string name, dtype type, std::vector<std::int64_t> shape, const void* data,
                  std::size_t nbytes) {
    check_tensor(name, type, shape, nbytes);
    if (nbytes > 0 && data == nullptr) {
      throw argument_error("gguf_writer: tensor '" + name + "': null data");
    }
    tensor_index_.emplace(name, tensors_.size());
    tensors_.push_back(
        {std::move(name), type, std::move(shape), static_cast<const std::byte*>(data), nbytes, {}});
  }
  // The same, taking ownership of the bytes.
  void add_tensor(std::string name, dtype type, std::vector<std::int64_t> shape,
                  std::vector<std::byte> bytes) {
    check_tensor(name, type, shape, bytes.size());
    tensor_index_.emplace(name, tensors_.size());
    const std::size_t n = bytes.size();
    tensors_.push_back({std::move(name), type, std::move(shape), nullptr, n, std::move(bytes)});
  }
  // A view from a reader (borrowed: keep the file open until write()).
  void add_tensor(const tensor_view& t) {
    add_tensor(t.name, t.type, t.shape, static_cast<const void*>(t.data), t.nbytes);
  }
  std::size_t tensor_count() const noexcept { return tensors_.size(); }

  // ---- output ----
  void write(std::ostream& out) const {
    const std::size_t align = alignment();
    detail::byte_sink s(out, "gguf_writer");
    s.bytes("GGUF", 4);
    s.put<std::uint32_t>(3);
    s.put<std::uint64_t>(tensors_.size());
    s.put<std::uint64_t>(kv_.size());
    for (const auto& kv : kv_) {
      put_string(s, kv.key);
      s.put<std::uint32_t>(static_cast<std::uint32_t>(kv.value.type()));
      put_value(s, kv.value);
    }
    std::uint64_t offset = 0;
    for (const auto& t : tensors_) {
      put_string(s, t.name);
      const std::size_t n_dims = t.shape.empty() ? 1 : t.shape.size();
      s.put<std::uint32_t>(static_cast<std::uint32_t>(n_dims));
      if (t.shape.empty()) s.put<std::uint64_t>(1);
      for (std::size_t d = t.shape.size(); d-- > 0;) {
        s.put<std::uint64_t>(static_cast<std::uint64_t>(t.shape[d]));
      }
      s.put<std::uint32_t>(static_cast<std::uint32_t>(t.type));
      s.put<std::uint64_t>(offset);
      offset += padded(t.nbytes, align);
    }
    s.pad_to(align);
    for (const auto& t : tensors_) {
      s.bytes(t.owned.empty() ? static_cast<const void*>(t.data) : t.owned.data(), t.nbytes);
      s.pad_to(align);
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

  static std::uint64_t padded(std::uint64_t n, std::uint64_t align) {
    return (n + align - 1) / align * align;
  }

  void check_tensor(const std::string& name, dtype type, const std::vector<std::int64_t>& shape,
                    std::size_t nbytes) const {
    const std::string what = "gguf_writer: tensor '" + name + "': ";
    if (name.empty()) throw argument_error("gguf_writer: empty tensor name");
    if (name.size() > gguf_max_tensor_name) {
      throw argument_error(what + "name longer than ggml's 63 bytes");
    }
    if (tensor_index_.count(name)) throw argument_error(what + "duplicate tensor name");
    if (!detail::is_ggml_type(static_cast<std::uint32_t>(type))) {
      throw argument_error(what + "type " + dtype_name(type) + " has no GGUF equivalent");
    }
    if (shape.size() > gguf_max_dims) throw argument_error(what + "more than 4 dimensions");
    std::uint64_t numel = 1;
    for (auto d : shape) {
      if (d < 0) throw argument_error(what + "negative dimension");
      auto p = detail::checked_mul(numel, static_cast<std::uint64_t>(d));
      if (!p) throw argument_error(what + "element count overflows");
      numel = *p;
    }
    const auto tr = *traits_of(type);
    const std::uint64_t row = shape.empty() ? 1 : static_cast<std::uint64_t>(shape.back());
    if (row % tr.block_size != 0) {
      throw argument_error(what + "row length " + std::to_string(row) + " is not a multiple of " +
                           std::string(tr.name) + "'s block size " + std::to_string(tr.block_size));
    }
    const auto need = bytes_for(type, numel);
    if (!need || *need != nbytes) {
      throw argument_error(what + std::to_string(nbytes) + " bytes given, shape and type need " +
                           (need ? std::to_string(*need) : std::string("an overflowing size")));
    }
  }

  static void put_string(detail::byte_sink& s, std::string_view str) {
    s.put<std::uint64_t>(str.size());
    s.bytes(str);
  }

  static void put_scalar(detail::byte_sink& s, gguf_type t, const gguf_value::storage& v) {
    auto u = [&] { return std::get<std::uint64_t>(v); };
    auto i = [&] { return std::get<std::int64_t>(v); };
    switch (t) {
      case gguf_type::u8:
        s.put(static_cast<std::uint8_t>(u()));
        break;
      case gguf_type::boolean:
        s.put(static_cast<std::uint8_t>(u()));
        break;
      case gguf_type::i8:
        s.put(static_cast<std::int8_t>(i()));
        break;
      case gguf_type::u16:
        s.put(static_cast<std::uint16_t>(u()));
        break;
      case gguf_type::i16:
        s.put(static_cast<std::int16_t>(i()));
        break;
      case gguf_type::u32:
        s.put(static_cast<std::uint32_t>(u()));
        break;
      case gguf_type::i32:
        s.put(static_cast<std::int32_t>(i()));
        break;
      case gguf_type::u64:
        s.put(u());
        break;
      case gguf_type::i64:
        s.put(i());
        break;
      case gguf_type::f32:
        s.put(static_cast<float>(std::get<double>(v)));
        break;
      case gguf_type::f64:
        s.put(std::get<double>(v));
        break;
      case gguf_type::string:
        put_string(s, std::get<std::string>(v));
        break;
      case gguf_type::array:
        throw argument_error("gguf_writer: nested array");
    }
  }

  static void put_value(detail::byte_sink& s, const gguf_value& v) {
    if (!v.is_array()) {
      put_scalar(s, v.type(), v.raw());
      return;
    }
    s.put<std::uint32_t>(static_cast<std::uint32_t>(v.element_type()));
    s.put<std::uint64_t>(v.size());
    std::visit(
        [&](const auto& x) {
          using X = std::decay_t<decltype(x)>;
          if constexpr (!std::is_same_v<X, std::uint64_t> && !std::is_same_v<X, std::int64_t> &&
                        !std::is_same_v<X, double> && !std::is_same_v<X, std::string>) {
            for (const auto& e : x) put_scalar(s, v.element_type(), gguf_value::storage(e));
          }
        },
        v.raw());
  }

  std::vector<gguf_kv> kv_;
  std::map<std::string, std::size_t, std::less<>> kv_index_;
  std::vector<entry> tensors_;
  std::map<std::string, std::size_t, std::less<>> tensor_index_;
};

}  // namespace flipside
