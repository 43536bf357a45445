// GGUF reader: memory-maps a .gguf file, parses and validates its header, metadata and tensor
// infos, and hands out tensor_views pointing into the mapping.
//
// File layout (GGUF v2/v3; spec: ggml/docs/gguf.md, reference reader: ggml/src/gguf.cpp). All
// integers little-endian; a "string" is a uint64 byte length followed by that many UTF-8 bytes, no
// terminating NUL.
//
//   1. header
//        char     magic[4]      "GGUF"
//        uint32   version       2 or 3 (v1 used 32-bit counts and is obsolete; v3 only added
//                               big-endian files, which announce themselves with a byte-swapped
//                               version and are rejected here)
//        uint64   n_tensors
//        uint64   n_kv
//   2. n_kv metadata key/value pairs, each
//        string   key           unique; e.g. "general.architecture", "llama.block_count"
//        uint32   value_type    gguf_type: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool
//                               (one byte), 8 string, 9 array, 10 u64, 11 i64, 12 f64
//        value                  the scalar, the string, or for an array:
//                                 uint32 element_type (any type but array: nesting is rejected)
//                                 uint64 n
//                                 n elements
//   3. n_tensors tensor infos, each
//        string   name          unique
//        uint32   n_dims        <= 4
//        uint64   ne[n_dims]    dimensions, innermost (contiguous) first: a weight W[out][in]
//                               has ne = {in, out}; tensor_view::shape is the reverse
//        uint32   type          ggml_type id (flipside::dtype); ne[0] must be a whole number of
//                               the type's blocks
//        uint64   offset        of the tensor's data, relative to the start of the data section;
//                               a multiple of the alignment
//   4. zero padding up to the next multiple of the alignment: the uint32 value of
//      "general.alignment" if present (a power of two), else 32
//   5. the data section: each tensor's bytes at its offset, ggml_nbytes = ne[0]/block_size ×
//      block_bytes × ne[1] × ne[2] × ne[3]; writers pad each tensor to the alignment
//
// Everything read from the file is untrusted. Counts are checked against the bytes left before
// anything is reserved (n strings need at least 8n bytes), every length, offset and size is
// checked with overflow-safe arithmetic against the file size, tensor data ranges must lie inside
// the data section and not overlap, and any violation throws format_error("<file>", "<field>",
// problem) — never a crash, never a huge allocation.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>
#include <flipside/io/byte_cursor.hpp>
#include <flipside/io/checked_arith.hpp>
#include <flipside/io/gguf_value.hpp>
#include <flipside/io/mapped_file.hpp>

namespace flipside {

inline constexpr std::uint32_t gguf_default_alignment = 32;
inline constexpr std::size_t gguf_max_dims = 4;

struct gguf_kv {
  std::string key;
  gguf_value value;
};

namespace detail {

// Whether a ggml type id may appear in a GGUF tensor info (the safetensors-only ids may not).
inline bool is_ggml_type(std::uint32_t id) noexcept {
  return id < 1000 && traits_of(static_cast<dtype>(id)).has_value();
}

}  // namespace detail

class gguf_file {
 public:
  // Maps and parses `path`. Throws flipside::error if it cannot be opened, format_error if it is
  // not a valid GGUF file, unsupported_error for GGUF v1 or big-endian files.
  static gguf_file open(const std::filesystem::path& path) {
    mapped_file m(path);
    gguf_file f;
    f.base_ = m.data();
    f.size_ = m.size();
    f.name_ = path.string();
    f.map_ = std::move(m);
    f.parse();
    return f;
  }

  // Parses a GGUF image already in memory (tests, fuzzing, embedded data). The buffer is not
  // copied and must outlive the gguf_file and every view taken from it; `name` is used in errors.
  static gguf_file from_memory(const void* data, std::size_t size, std::string name = "<memory>") {
    gguf_file f;
    f.base_ = static_cast<const std::byte*>(data);
    f.size_ = size;
    f.name_ = std::move(name);
    f.parse();
    return f;
  }

  // True if the file starts with the GGUF magic (cheap sniffing; no validation).
  static bool has_magic(const std::filesystem::path& path) {
    mapped_file m(path);
    return m.size() >= 4 && std::string_view(reinterpret_cast<const char*>(m.data()), 4) == "GGUF";
  }

