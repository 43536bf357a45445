// Which tensor element types the quant layer computes with, and the checks that turn a bad weight
// tensor (unsupported type, row length not a whole number of blocks, byte size that disagrees with
// shape and type) into an error naming the tensor, before any kernel reads its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>

namespace flipside::quant {

// Weight types with dequantisation and dot products here: plain floats and the GGUF block types
// of the usual llama.cpp downloads (Q4_K_M, Q5_K_M, Q6_K, Q8_0 and their fallbacks), plus the
// cheap extras Q2_K, Q3_K, IQ4_NL, IQ4_XS.
inline bool is_supported(dtype t) noexcept {
  switch (t) {
    case dtype::f32:
    case dtype::f16:
    case dtype::bf16:
    case dtype::q4_0:
    case dtype::q4_1:
    case dtype::q5_0:
    case dtype::q5_1:
    case dtype::q8_0:
    case dtype::q2_k:
    case dtype::q3_k:
    case dtype::q4_k:
    case dtype::q5_k:
    case dtype::q6_k:
    case dtype::iq4_nl:
    case dtype::iq4_xs:
      return true;
    default:
      return false;
  }
}

inline bool is_block_type(dtype t) noexcept {
  auto tr = traits_of(t);
  return tr && tr->block_size > 1;
}

// Bytes of one row of `cols` elements; throws argument_error naming `what` when cols is not a
// whole number of blocks (or the type is unknown).
inline std::size_t row_bytes(dtype t, std::size_t cols, const std::string& what = "row") {
  auto tr = traits_of(t);
  if (!tr) throw unsupported_error(what + ": " + dtype_name(t));
  if (cols % tr->block_size != 0)
    throw argument_error(what + ": row length " + std::to_string(cols) +
                         " is not a multiple of the " + std::string(tr->name) + " block size " +
                         std::to_string(tr->block_size));
  return cols / tr->block_size * tr->block_bytes;
}

// Validates a 1-D or 2-D weight tensor for the quant kernels. Throws unsupported_error for a type
// this build cannot compute with, argument_error for a shape/size mismatch; both name the tensor.
inline void check_weight(const tensor_view& w) {
  if (!is_supported(w.type))
    throw unsupported_error("tensor '" + w.name + "': unsupported type " + dtype_name(w.type) +
                            " (supported: f32 f16 bf16 q4_0 q4_1 q5_0 q5_1 q8_0 q2_K q3_K q4_K "
                            "q5_K q6_K iq4_nl iq4_xs)");
  if (w.shape.empty() || w.shape.size() > 2)
    throw argument_error("tensor '" + w.name + "': expected a 1-D or 2-D weight, got " +
                         std::to_string(w.shape.size()) + " dimensions");
  for (auto d : w.shape)
    if (d <= 0) throw argument_error("tensor '" + w.name + "': non-positive dimension");
  const auto cols = static_cast<std::size_t>(w.row_length());
  const auto rows = static_cast<std::size_t>(w.rows());
  const std::size_t rb = row_bytes(w.type, cols, "tensor '" + w.name + "'");
  if (rows != 0 && rb > SIZE_MAX / rows)
    throw argument_error("tensor '" + w.name + "': byte size overflows");
  if (rb * rows != w.nbytes)
    throw argument_error("tensor '" + w.name + "': " + std::to_string(w.nbytes) +
                         " bytes, but shape and type " + dtype_name(w.type) + " need " +
                         std::to_string(rb * rows));
  if (w.data == nullptr && w.nbytes != 0) throw argument_error("tensor '" + w.name + "': no data");
}

}  // namespace flipside::quant
