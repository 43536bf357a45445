// Unmerged LoRA deltas as the forward pass applies them (Hu et al. 2021, "LoRA", arXiv 2106.09685):
//
//   Y = X·Wᵀ + g · (X·Aᵀ)·Bᵀ        A [r, in], B [out, r] (B already × the adapter's own
//                                    scaling s = alpha / r, or alpha / √r for rsLoRA, × the
//                                    scale the user attached it with), g = the run-time strength
//
// so a user can sweep g from 0 (the base model, bitwise) to 1 (the adapted model) without
// reloading. Two thin GEMMs per adapted matrix: T = X·Aᵀ [rows, r], then U = T·Bᵀ, Y += g·U.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <flipside/model/weight_kernels.hpp>

namespace flipside {

// The linear layers of a block an adapter can change (fused q/k/v and gate/up adapters are split
// into these by rows of B).
enum class lora_slot : int { q, k, v, o, gate, up, down, count };

inline constexpr std::size_t lora_slot_count = static_cast<std::size_t>(lora_slot::count);

struct lora_delta {
  matrix_weight a;                                    // [r, in], f32
  matrix_weight b;                                    // [out, r], f32, × scaling
  std::shared_ptr<const std::vector<float>> storage;  // what a and b point into
  std::size_t rank() const noexcept { return static_cast<std::size_t>(a.rows); }
};

// An f32 matrix_weight over `n_rows` rows of `data` (row-major, `cols` floats per row).
inline matrix_weight f32_matrix(const float* data, std::int64_t n_rows, std::int64_t cols,
                                std::string name) {
  matrix_weight m;
  m.name = std::move(name);
  m.type = dtype::f32;
  m.rows = n_rows;
  m.cols = cols;
  m.data = reinterpret_cast<const std::byte*>(data);
  m.row_bytes = static_cast<std::size_t>(cols) * sizeof(float);
  m.kernels = kernels_for(dtype::f32);
  return m;
}

struct lora_layer {
  std::array<std::vector<lora_delta>, lora_slot_count> slots;
  const std::vector<lora_delta>& operator[](lora_slot s) const noexcept {
    return slots[static_cast<std::size_t>(s)];
  }
  std::vector<lora_delta>& operator[](lora_slot s) noexcept {
    return slots[static_cast<std::size_t>(s)];
  }
};

}  // namespace flipside
