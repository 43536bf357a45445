// A prefix tree (radix tree) of KV-cache blocks: the keys and values of token sequences already
// run through a model, stored once per distinct prefix, so that a later prompt starting with a
// stored prefix skips those positions (SGLang's RadixAttention idea: Zheng et al. 2023,
// arXiv 2312.07104).
//
// Each node holds a run of tokens (the edge label) and their K/V rows for every layer; a node's
// tokens continue its parent's. Children are keyed by their first token, so a lookup walks one
// path and the longest stored prefix of any sequence is found in O(its length). Where a new
// sequence diverges inside a node, the node is split in two.
//
// Why it is correct: in a causal decoder the K/V rows of position j are a function of tokens 0 … j
// only, so rows computed for one prompt are the rows of any other prompt with the same first j + 1
// tokens. (They are bitwise the rows a from-scratch run computes as long as the runtime's result
// for a row does not depend on which other rows share its forward call; the tests compare.)
//
// Memory: the stored rows are bounded by `max_bytes`; inserting beyond it evicts least recently
// used leaves first (a leaf's rows are needed by nobody else; its parent may become a leaf in
// turn). Lookups mark the nodes they pass as used. A sequence longer than the whole bound is not
// stored.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <type_traits>
#include <vector>

#include <flipside/attention/detail/element.hpp>
#include <flipside/attention/kv_cache.hpp>
#include <flipside/core/error.hpp>

namespace flipside {

struct prefix_tree_stats {
  std::uint64_t lookups = 0;
  std::uint64_t reused_tokens = 0;   // positions copied out of the tree instead of computed
  std::uint64_t stored_tokens = 0;   // positions ever inserted
  std::uint64_t evicted_tokens = 0;  // positions dropped by eviction
  std::size_t nodes = 0;             // nodes now (the root excluded)
  std::size_t bytes = 0;             // K/V bytes now
  std::size_t peak_bytes = 0;
};

template <class E = float>
class prefix_tree {
 public:
  // `n_layers`, `row_size` (= n_kv_heads · head_dim): the shape of the caches it serves.
  prefix_tree(std::size_t n_layers, std::size_t row_size, std::size_t max_bytes)
      : n_layers_(n_layers), row_(row_size), max_bytes_(max_bytes) {
    if (n_layers == 0 || row_size == 0)
      throw argument_error("prefix_tree: n_layers and row_size must be positive");
  }

  prefix_tree(const prefix_tree&) = delete;
  prefix_tree& operator=(const prefix_tree&) = delete;

  const prefix_tree_stats& stats() const noexcept { return stats_; }
  std::size_t max_bytes() const noexcept { return max_bytes_; }
  // K/V bytes of one stored position.
  std::size_t bytes_per_token() const noexcept { return 2 * n_layers_ * row_ * sizeof(E); }

  // The length of the longest stored prefix of tokens[0, n); marks its nodes as used.
  std::size_t match(const std::int32_t* tokens, std::size_t n) {
    ++stats_.lookups;
    ++tick_;
    const walk w = descend(tokens, n);
    return w.pos + w.partial;
  }

  // Appends the stored rows of positions [from, to) of `tokens` to `cache`, which must hold
  // exactly `from` positions; tokens[0, to) must be stored (to ≤ match(tokens, to)).
  void copy_to(const std::int32_t* tokens, std::size_t from, std::size_t to, kv_cache<E>& cache) {
    if (cache.size() != from)
      throw argument_error("prefix_tree::copy_to: the cache holds " + std::to_string(cache.size()) +
                           " positions, not " + std::to_string(from));
    if (cache.n_layers() != n_layers_)
      throw argument_error("prefix_tree::copy_to: cache of another model shape");
    std::size_t pos = 0;
    node* cur = &root_;
    while (pos < to) {
      const auto it = cur->children.find(tokens[pos]);
      if (it == cur->children.end()) throw argument_error("prefix_tree::copy_to: not stored");
      node* child = it->second.get();
      const std::size_t len = child->tokens.size();
      const std::size_t l = common_length(child->tokens, tokens + pos, to - pos);
      if (l < std::min(len, to - pos)) throw argument_error("prefix_tree::copy_to: not stored");
      const std::size_t b = std::max(pos, from), e = std::min(pos + len, to);
      if (b < e) append_rows(*child, b - pos, e - b, cache);
      pos += len;
      cur = child;
    }
    stats_.reused_tokens += to - from;
  }

