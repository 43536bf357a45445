// A non-owning view of one tensor inside a model file (memory-mapped GGUF or safetensors) or any
// other buffer. Readers validate name, type, shape and byte range before handing one out, so
// consumers may trust `data[0, nbytes)` to be readable and `nbytes` to match shape and type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <flipside/core/dtype.hpp>

namespace flipside {

struct tensor_view {
  std::string name;
  flipside::dtype type = dtype::f32;
  // Row-major ("numpy") order, outermost first: a weight W[out][in] has shape {out, in}.
  // GGUF lists dimensions innermost first (ne[0] = in); its reader reverses them into this order.
  std::vector<std::int64_t> shape;
  const std::byte* data = nullptr;
  std::size_t nbytes = 0;

  std::int64_t numel() const noexcept {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
  // Length of the innermost dimension (a row of W[out][in]); 1 for a scalar.
  std::int64_t row_length() const noexcept { return shape.empty() ? 1 : shape.back(); }
  std::int64_t rows() const noexcept { return shape.empty() ? 1 : numel() / shape.back(); }
};

}  // namespace flipside
