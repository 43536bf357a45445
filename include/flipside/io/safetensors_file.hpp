// safetensors reader: a single .safetensors file, a sharded checkpoint (an
// `model.safetensors.index.json` whose weight_map names the shard of every tensor), or a Hugging
// Face model directory holding either. Files are memory-mapped; tensor_views point into them.
//
// File layout (safetensors spec, huggingface/safetensors README "Format"):
//   1. uint64 N, little-endian: the size of the JSON header
//   2. N bytes of UTF-8 JSON (writers pad it with spaces to a multiple of 8), an object:
//        "__metadata__": {string: string}                 optional, free-form
//        "<tensor name>": {"dtype": "F32", "shape": [d0, d1, …],
//                          "data_offsets": [begin, end]}  one per tensor
//   3. the data section: tensor bytes, row-major (numpy order, shape as written), little-endian;
//      offsets are relative to the start of this section (byte 8 + N of the file).
//
// Untrusted input: the header length is checked against the file size (and capped at 100 MB like
// the reference implementation), the JSON is parsed by simdjson (DOM), every field is type-checked,
// each tensor's [begin, end) must lie inside the data section, have end − begin = numel × element
// size (overflow-checked), and not overlap another tensor. Violations throw format_error naming the
// file and the tensor/field; a dtype safetensors has but flipside lacks (U32, F8_E4M3, …) throws
// unsupported_error. Tensor data pointers are aligned only as well as the writer aligned them
// (the data section starts at 8 + N; tensors are not padded): read with unaligned loads or memcpy.
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

#include <simdjson.h>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>
#include <flipside/io/byte_cursor.hpp>
#include <flipside/io/checked_arith.hpp>
#include <flipside/io/mapped_file.hpp>
#include <flipside/io/safetensors_dtype.hpp>

namespace flipside {

inline constexpr std::uint64_t safetensors_max_header = 100'000'000;
inline constexpr const char* safetensors_index_name = "model.safetensors.index.json";

class safetensors_file {
 public:
  // Opens a .safetensors file, a *.safetensors.index.json, or a directory containing
  // model.safetensors.index.json, model.safetensors, or exactly one *.safetensors file.
  static safetensors_file open(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    safetensors_file f;
    f.name_ = path.string();
    if (fs::is_directory(path)) {
      if (fs::exists(path / safetensors_index_name)) {
        f.open_index(path / safetensors_index_name);
      } else if (fs::exists(path / "model.safetensors")) {
        f.open_shard(path / "model.safetensors");
      } else {
        std::vector<fs::path> found;
        for (const auto& e : fs::directory_iterator(path)) {
          if (e.path().extension() == ".safetensors") found.push_back(e.path());
        }
        if (found.size() != 1) {
          throw format_error(f.name_, "directory",
                             found.empty() ? std::string("holds no .safetensors file")
                                           : "holds several .safetensors files but no " +
                                                 std::string(safetensors_index_name));
        }
        f.open_shard(found.front());
      }
    } else if (path.string().size() >= 11 &&
               path.string().compare(path.string().size() - 11, 11, ".index.json") == 0) {
      f.open_index(path);
    } else {
      f.open_shard(path);
    }
    return f;
  }

  // Parses a safetensors image already in memory (not copied: it must outlive the object).
  static safetensors_file from_memory(const void* data, std::size_t size,
                                      std::string name = "<memory>") {
    safetensors_file f;
    f.name_ = name;
    f.files_.push_back(name);
    f.parse(static_cast<const std::byte*>(data), size, name);
    return f;
  }

  safetensors_file(safetensors_file&&) noexcept = default;
  safetensors_file& operator=(safetensors_file&&) noexcept = default;
  safetensors_file(const safetensors_file&) = delete;
  safetensors_file& operator=(const safetensors_file&) = delete;

  // The path given to open() (file, index or directory).
  const std::string& path() const noexcept { return name_; }
  // The data files actually read (one, or every shard).
  const std::vector<std::string>& files() const noexcept { return files_; }

