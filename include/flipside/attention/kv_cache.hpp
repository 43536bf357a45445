// Key/value cache: per layer, K and V buffers [capacity, n_kv_heads, head_dim] of element type E
// (float, or a 16-bit storage type halving the memory traffic of decode). Rows 0 … size()−1 hold
// the keys/values of positions 0 … size()−1, already rotated (RoPE) by the caller.
//
// Prompt-prefix reuse: evaluate a shared prefix once, remember n = size(), and after each
// suffix call truncate(n) — the prefix rows stay, nothing is copied.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <flipside/attention/detail/element.hpp>
#include <flipside/core/error.hpp>

namespace flipside {

// A read-only view of the first `size` positions of one layer's cache, what attention reads.
template <class E>
struct kv_view {
  const E* keys = nullptr;    // [size, n_kv_heads, head_dim], row j at keys + j·row_stride
  const E* values = nullptr;  // same layout
  std::size_t size = 0;
  std::size_t n_kv_heads = 0;
  std::size_t head_dim = 0;
  std::size_t row_stride = 0;  // elements between positions; n_kv_heads·head_dim when packed
};

template <class E = float>
class kv_cache_layer {
  static_assert(detail::is_kv_element<E>, "KV elements are float, f16 or bf16");

 public:
  using element_type = E;

  kv_cache_layer() = default;
  kv_cache_layer(std::size_t capacity, std::size_t n_kv_heads, std::size_t head_dim)
      : capacity_(capacity), n_kv_heads_(n_kv_heads), head_dim_(head_dim) {
    if (n_kv_heads == 0 || head_dim == 0)
      throw argument_error("kv_cache_layer: n_kv_heads and head_dim must be positive");
    keys_.resize(capacity * row_size());
    values_.resize(capacity * row_size());
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t n_kv_heads() const noexcept { return n_kv_heads_; }
  std::size_t head_dim() const noexcept { return head_dim_; }
  std::size_t row_size() const noexcept { return n_kv_heads_ * head_dim_; }

  // Appends n positions: k_rows and v_rows are [n, n_kv_heads, head_dim] f32, consecutive rows
  // `src_stride` floats apart (0: packed), e.g. slices of a fused QKV projection output.
  void append(const float* k_rows, const float* v_rows, std::size_t n, std::size_t src_stride = 0) {
    const std::size_t rs = row_size();
    if (src_stride == 0) src_stride = rs;
    if (src_stride < rs) throw argument_error("kv_cache_layer::append: src_stride < row size");
    if (n > capacity_ - size_)
      throw argument_error("kv_cache_layer::append: " + std::to_string(n) + " positions after " +
                           std::to_string(size_) + " exceed the capacity " +
                           std::to_string(capacity_));
    for (std::size_t i = 0; i < n; ++i) {
      E* k = keys_.data() + (size_ + i) * rs;
      E* v = values_.data() + (size_ + i) * rs;
      if constexpr (std::is_same_v<E, float>) {
        // f32 rows are copied as they are. (Through simd::convert, GCC 12 inlines its 64-byte
        // vector loop into callers with shorter rows and -Warray-bounds flags the loop it cannot
        // prove unreachable — the attention tests' 12-float rows under -march=native on AVX-512.)
        std::copy(k_rows + i * src_stride, k_rows + i * src_stride + rs, k);
        std::copy(v_rows + i * src_stride, v_rows + i * src_stride + rs, v);
      } else {
        detail::convert_from_f32(k_rows + i * src_stride, k, rs);
        detail::convert_from_f32(v_rows + i * src_stride, v, rs);
      }
    }
    size_ += n;
  }

  // Keeps positions 0 … n−1 (a shared prompt prefix) and forgets the rest.
  void truncate(std::size_t n) {
    if (n > size_)
      throw argument_error("kv_cache_layer::truncate: " + std::to_string(n) + " > size " +
                           std::to_string(size_));
    size_ = n;
  }
  void clear() noexcept { size_ = 0; }

  // Row j of keys()/values() is position j; valid for j < size().
  const E* keys() const noexcept { return keys_.data(); }
  const E* values() const noexcept { return values_.data(); }
  E* keys() noexcept { return keys_.data(); }
  E* values() noexcept { return values_.data(); }

  kv_view<E> view() const noexcept {
    return {keys_.data(), values_.data(), size_, n_kv_heads_, head_dim_, row_size()};
  }

 private:
  std::vector<E> keys_;
  std::vector<E> values_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::size_t n_kv_heads_ = 0;
  std::size_t head_dim_ = 0;
};

// The caches of all layers of a model, same shape per layer. A forward pass appends to each layer
// in turn, so between layers their sizes differ; size() is what every layer holds.
template <class E = float>
class kv_cache {
 public:
  using element_type = E;

  kv_cache() = default;
  kv_cache(std::size_t n_layers, std::size_t capacity, std::size_t n_kv_heads,
           std::size_t head_dim) {
    layers_.reserve(n_layers);
    for (std::size_t i = 0; i < n_layers; ++i) layers_.emplace_back(capacity, n_kv_heads, head_dim);
  }

  std::size_t n_layers() const noexcept { return layers_.size(); }
  std::size_t capacity() const noexcept { return layers_.empty() ? 0 : layers_[0].capacity(); }

  // Positions held by every layer (the minimum over layers).
  std::size_t size() const noexcept {
    if (layers_.empty()) return 0;
    std::size_t n = layers_[0].size();
    for (const auto& l : layers_) n = l.size() < n ? l.size() : n;
    return n;
  }

  kv_cache_layer<E>& layer(std::size_t i) { return layers_.at(i); }
  const kv_cache_layer<E>& layer(std::size_t i) const { return layers_.at(i); }
  kv_cache_layer<E>& operator[](std::size_t i) noexcept { return layers_[i]; }
  const kv_cache_layer<E>& operator[](std::size_t i) const noexcept { return layers_[i]; }

  // Keeps positions 0 … n−1 in every layer; n must not exceed size().
  void truncate(std::size_t n) {
    if (n > size())
      throw argument_error("kv_cache::truncate: " + std::to_string(n) + " > size " +
                           std::to_string(size()));
    for (auto& l : layers_) l.truncate(n);
  }
  void clear() noexcept {
    for (auto& l : layers_) l.clear();
  }

 private:
  std::vector<kv_cache_layer<E>> layers_;
};

}  // namespace flipside
