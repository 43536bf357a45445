// Compile-time policies of flipside::attention: which keys a query sees (mask) and how the softmax
// over them is computed (algorithm). Each policy is a small tag type; the defaults make the common
// call `flipside::attention(q, k, v, out)` need no template arguments at all.
//
// Positions: key j sits at absolute position j (0 ≤ j < L, L = keys in the cache); query t of a
// call sits at absolute position p = params.position + t. A mask maps p to one contiguous range
// [lo, hi) of visible keys — so a decode step against a cache of length L is the same call as a
// prefill, with position = L − 1 and one query.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

namespace flipside {

// Every key sees every key (encoders, cross-attention): [0, L).
struct full {
  static constexpr std::size_t lo(std::size_t, std::size_t) noexcept { return 0; }
  static constexpr std::size_t hi(std::size_t, std::size_t n_keys) noexcept { return n_keys; }
};

// Autoregressive: query at position p sees keys 0 ≤ j ≤ p.
struct causal {
  static constexpr std::size_t lo(std::size_t, std::size_t) noexcept { return 0; }
  static constexpr std::size_t hi(std::size_t p, std::size_t n_keys) noexcept {
    return std::min(p + 1, n_keys);
  }
};

namespace detail {
// The W most recent keys up to and including p: p − W < j ≤ p (Mistral, Gemma 2's local layers;
// HF's sliding_window has the same meaning).
constexpr std::size_t window_lo(std::size_t p, std::size_t w) noexcept {
  return p + 1 > w ? p + 1 - w : 0;
}
}  // namespace detail

// Causal attention restricted to the last W positions, W fixed at compile time.
template <std::size_t W>
struct sliding_window {
  static_assert(W > 0, "a sliding window holds at least the query's own position");
  static constexpr std::size_t window = W;
  static constexpr std::size_t lo(std::size_t p, std::size_t) noexcept {
    return detail::window_lo(p, W);
  }
  static constexpr std::size_t hi(std::size_t p, std::size_t n_keys) noexcept {
    return causal::hi(p, n_keys);
  }
};

// Causal attention restricted to the last `attention_params::window` positions, chosen at run
// time (a model config value); window 0 means no limit (plain causal), which lets one call serve
// the alternating local/global layers of Gemma 2.
struct runtime_window {};

// Softmax algorithms.
//
// two_pass: per query, materialise the whole row of scores s_j, then m = max s, p_j = e^{s_j−m}/Σ,
// out = Σ p_j v_j. Memory O(L) per query row in flight.
struct two_pass {};

// online<Tile>: stream over KV tiles of Tile keys keeping a running max m, running sum l and an
// unnormalised output o, rescaled by e^{m_old − m_new} when the max grows (Milakov & Gimelshein
// 2018, "Online normalizer calculation for softmax"; Dao et al. 2022, FlashAttention). Scores of
// a query block are never materialised beyond one tile, so T×T never exists.
template <std::size_t Tile = 64>
struct online {
  static_assert(Tile > 0, "a tile holds at least one key");
  static constexpr std::size_t tile = Tile;
};

using default_mask = causal;
using default_softmax = online<64>;

namespace detail {
template <class T>
struct is_online : std::false_type {};
template <std::size_t Tile>
struct is_online<online<Tile>> : std::true_type {};
}  // namespace detail

}  // namespace flipside