  // All tensors: shard by shard (shards in sorted file-name order), each in header order.
  const std::vector<tensor_view>& tensors() const noexcept { return tensors_; }
  const tensor_view* find_tensor(std::string_view name) const noexcept {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
  }
  const tensor_view& tensor(std::string_view name) const {
    if (auto t = find_tensor(name)) return *t;
    throw format_error(name_, "tensor '" + detail::printable(name) + "'", "not present");
  }
  // The file a tensor was read from (for error messages).
  const std::string& file_of(std::string_view tensor_name) const {
    auto it = index_.find(tensor_name);
    if (it == index_.end()) {
      throw argument_error("safetensors_file::file_of: no tensor '" +
                           detail::printable(tensor_name) + "' in " + name_);
    }
    return files_[file_of_[it->second]];
  }

  // The "__metadata__" string map (merged over shards; the first shard defining a key wins).
  const std::map<std::string, std::string, std::less<>>& metadata() const noexcept {
    return metadata_;
  }
  std::optional<std::string> get_metadata(std::string_view key) const {
    auto it = metadata_.find(key);
    if (it == metadata_.end()) return std::nullopt;
    return it->second;
  }

 private:
  safetensors_file() = default;

  void open_shard(const std::filesystem::path& p) {
    mapped_file m(p);
    const std::byte* base = m.data();
    const std::size_t size = m.size();
    maps_.push_back(std::move(m));
    files_.push_back(p.string());
    parse(base, size, p.string());
  }

  void open_index(const std::filesystem::path& index_path) {
    namespace dom = simdjson::dom;
    const std::string iname = index_path.string();
    mapped_file m(index_path);
    dom::parser parser;
    dom::element root;
    if (auto err = parser.parse(reinterpret_cast<const char*>(m.data()), m.size()).get(root)) {
      throw format_error(iname, "json", simdjson::error_message(err));
    }
    dom::object wm;
    if (root["weight_map"].get_object().get(wm)) {
      throw format_error(iname, "weight_map", "missing or not an object");
    }
    std::map<std::string, std::string> tensor_to_file;
    std::vector<std::string> shard_names;
    for (auto field : wm) {
      std::string_view file;
      if (field.value.get_string().get(file)) {
        throw format_error(iname, "weight_map['" + detail::printable(field.key) + "']",
                           "not a string");
      }
      // Shards live beside the index: a hostile index must not point elsewhere.
      if (file.empty() || file == "." || file == ".." ||
          file.find_first_of("/\\") != std::string_view::npos || file.find('\0') != file.npos) {
        throw format_error(iname, "weight_map['" + detail::printable(field.key) + "']",
                           "'" + detail::printable(file) + "' is not a plain file name");
      }
      if (!tensor_to_file.emplace(std::string(field.key), std::string(file)).second) {
        throw format_error(iname, "weight_map['" + detail::printable(field.key) + "']",
                           "duplicate tensor name");
      }
      shard_names.emplace_back(file);
    }
    if (tensor_to_file.empty()) throw format_error(iname, "weight_map", "is empty");
    std::sort(shard_names.begin(), shard_names.end());
    shard_names.erase(std::unique(shard_names.begin(), shard_names.end()), shard_names.end());
    for (const auto& s : shard_names) open_shard(index_path.parent_path() / s);
    for (const auto& [tensor, file] : tensor_to_file) {
      auto it = index_.find(tensor);
      const std::string expected = (index_path.parent_path() / file).string();
      if (it == index_.end() || files_[file_of_[it->second]] != expected) {
        throw format_error(iname, "weight_map['" + detail::printable(tensor) + "']",
                           "tensor not found in " + expected);
      }
    }
  }

