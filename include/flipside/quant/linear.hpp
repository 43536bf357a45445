// The runtime's entry point for a linear layer, whatever its weight type:
//
//   Y[M×N] = X[M×K] · Wᵀ      W a tensor of shape {N, K} (f32, f16, bf16 or a supported GGUF
//                             block type), X row-major [M][K], Y row-major [M][N]
//
// Validates W first (check_weight: unsupported type or shape/size mismatch → an error naming the
// tensor), then runs gemv (M = 1) or gemm with the chosen strategy (strategy.hpp).
#pragma once

#include <cstddef>

#include <flipside/core/tensor_view.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/quant/gemm.hpp>
#include <flipside/quant/gemv.hpp>
#include <flipside/quant/strategy.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::quant {

template <class Strategy = default_strategy, class Arch = simd::default_arch>
inline void linear(const tensor_view& w, const float* x, float* y, std::size_t m,
                   thread_pool* pool = nullptr) {
  check_weight(w);
  const auto n = static_cast<std::size_t>(w.rows()), k = static_cast<std::size_t>(w.row_length());
  if (m == 1)
    gemv<Strategy, Arch>(w.type, w.data, x, y, n, k, pool);
  else
    gemm<Strategy, Arch>(w.type, w.data, x, y, m, n, k, pool);
}

}  // namespace flipside::quant
