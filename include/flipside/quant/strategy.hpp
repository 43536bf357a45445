// How quantized matrix products treat the activations (policy tags for gemv / gemm / linear):
//
//   exact_dequant  — weights dequantised exactly (bitwise ggml) inside the kernel and multiplied
//                    with the f32 activations in f32: an f32 model holding the dequantised
//                    weights, up to summation order (the "exact-dequant engine" of the goldens).
//   q8_activations — llama.cpp's way: the activations are quantised once per call to the weight
//                    type's partner (q8_0 / q8_1 / q8_K) and blocks meet in exact integer dot
//                    products (vec_dot.hpp); adds llama.cpp's activation-quantisation error.
//
// Plain float weights (f32 / f16 / bf16) take the f32 kernels of simd/ under either tag.
#pragma once

#include <type_traits>

#include <flipside/core/dtype.hpp>
#include <flipside/quant/types.hpp>

namespace flipside::quant {

struct exact_dequant {};
struct q8_activations {};

// The tag the calls without one use: the faster strategy on the machines measured
// (benchmarks/bench_quant.cpp; benchmarks/README.md, "Quantized weights").
using default_strategy = q8_activations;

// Weight types with an integer dot product (every supported block type; q8_0 pairs with itself).
inline bool has_integer_dot(dtype w) noexcept { return is_block_type(w) && is_supported(w); }

namespace detail {
template <class Strategy>
inline bool use_integer_path(dtype t) noexcept {
  return std::is_same_v<Strategy, q8_activations> && has_integer_dot(t);
}
}  // namespace detail

}  // namespace flipside::quant