  void parse(const std::byte* base, std::size_t size, const std::string& file) {
    namespace dom = simdjson::dom;
    const std::size_t file_index = files_.size() - 1;
    detail::byte_cursor c(base, size, file);
    const auto n = c.read<std::uint64_t>("header length");
    if (n > c.remaining()) {
      c.fail("header length", std::to_string(n) + " exceeds the " + std::to_string(c.remaining()) +
                                  " bytes after it (truncated or not a safetensors file)");
    }
    if (n > safetensors_max_header) {
      c.fail("header length", std::to_string(n) + " exceeds the 100 MB limit");
    }
    const std::string_view json = c.bytes(n, "header");
    const std::uint64_t data_size = c.remaining();
    const std::byte* data = base + 8 + n;

    dom::parser parser;
    dom::element root;
    if (auto err = parser.parse(json.data(), json.size()).get(root)) {
      c.fail("header", std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    dom::object obj;
    if (root.get_object().get(obj)) c.fail("header", "not a JSON object");

    struct range {
      std::uint64_t begin, end;
      std::size_t tensor;
    };
    std::vector<range> ranges;
    for (auto field : obj) {
      const std::string name(field.key);
      if (name == "__metadata__") {
        dom::object meta;
        if (field.value.get_object().get(meta)) c.fail("__metadata__", "not an object");
        for (auto kv : meta) {
          std::string_view v;
          if (kv.value.get_string().get(v)) {
            c.fail("__metadata__['" + detail::printable(kv.key) + "']", "not a string");
          }
          metadata_.emplace(std::string(kv.key), std::string(v));
        }
        continue;
      }
      auto tf = [&name](const char* what) {
        return "tensor '" + detail::printable(name) + "' " + what;
      };
      dom::object info;
      if (field.value.get_object().get(info)) c.fail(tf("entry"), "not an object");

      std::string_view dtype_str;
      if (info["dtype"].get_string().get(dtype_str)) {
        c.fail(tf("dtype"), "missing or not a string");
      }
      const auto type = dtype_from_safetensors(dtype_str);
      if (!type) {
        if (is_known_safetensors_dtype(dtype_str)) {
          throw unsupported_error(file + ": " + tf("dtype") + ": safetensors dtype " +
                                  std::string(dtype_str) + " is not supported");
        }
        c.fail(tf("dtype"), "unknown dtype '" + detail::printable(dtype_str) + "'");
      }

      dom::array shape;
      if (info["shape"].get_array().get(shape)) c.fail(tf("shape"), "missing or not an array");
      tensor_view t;
      t.name = name;
      t.type = *type;
      std::uint64_t numel = 1;
      for (dom::element d : shape) {
        std::uint64_t v;
        if (d.get_uint64().get(v)) c.fail(tf("shape"), "dimensions must be non-negative integers");
        const auto p = detail::checked_mul(numel, v);
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) || !p ||
            *p > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          c.fail(tf("shape"), "element count overflows");
        }
        numel = *p;
        t.shape.push_back(static_cast<std::int64_t>(v));
        if (t.shape.size() > 16) c.fail(tf("shape"), "more than 16 dimensions");
      }

      dom::array offs;
      if (info["data_offsets"].get_array().get(offs) || offs.size() != 2) {
        c.fail(tf("data_offsets"), "missing or not an array [begin, end]");
      }
      std::uint64_t begin, end;
      if (offs.at(0).get_uint64().get(begin) || offs.at(1).get_uint64().get(end)) {
        c.fail(tf("data_offsets"), "must be non-negative integers");
      }
      if (begin > end || end > data_size) {
        c.fail(tf("data_offsets"), "[" + std::to_string(begin) + ", " + std::to_string(end) +
                                       ") is not inside the data section of " +
                                       std::to_string(data_size) + " bytes (truncated file?)");
      }
      const auto nbytes = bytes_for(t.type, numel);
      if (!nbytes || *nbytes != end - begin) {
        c.fail(tf("data_offsets"),
               "holds " + std::to_string(end - begin) + " bytes but shape and dtype need " +
                   (nbytes ? std::to_string(*nbytes) : std::string("an overflowing size")));
      }
      t.data = data + begin;
      t.nbytes = *nbytes;
      if (!index_.emplace(name, tensors_.size()).second) {
        c.fail(tf("name"), "duplicate tensor name");
      }
      ranges.push_back({begin, end, tensors_.size()});
      tensors_.push_back(std::move(t));
      file_of_.push_back(file_index);
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const range& a, const range& b) { return a.begin < b.begin; });
    for (std::size_t k = 1; k < ranges.size(); ++k) {
      if (ranges[k - 1].end > ranges[k].begin) {
        c.fail("tensor '" + detail::printable(tensors_[ranges[k].tensor].name) + "' data_offsets",
               "overlaps tensor '" + detail::printable(tensors_[ranges[k - 1].tensor].name) + "'");
      }
    }
  }

  std::string name_;
  std::vector<mapped_file> maps_;
  std::vector<std::string> files_;
  std::vector<tensor_view> tensors_;
  std::vector<std::size_t> file_of_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::string, std::string, std::less<>> metadata_;
};

}  // namespace flipside
