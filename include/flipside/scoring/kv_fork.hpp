// A compact fork of a KV cache: the first n positions of every layer copied into a new cache of
// just the capacity a continuation needs.
//
// Copying a kv_cache copies its whole capacity; label options are continuations of a prompt that
// may sit in a large cache (a prefix tree's block, a cache sized for the longest prompt), and each
// extra option in a batched forward needs its own cache holding the prompt. Copying only the n
// valid rows keeps a fork at n·n_layers·2·n_kv_heads·head_dim elements — for Qwen2.5-0.5B and a
// 1000-token prompt about 24 MB in f32, far less than the ~700 MB of weights one extra forward
// call would read.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <flipside/attention/detail/element.hpp>
#include <flipside/attention/kv_cache.hpp>
#include <flipside/core/error.hpp>

namespace flipside {

template <class E>
kv_cache<E> fork_prefix(const kv_cache<E>& src, std::size_t n, std::size_t capacity) {
  if (n > src.size())
    throw argument_error("fork_prefix: " + std::to_string(n) +
                         " positions requested from a cache of " + std::to_string(src.size()));
  if (capacity < n)
    throw argument_error("fork_prefix: capacity " + std::to_string(capacity) + " < " +
                         std::to_string(n) + " positions");
  if (src.n_layers() == 0) return kv_cache<E>();
  const std::size_t nkv = src.layer(0).n_kv_heads(), hd = src.layer(0).head_dim();
  kv_cache<E> dst(src.n_layers(), capacity, nkv, hd);
  const std::size_t rs = nkv * hd;
  std::vector<float> k, v;  // 16-bit elements go through f32, which holds them exactly
  for (std::size_t l = 0; l < src.n_layers(); ++l) {
    const kv_cache_layer<E>& s = src.layer(l);
    kv_cache_layer<E>& d = dst.layer(l);
    if constexpr (std::is_same_v<E, float>) {
      d.append(s.keys(), s.values(), n);
    } else {
      constexpr std::size_t chunk = 64;  // rows per conversion
      k.resize(chunk * rs);
      v.resize(chunk * rs);
      for (std::size_t r = 0; r < n; r += chunk) {
        const std::size_t m = std::min(chunk, n - r);
        for (std::size_t i = 0; i < m * rs; ++i) {
          k[i] = detail::to_f32(s.keys()[r * rs + i]);
          v[i] = detail::to_f32(s.values()[r * rs + i]);
        }
        d.append(k.data(), v.data(), m);
      }
    }
  }
  return dst;
}

namespace detail {

// Truncates a cache back to a size when leaving a scope (normal exit or exception).
template <class E>
struct cache_restore {
  kv_cache<E>& cache;
  std::size_t size;
  ~cache_restore() {
    if (cache.size() > size) cache.truncate(size);
  }
};

}  // namespace detail

}  // namespace flipside