  gguf_file(gguf_file&&) noexcept = default;
  gguf_file& operator=(gguf_file&&) noexcept = default;
  gguf_file(const gguf_file&) = delete;
  gguf_file& operator=(const gguf_file&) = delete;

  const std::string& path() const noexcept { return name_; }
  std::uint32_t version() const noexcept { return version_; }
  std::size_t alignment() const noexcept { return alignment_; }
  // Absolute file offset of the data section (tensor offsets are relative to it).
  std::size_t data_offset() const noexcept { return data_offset_; }
  std::size_t file_size() const noexcept { return size_; }
  const std::byte* file_data() const noexcept { return base_; }

  // ---- metadata ----
  // All key/value pairs, in file order.
  const std::vector<gguf_kv>& metadata() const noexcept { return kv_; }
  const gguf_value* find(std::string_view key) const noexcept {
    auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kv_[it->second].value;
  }
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }

  // Typed getters. get<T>: nullopt when the key is absent; format_error naming the key when it is
  // present with another type or a value out of T's range. require<T>: format_error also when
  // absent. Integers convert between widths when the value fits; f32/f64 convert to either.
  template <class T>
  std::optional<T> get(std::string_view key) const {
    const gguf_value* v = find(key);
    if (!v) return std::nullopt;
    if (auto r = v->get<T>()) return r;
    throw format_error(name_, std::string(key), mismatch<T>(*v));
  }
  template <class T>
  T require(std::string_view key) const {
    if (auto r = get<T>(key)) return *r;
    throw format_error(name_, std::string(key), "required metadata key is missing");
  }
  template <class T>
  std::optional<std::vector<T>> get_array(std::string_view key) const {
    const gguf_value* v = find(key);
    if (!v) return std::nullopt;
    if (auto r = v->get_array<T>()) return r;
    throw format_error(name_, std::string(key), mismatch<T>(*v, true));
  }
  template <class T>
  std::vector<T> require_array(std::string_view key) const {
    if (auto r = get_array<T>(key)) return std::move(*r);
    throw format_error(name_, std::string(key), "required metadata key is missing");
  }
  // Zero-copy view of an array of strings (vocabularies); nullptr when absent, format_error when
  // present with another type.
  const std::vector<std::string>* get_string_array(std::string_view key) const {
    const gguf_value* v = find(key);
    if (!v) return nullptr;
    if (auto p = v->strings_ptr()) return p;
    throw format_error(name_, std::string(key),
                       "expected an array of string, found " + describe(*v));
  }

  std::optional<std::uint8_t> get_u8(std::string_view k) const { return get<std::uint8_t>(k); }
  std::optional<std::int8_t> get_i8(std::string_view k) const { return get<std::int8_t>(k); }
  std::optional<std::uint16_t> get_u16(std::string_view k) const { return get<std::uint16_t>(k); }
  std::optional<std::int16_t> get_i16(std::string_view k) const { return get<std::int16_t>(k); }
  std::optional<std::uint32_t> get_u32(std::string_view k) const { return get<std::uint32_t>(k); }
  std::optional<std::int32_t> get_i32(std::string_view k) const { return get<std::int32_t>(k); }
  std::optional<std::uint64_t> get_u64(std::string_view k) const { return get<std::uint64_t>(k); }
  std::optional<std::int64_t> get_i64(std::string_view k) const { return get<std::int64_t>(k); }
  std::optional<float> get_f32(std::string_view k) const { return get<float>(k); }
  std::optional<double> get_f64(std::string_view k) const { return get<double>(k); }
  std::optional<bool> get_bool(std::string_view k) const { return get<bool>(k); }
  std::optional<std::string> get_string(std::string_view k) const { return get<std::string>(k); }
  std::uint32_t require_u32(std::string_view k) const { return require<std::uint32_t>(k); }
  std::int32_t require_i32(std::string_view k) const { return require<std::int32_t>(k); }
  std::uint64_t require_u64(std::string_view k) const { return require<std::uint64_t>(k); }
  std::int64_t require_i64(std::string_view k) const { return require<std::int64_t>(k); }
  float require_f32(std::string_view k) const { return require<float>(k); }
  double require_f64(std::string_view k) const { return require<double>(k); }
  bool require_bool(std::string_view k) const { return require<bool>(k); }
  std::string require_string(std::string_view k) const { return require<std::string>(k); }

