// Test support for attention: a deterministic PRNG, random problems and a scalar double-precision
// reference that spells out the definition (masks written independently of the library's).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <flipside/attention.hpp>
#include <flipside/core/splitmix64.hpp>

namespace flipside::test {

using f16_t = flipside::detail::f16_storage;
using bf16_t = flipside::detail::bf16_storage;

// splitmix64 (Steele, Lea & Flood 2014): tiny, seedable, identical on every platform.
struct test_rng {
  std::uint64_t state;
  explicit test_rng(std::uint64_t seed) : state(seed) {}
  std::uint64_t next() { return flipside::splitmix64(state); }
  // Uniform in [-1, 1).
  float uniform() { return static_cast<float>(next() >> 40) * (2.0f / 16777216.0f) - 1.0f; }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  template <class T>
  T pick(std::initializer_list<T> xs) {
    return *(xs.begin() + below(xs.size()));
  }
};

enum class mask_kind { causal, full, window, runtime_window };

// Which keys query position p sees, straight from the definitions.
struct mask_spec {
  mask_kind kind = mask_kind::causal;
  std::size_t window = 0;  // for window / runtime_window (0 = unlimited for runtime_window)
  bool visible(std::size_t p, std::size_t j) const {
    switch (kind) {
      case mask_kind::full:
        return true;
      case mask_kind::causal:
        return j <= p;
      case mask_kind::window:
        return j <= p && j + window > p;
      case mask_kind::runtime_window:
        return j <= p && (window == 0 || j + window > p);
    }
    return false;
  }
};

template <class E>
struct problem {
  attention_shape shape;
  attention_params params;
  mask_spec mask;
  std::vector<float> q;
  std::vector<E> k, v;  // [L, n_kv, D] packed (kv_stride = 0) unless shape.kv_stride says more
  std::size_t q_size() const { return shape.n_queries * shape.q_row(); }
  std::size_t out_size() const { return shape.n_queries * shape.out_row(); }
};

template <class E>
std::vector<E> random_elements(test_rng& g, std::size_t n, float amplitude = 1.0f) {
  std::vector<E> out(n);
  for (auto& x : out) x = detail::from_f32<E>(amplitude * g.uniform());
  return out;
}

template <class E>
void fill_random(problem<E>& pb, test_rng& g, float q_amplitude = 1.0f) {
  pb.q.resize(pb.q_size());
  for (auto& x : pb.q) x = q_amplitude * g.uniform();
  const std::size_t kv_n = pb.shape.n_keys * pb.shape.kv_row();
  pb.k = random_elements<E>(g, kv_n);
  pb.v = random_elements<E>(g, kv_n);
}

// out[t, h, :] in double; rows with no visible key are zero.
template <class E>
std::vector<double> reference_attention(const problem<E>& pb) {
  const auto& s = pb.shape;
  const std::size_t T = s.n_queries, L = s.n_keys, H = s.n_heads, D = s.head_dim;
  const std::size_t G = H / s.n_kv_heads;
  const double scale =
      pb.params.scale != 0.0f ? pb.params.scale : 1.0 / std::sqrt(static_cast<double>(D));
  std::vector<double> out(T * H * D, 0.0), sc(L);
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t p = pb.params.position + t;
    for (std::size_t h = 0; h < H; ++h) {
      const float* q = pb.q.data() + t * s.q_row() + h * D;
      double m = -std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < L; ++j) {
        if (!pb.mask.visible(p, j)) continue;
        const E* k = pb.k.data() + j * s.kv_row() + (h / G) * D;
        double dot = 0;
        for (std::size_t c = 0; c < D; ++c) dot += double(q[c]) * double(detail::to_f32(k[c]));
        double x = scale * dot;
        if (pb.params.softcap > 0) x = pb.params.softcap * std::tanh(x / pb.params.softcap);
        sc[j] = x;
        m = std::max(m, x);
      }
      double sum = 0;
      double* o = out.data() + (t * H + h) * D;
      for (std::size_t j = 0; j < L; ++j) {
        if (!pb.mask.visible(p, j)) continue;
        const double w = std::exp(sc[j] - m);
        sum += w;
        const E* v = pb.v.data() + j * s.kv_row() + (h / G) * D;
        for (std::size_t c = 0; c < D; ++c) o[c] += w * double(detail::to_f32(v[c]));
      }
      if (sum > 0)
        for (std::size_t c = 0; c < D; ++c) o[c] /= sum;
    }
  }
  return out;
}

// Max over output rows (t, h) of max_c |out − ref| / max_c |ref| (the row's own scale; absolute
// error for an all-zero reference row).
inline double max_relative_error(const std::vector<float>& out, const attention_shape& s,
                                 const std::vector<double>& ref) {
  const std::size_t H = s.n_heads, D = s.head_dim;
  double worst = 0;
  for (std::size_t t = 0; t < s.n_queries; ++t)
    for (std::size_t h = 0; h < H; ++h) {
      const float* o = out.data() + t * s.out_row() + h * D;
      const double* r = ref.data() + (t * H + h) * D;
      double err = 0, mag = 0;
      for (std::size_t c = 0; c < D; ++c) {
        err = std::max(err, std::abs(double(o[c]) - r[c]));
        mag = std::max(mag, std::abs(r[c]));
      }
      worst = std::max(worst, mag > 0 ? err / mag : err);
    }
  return worst;
}

// Runs flipside::attention with the mask of pb.mask (a run-time choice in tests) as a policy.
template <class Softmax, class Arch, class E>
std::vector<float> run_attention(const problem<E>& pb, thread_pool* pool = nullptr) {
  std::vector<float> out(pb.out_size(), std::numeric_limits<float>::quiet_NaN());
  attention_params p = pb.params;
  p.pool = pool;
  const float* q = pb.q.data();
  const E* k = pb.k.data();
  const E* v = pb.v.data();
  switch (pb.mask.kind) {
    case mask_kind::causal:
      attention<causal, Softmax, Arch>(q, k, v, out.data(), pb.shape, p);
      break;
    case mask_kind::full:
      attention<full, Softmax, Arch>(q, k, v, out.data(), pb.shape, p);
      break;
    case mask_kind::runtime_window:
      p.window = pb.mask.window;
      attention<runtime_window, Softmax, Arch>(q, k, v, out.data(), pb.shape, p);
      break;
    case mask_kind::window:
      // One compile-time window: every kernel instantiation costs seconds of build time on each
      // compiled arch, and sliding_window<W> shares the mask code with runtime_window, which the
      // random cases exercise at many sizes (window 0, 1, …, longer than the sequence).
      if (pb.mask.window != 5)
        throw std::logic_error("test: no sliding_window instantiation for this size");
      attention<sliding_window<5>, Softmax, Arch>(q, k, v, out.data(), pb.shape, p);
      break;
  }
  return out;
}

}  // namespace flipside::test