  // Stores positions [0, n) of `tokens`, whose K/V rows `cache` holds (cache.size() ≥ n). Only
  // the part not stored yet is copied.
  void insert(const std::int32_t* tokens, std::size_t n, const kv_cache<E>& cache) {
    if (cache.size() < n)
      throw argument_error("prefix_tree::insert: the cache holds fewer than " + std::to_string(n) +
                           " positions");
    if (n == 0 || n * bytes_per_token() > max_bytes_) return;
    ++tick_;
    const walk w = descend(tokens, n);
    node* cur = w.parent;
    std::size_t pos = w.pos;
    if (w.child != nullptr) {              // diverges inside w.child: split it where the paths part
      if (w.pos + w.partial == n) return;  // already stored, inside this node
      split(*w.child, w.partial);
      cur = w.child;
      pos += w.partial;
    }
    if (pos == n) return;
    // Make room first (never evicting the path just walked: it carries the current tick).
    const std::size_t need = (n - pos) * bytes_per_token();
    evict_until(max_bytes_ - std::min(max_bytes_, need));
    if (stats_.bytes + need > max_bytes_) return;
    auto leaf = std::make_unique<node>();
    leaf->parent = cur;
    leaf->last_use = tick_;
    leaf->tokens.assign(tokens + pos, tokens + n);
    const std::size_t len = n - pos;
    leaf->kv.resize(2 * n_layers_ * len * row_);
    for (std::size_t l = 0; l < n_layers_; ++l) {
      const kv_cache_layer<E>& src = cache.layer(l);
      std::copy(src.keys() + pos * row_, src.keys() + n * row_, leaf->keys(l, len, row_));
      std::copy(src.values() + pos * row_, src.values() + n * row_, leaf->values(l, len, row_));
    }
    stats_.bytes += need;
    stats_.stored_tokens += len;
    stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.bytes);
    ++stats_.nodes;
    cur->children.emplace(leaf->tokens.front(), std::move(leaf));
  }

  // Drops every stored row.
  void clear() {
    root_.children.clear();
    stats_.bytes = 0;
    stats_.nodes = 0;
  }

 private:
  struct node;
  // Where a walk down the tree along tokens[0, n) stops: the last node fully matched (`parent`,
  // holding tokens[0, pos)) and, when the tokens diverge from or end inside one of its children,
  // that child and how many of its tokens matched (0 < partial < its length).
  struct walk {
    node* parent;
    std::size_t pos;
    node* child;
    std::size_t partial;
  };

  // Walks the tree along tokens[0, n), marking every node it enters with the current tick.
  walk descend(const std::int32_t* tokens, std::size_t n) {
    std::size_t pos = 0;
    node* cur = &root_;
    while (pos < n) {
      const auto it = cur->children.find(tokens[pos]);
      if (it == cur->children.end()) break;
      node* child = it->second.get();
      child->last_use = tick_;
      const std::size_t l = common_length(child->tokens, tokens + pos, n - pos);
      if (l < child->tokens.size()) return {cur, pos, child, l};
      pos += l;
      cur = child;
    }
    return {cur, pos, nullptr, 0};
  }

  struct node {
    std::vector<std::int32_t> tokens;
    // Per layer l: K rows [len, row] at kv[2·l·len·row], then V rows [len, row].
    std::vector<E> kv;
    node* parent = nullptr;
    std::map<std::int32_t, std::unique_ptr<node>> children;
    std::uint64_t last_use = 0;