  // ---- tensors ----
  // All tensors in file order; shape in numpy order (ne reversed); data points into the mapping.
  const std::vector<tensor_view>& tensors() const noexcept { return tensors_; }
  const tensor_view* find_tensor(std::string_view name) const noexcept {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
  }
  // The tensor, or format_error naming it when the file has none of that name.
  const tensor_view& tensor(std::string_view name) const {
    if (auto t = find_tensor(name)) return *t;
    throw format_error(name_, "tensor '" + detail::printable(name) + "'",
                       "not present in the file");
  }

 private:
  gguf_file() = default;

  static std::string describe(const gguf_value& v) {
    if (v.is_array()) return "an array of " + std::string(gguf_type_name(v.element_type()));
    return std::string(gguf_type_name(v.type())) + " " + v.to_string(0);
  }
  template <class T>
  static std::string mismatch(const gguf_value& v, bool array = false) {
    std::string want;
    if constexpr (std::is_same_v<T, std::string>)
      want = "string";
    else if constexpr (std::is_same_v<T, bool>)
      want = "bool";
    else if constexpr (std::is_floating_point_v<T>)
      want = "f32 or f64";
    else
      want = std::string(std::is_signed_v<T> ? "i" : "u") + std::to_string(8 * sizeof(T));
    return std::string("expected ") + (array ? "an array of " : "") + want + ", found " +
           describe(v) + (array ? "" : " (wrong type or out of range)");
  }

