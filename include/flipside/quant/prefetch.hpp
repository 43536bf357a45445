// Software prefetch for the weight-row streams of the quantized GEMV kernels (vec_dot.hpp
// integer blocks, dot_f32.hpp exact decoding).
//
// A K-quant block costs ~70 instructions per row, so the blocks of eight rows overflow the
// out-of-order window (Zen 3: 256 entries) and the next blocks' loads issue only when reached:
// each block then waits on DRAM (perf on the Q6_K GEMV: two thirds of its cycles on the first load
// of a block, 1.4 GB/s). Each row keeps a cursor `ahead` bytes in front of the block being read
// and hints every 64-byte line once (a compiler hint: it never faults and changes no result).
#pragma once

#include <cstddef>
#include <cstdint>

#include <flipside/simd/prefetch.hpp>

namespace flipside::quant::detail {

struct row_prefetch {
  static constexpr std::size_t ahead = 1024, line = 64;
  const std::uint8_t* next = nullptr;  // the next line to hint
  const std::uint8_t* end = nullptr;   // end of the row (hints stop there)
  void start(const void* row, std::size_t bytes) noexcept {
    next = static_cast<const std::uint8_t*>(row);
    end = static_cast<const std::uint8_t*>(row) + bytes;
  }
  // `pos` = the address being read now: hint the lines up to pos + ahead.
  void advance(const void* pos) noexcept {
    const auto* limit = static_cast<const std::uint8_t*>(pos) + ahead;
    if (limit > end) limit = end;
    for (; next < limit; next += line) simd::prefetch_read(next);
  }
};

// The rows after the current group: a GEMV over a short matrix (rows of 576–896 weights, a few
// hundred bytes) would otherwise start every group of rows with all its lines missing, since the
// row cursors above only run ahead inside the rows being read. The next group's bytes are hinted
// evenly over the `steps` block steps of the current group.
struct span_prefetch {
  const std::uint8_t* next = nullptr;
  const std::uint8_t* end = nullptr;
  std::size_t per_step = 0;
  void start(const void* p, std::size_t bytes, std::size_t steps) noexcept {
    next = static_cast<const std::uint8_t*>(p);
    end = next + bytes;
    per_step = steps ? (bytes + steps - 1) / steps : bytes;
  }
  void step() noexcept {
    const std::uint8_t* limit =
        end - next > static_cast<std::ptrdiff_t>(per_step) ? next + per_step : end;
    for (; next < limit; next += row_prefetch::line) simd::prefetch_read(next);
  }
};

}  // namespace flipside::quant::detail
