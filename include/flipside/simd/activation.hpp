// Element-wise activations and the gated forms used by LLaMA-style and Gemma MLPs.
//
//   silu(x)      = x · σ(x) = x / (1 + e^(−x))                     (Elfwing et al. 2018)
//   gelu_tanh(x) = ½x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))      (Hendrycks & Gimpel 2016)
//   gelu_erf(x)  = ½x · (1 + erf(x / √2))                            (the exact GELU)
//   swiglu(g, u) = silu(g) ⊙ u,  geglu_tanh(g, u) = gelu_tanh(g) ⊙ u, geglu_erf likewise
//                                                                    (Shazeer 2020, GLU variants)
//
// x: [n] → y: [n]; y may alias x (and gate/up).
#pragma once

#include <cmath>
#include <cstddef>

#include <flipside/simd/arch.hpp>

namespace flipside::simd {

// ---- scalar references -------------------------------------------------------------------------
inline float silu_scalar(float x) noexcept { return x / (1.0f + std::exp(-x)); }
inline float gelu_tanh_scalar(float x) noexcept {
  constexpr float k = 0.7978845608028654f;  // √(2/π)
  return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
}
inline float gelu_erf_scalar(float x) noexcept {
  return 0.5f * x * (1.0f + std::erf(x * 0.7071067811865476f));
}

namespace detail {

struct silu_op {
  static constexpr const char* name = "silu";
  static float scalar(float x) noexcept { return silu_scalar(x); }
  template <class B>
  static B vector(const B& x) noexcept {
    return x / (B(1.0f) + xsimd::exp(-x));
  }
};

struct gelu_tanh_op {
  static constexpr const char* name = "gelu_tanh";
  static float scalar(float x) noexcept { return gelu_tanh_scalar(x); }
  template <class B>
  static B vector(const B& x) noexcept {
    const B inner = B(0.7978845608028654f) * xsimd::fma(B(0.044715f) * x * x, x, x);
    return B(0.5f) * x * (B(1.0f) + xsimd::tanh(inner));
  }
};

struct gelu_erf_op {
  static constexpr const char* name = "gelu_erf";
  static float scalar(float x) noexcept { return gelu_erf_scalar(x); }
  template <class B>
  static B vector(const B& x) noexcept {
    return B(0.5f) * x * (B(1.0f) + xsimd::erf(x * B(0.7071067811865476f)));
  }
};

// y = op(x), or y = op(x) ⊙ up when up is non-null.
template <class Arch, class Op>
inline void apply(const float* x, const float* up, float* y, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  std::size_t i = 0;
  if (n >= L) FLIPSIDE_SIMD_PATH_HOOK(Op::name, L);
  for (; i + L <= n; i += L) {
    batch v = Op::vector(batch::load_unaligned(x + i));
    if (up) v *= batch::load_unaligned(up + i);
    v.store_unaligned(y + i);
  }
  for (; i < n; ++i) y[i] = up ? Op::scalar(x[i]) * up[i] : Op::scalar(x[i]);
}

}  // namespace detail

template <class Arch = default_arch>
inline void silu(const float* x, float* y, std::size_t n) noexcept {
  detail::apply<Arch, detail::silu_op>(x, nullptr, y, n);
}
template <class Arch = default_arch>
inline void gelu_tanh(const float* x, float* y, std::size_t n) noexcept {
  detail::apply<Arch, detail::gelu_tanh_op>(x, nullptr, y, n);
}
template <class Arch = default_arch>
inline void gelu_erf(const float* x, float* y, std::size_t n) noexcept {
  detail::apply<Arch, detail::gelu_erf_op>(x, nullptr, y, n);
}

// out = silu(gate) ⊙ up (LLaMA / Qwen / Mistral MLP)
template <class Arch = default_arch>
inline void swiglu(const float* gate, const float* up, float* out, std::size_t n) noexcept {
  detail::apply<Arch, detail::silu_op>(gate, up, out, n);
}
// out = gelu_tanh(gate) ⊙ up (Gemma MLP)
template <class Arch = default_arch>
inline void geglu_tanh(const float* gate, const float* up, float* out, std::size_t n) noexcept {
  detail::apply<Arch, detail::gelu_tanh_op>(gate, up, out, n);
}
// out = gelu_erf(gate) ⊙ up
template <class Arch = default_arch>
inline void geglu_erf(const float* gate, const float* up, float* out, std::size_t n) noexcept {
  detail::apply<Arch, detail::gelu_erf_op>(gate, up, out, n);
}

}  // namespace flipside::simd