    E* keys(std::size_t l, std::size_t len, std::size_t row) {
      return kv.data() + 2 * l * len * row;
    }
    E* values(std::size_t l, std::size_t len, std::size_t row) {
      return kv.data() + (2 * l + 1) * len * row;
    }
  };

  static std::size_t common_length(const std::vector<std::int32_t>& a, const std::int32_t* b,
                                   std::size_t n) {
    const std::size_t m = std::min(a.size(), n);
    std::size_t i = 0;
    while (i < m && a[i] == b[i]) ++i;
    return i;
  }

  // Rows [first, first + count) of node `nd` appended to every layer of `cache`.
  void append_rows(node& nd, std::size_t first, std::size_t count, kv_cache<E>& cache) {
    const std::size_t len = nd.tokens.size();
    for (std::size_t l = 0; l < n_layers_; ++l) {
      const E* k = nd.keys(l, len, row_) + first * row_;
      const E* v = nd.values(l, len, row_) + first * row_;
      if constexpr (std::is_same_v<E, float>) {
        cache.layer(l).append(k, v, count);
      } else {
        // 16-bit rows go through f32, which holds them exactly.
        scratch_k_.resize(count * row_);
        scratch_v_.resize(count * row_);
        for (std::size_t i = 0; i < count * row_; ++i) {
          scratch_k_[i] = detail::to_f32(k[i]);
          scratch_v_[i] = detail::to_f32(v[i]);
        }
        cache.layer(l).append(scratch_k_.data(), scratch_v_.data(), count);
      }
    }
  }

  // Splits `nd` after its first `at` tokens: nd keeps them, a new only child takes the rest.
  void split(node& nd, std::size_t at) {
    const std::size_t len = nd.tokens.size(), rest = len - at;
    auto tail = std::make_unique<node>();
    tail->parent = &nd;
    tail->last_use = nd.last_use;
    tail->tokens.assign(nd.tokens.begin() + static_cast<std::ptrdiff_t>(at), nd.tokens.end());
    tail->children = std::move(nd.children);
    for (auto& kv : tail->children) kv.second->parent = tail.get();
    tail->kv.resize(2 * n_layers_ * rest * row_);
    std::vector<E> head(2 * n_layers_ * at * row_);
    for (std::size_t l = 0; l < n_layers_; ++l) {
      const E* k = nd.keys(l, len, row_);
      const E* v = nd.values(l, len, row_);
      std::copy(k, k + at * row_, head.data() + 2 * l * at * row_);
      std::copy(v, v + at * row_, head.data() + (2 * l + 1) * at * row_);
      std::copy(k + at * row_, k + len * row_, tail->keys(l, rest, row_));
      std::copy(v + at * row_, v + len * row_, tail->values(l, rest, row_));
    }
    nd.kv = std::move(head);
    nd.tokens.resize(at);
    nd.children.clear();
    nd.children.emplace(tail->tokens.front(), std::move(tail));
    ++stats_.nodes;
  }

  // Evicts least recently used leaves (not used in the current tick) until bytes ≤ target.
  void evict_until(std::size_t target) {
    while (stats_.bytes > target) {
      node* victim = nullptr;
      find_lru_leaf(root_, victim);
      if (victim == nullptr) return;
      const std::size_t len = victim->tokens.size();
      stats_.bytes -= len * bytes_per_token();
      stats_.evicted_tokens += len;
      --stats_.nodes;
      victim->parent->children.erase(victim->tokens.front());
    }
  }

  void find_lru_leaf(node& n, node*& best) {
    for (auto& kv : n.children) {
      node* c = kv.second.get();
      if (c->children.empty()) {
        if (c->last_use < tick_ && (best == nullptr || c->last_use < best->last_use)) best = c;
      } else {
        find_lru_leaf(*c, best);
      }
    }
  }

  std::size_t n_layers_, row_, max_bytes_;
  node root_;
  std::uint64_t tick_ = 0;
  prefix_tree_stats stats_;
  std::vector<float> scratch_k_, scratch_v_;
};

}  // namespace flipside