  void parse() {
    detail::byte_cursor c(base_, size_, name_);
    const std::string_view magic = c.bytes(4, "magic");
    if (magic != "GGUF") c.fail("magic", "not a GGUF file (expected \"GGUF\")");
    version_ = c.read<std::uint32_t>("version");
    if (version_ == 1) throw unsupported_error(name_ + ": version: GGUF v1 is obsolete");
    if (version_ > 0xFFFF && ((version_ >> 24) == 2 || (version_ >> 24) == 3)) {
      throw unsupported_error(name_ + ": version: big-endian GGUF files are not supported");
    }
    if (version_ != 2 && version_ != 3) {
      c.fail("version", "unsupported GGUF version " + std::to_string(version_));
    }
    const std::uint64_t n_tensors = c.read<std::uint64_t>("n_tensors");
    const std::uint64_t n_kv = c.read<std::uint64_t>("n_kv");
    // The smallest key/value pair is an empty key (8) + type (4) + a u8 (1); the smallest tensor
    // info an empty name (8) + n_dims (4) + type (4) + offset (8).
    if (n_kv > c.remaining() / 13) {
      c.fail("n_kv", std::to_string(n_kv) + " key/value pairs cannot fit in the " +
                         std::to_string(c.remaining()) + " bytes left");
    }
    if (n_tensors > c.remaining() / 24) {
      c.fail("n_tensors", std::to_string(n_tensors) + " tensor infos cannot fit in the " +
                              std::to_string(c.remaining()) + " bytes left");
    }

    kv_.reserve(static_cast<std::size_t>(n_kv));
    for (std::uint64_t i = 0; i < n_kv; ++i) {
      auto kv_field = [i] { return "metadata[" + std::to_string(i) + "] key"; };
      std::string key(read_string(c, kv_field));
      auto field = [&key] { return "metadata '" + detail::printable(key) + "'"; };
      const auto type = c.read<std::uint32_t>([&] { return field() + " type"; });
      gguf_value value = read_value(c, type, key);
      if (!kv_index_.emplace(key, kv_.size()).second) c.fail(field, "duplicate key");
      kv_.push_back({std::move(key), std::move(value)});
    }

    alignment_ = gguf_default_alignment;
    if (const gguf_value* a = find("general.alignment")) {
      if (a->type() != gguf_type::u32) {
        c.fail("general.alignment", "must be a u32, found " + describe(*a));
      }
      const auto al = *a->get<std::uint64_t>();
      if (!detail::is_power_of_two(al)) {
        c.fail("general.alignment", std::to_string(al) + " is not a power of two");
      }
      alignment_ = static_cast<std::size_t>(al);
    }

    struct info {
      std::uint64_t offset;
    };
    std::vector<info> infos;
    infos.reserve(static_cast<std::size_t>(n_tensors));
    tensors_.reserve(static_cast<std::size_t>(n_tensors));
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
      auto name_field = [i] { return "tensor_infos[" + std::to_string(i) + "] name"; };
      std::string name(read_string(c, name_field));
      auto tf = [&name](const char* what) {
        return [&name, what] { return "tensor '" + detail::printable(name) + "' " + what; };
      };
      const auto n_dims = c.read<std::uint32_t>(tf("n_dims"));
      if (n_dims > gguf_max_dims) {
        c.fail(tf("n_dims"), std::to_string(n_dims) + " dimensions (at most 4 allowed)");
      }
      std::uint64_t ne[gguf_max_dims] = {1, 1, 1, 1};
      std::uint64_t numel = 1;
      for (std::uint32_t d = 0; d < n_dims; ++d) {
        auto nef = [&name, d] {
          return "tensor '" + detail::printable(name) + "' ne[" + std::to_string(d) + "]";
        };
        ne[d] = c.read<std::uint64_t>(nef);
        const auto prod = detail::checked_mul(numel, ne[d]);
        if (ne[d] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) || !prod ||
            *prod > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          c.fail(nef, "dimension " + std::to_string(ne[d]) + " makes the element count overflow");
        }
        numel = *prod;
      }
      const auto type_id = c.read<std::uint32_t>(tf("type"));
      if (!detail::is_ggml_type(type_id)) {
        c.fail(tf("type"), "unknown ggml type id " + std::to_string(type_id));
      }
      const auto type = static_cast<dtype>(type_id);
      const auto traits = *traits_of(type);
      const std::uint64_t offset = c.read<std::uint64_t>(tf("offset"));
      if (ne[0] % traits.block_size != 0) {
        c.fail(tf("ne[0]"), "row length " + std::to_string(ne[0]) + " is not a multiple of " +
                                std::string(traits.name) + "'s block size " +
                                std::to_string(traits.block_size));
      }
      const auto nbytes = bytes_for(type, numel);
      if (!nbytes) c.fail(tf("size"), "byte size overflows");
      if (offset % alignment_ != 0) {
        c.fail(tf("offset"), std::to_string(offset) + " is not a multiple of the alignment " +
                                 std::to_string(alignment_));
      }
      tensor_view t;
      t.name = name;
      t.type = type;
      t.nbytes = *nbytes;
      for (std::uint32_t d = n_dims; d-- > 0;) t.shape.push_back(static_cast<std::int64_t>(ne[d]));
      if (!tensor_index_.emplace(name, tensors_.size()).second) {
        c.fail(tf("name"), "duplicate tensor name");
      }
      tensors_.push_back(std::move(t));
      infos.push_back({offset});
    }

    const auto data_start = detail::checked_align_up(c.position(), alignment_);
    if (!data_start || (n_tensors > 0 && *data_start > size_)) {
      c.fail("data section", "starts beyond the end of the file (truncated after tensor infos)");
    }
    data_offset_ = static_cast<std::size_t>(std::min<std::uint64_t>(*data_start, size_));
    const std::uint64_t data_size = size_ - data_offset_;

    // Bounds, then overlap (sorted by offset) of every tensor's byte range.
    std::vector<std::size_t> order(tensors_.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      tensor_view& t = tensors_[i];
      const auto end = detail::checked_add(infos[i].offset, t.nbytes);
      if (!end || *end > data_size) {
        c.fail("tensor '" + detail::printable(t.name) + "' data",
               "bytes [" + std::to_string(infos[i].offset) + ", " +
                   (end ? std::to_string(*end) : std::string("overflow")) +
                   ") of the data section lie beyond its end (" + std::to_string(data_size) +
                   " bytes; file truncated?)");
      }
      t.data = base_ + data_offset_ + infos[i].offset;
      order[i] = i;
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return infos[a].offset < infos[b].offset; });
    for (std::size_t k = 1; k < order.size(); ++k) {
      const std::size_t prev = order[k - 1], cur = order[k];
      if (infos[prev].offset + tensors_[prev].nbytes > infos[cur].offset) {
        c.fail("tensor '" + detail::printable(tensors_[cur].name) + "' data",
               "overlaps tensor '" + detail::printable(tensors_[prev].name) + "'");
      }
    }
  }

  template <class Field>
  static std::string_view read_string(detail::byte_cursor& c, const Field& field) {
    const auto len = c.read<std::uint64_t>([&] { return detail::field_name(field) + " length"; });
    return c.bytes(len, field);
  }

  static gguf_value read_value(detail::byte_cursor& c, std::uint32_t type_id,
                               const std::string& key) {
    auto field = [&key] { return "metadata '" + detail::printable(key) + "'"; };
    if (!is_valid_gguf_type(type_id)) {
      c.fail([&] { return field() + " type"; }, "unknown value type " + std::to_string(type_id));
    }
    const auto type = static_cast<gguf_type>(type_id);
    if (type != gguf_type::array) return read_scalar(c, type, field);

    const auto elem_id = c.read<std::uint32_t>([&] { return field() + " element type"; });
    if (!is_valid_gguf_type(elem_id)) {
      c.fail([&] { return field() + " element type"; },
             "unknown value type " + std::to_string(elem_id));
    }
    const auto elem = static_cast<gguf_type>(elem_id);
    if (elem == gguf_type::array) {
      c.fail([&] { return field() + " element type"; }, "nested arrays are not allowed");
    }
    const auto n = c.read<std::uint64_t>([&] { return field() + " length"; });
    const std::size_t min_size = elem == gguf_type::string ? 8 : gguf_scalar_size(elem);
    if (n > c.remaining() / min_size) {
      c.fail([&] { return field() + " length"; },
             std::to_string(n) + " elements of " + std::string(gguf_type_name(elem)) +
                 " cannot fit in the " + std::to_string(c.remaining()) + " bytes left");
    }
    auto read_all = [&](auto tag) {
      using W = decltype(tag);
      std::vector<W> out;
      out.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        auto ef = [&, i] { return field() + "[" + std::to_string(i) + "]"; };
        out.push_back(std::get<W>(read_scalar(c, elem, ef).raw()));
      }
      return gguf_value::array_of(elem, std::move(out));
    };
    if (elem == gguf_type::string) {
      std::vector<std::string> out;
      out.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        out.emplace_back(
            read_string(c, [&, i] { return field() + "[" + std::to_string(i) + "]"; }));
      }
      return gguf_value::array_of(elem, std::move(out));
    }
    if (detail::gguf_is_float(elem)) return read_all(double{});
    if (detail::gguf_is_signed(elem)) return read_all(std::int64_t{});
    return read_all(std::uint64_t{});
  }

  template <class Field>
  static gguf_value read_scalar(detail::byte_cursor& c, gguf_type type, const Field& field) {
    switch (type) {
      case gguf_type::u8:
        return gguf_value(c.read<std::uint8_t>(field));
      case gguf_type::i8:
        return gguf_value(c.read<std::int8_t>(field));
      case gguf_type::u16:
        return gguf_value(c.read<std::uint16_t>(field));
      case gguf_type::i16:
        return gguf_value(c.read<std::int16_t>(field));
      case gguf_type::u32:
        return gguf_value(c.read<std::uint32_t>(field));
      case gguf_type::i32:
        return gguf_value(c.read<std::int32_t>(field));
      case gguf_type::u64:
        return gguf_value(c.read<std::uint64_t>(field));
      case gguf_type::i64:
        return gguf_value(c.read<std::int64_t>(field));
      case gguf_type::f32:
        return gguf_value(c.read<float>(field));
      case gguf_type::f64:
        return gguf_value(c.read<double>(field));
      case gguf_type::boolean: {
        const auto b = c.read<std::uint8_t>(field);
        if (b > 1) c.fail(field, "bool value " + std::to_string(b) + " is neither 0 nor 1");
        return gguf_value(b != 0);
      }
      case gguf_type::string:
        return gguf_value(std::string(read_string(c, field)));
      case gguf_type::array:
        break;
    }
    c.fail(field, "nested arrays are not allowed");
  }

  mapped_file map_;
  const std::byte* base_ = nullptr;
  std::size_t size_ = 0;
  std::string name_;
  std::uint32_t version_ = 0;
  std::size_t alignment_ = gguf_default_alignment;
  std::size_t data_offset_ = 0;
  std::vector<gguf_kv> kv_;
  std::map<std::string, std::size_t, std::less<>> kv_index_;
  std::vector<tensor_view> tensors_;
  std::map<std::string, std::size_t, std::less<>> tensor_index_;
};

}  // namespace flipside
