// GGUF / ggml quantisation blocks, byte for byte (ggml-common.h). Every field is a byte array so a
// block may sit at any address (file offsets need not be aligned): multi-byte fields are
// little-endian and read with load_f16/load_u32 (half.hpp). fp16 = IEEE binary16.
//
// Legacy blocks, 32 weights:
//   q4_0  18 B  d | qs[16]            w[j] = (lo(qs[j]) - 8)·d,  w[j+16] = (hi(qs[j]) - 8)·d
//   q4_1  20 B  d m | qs[16]          w = q·d + m
//   q5_0  22 B  d | qh[4] | qs[16]    5th bit of w[j] is bit j of the u32 qh; w = (q - 16)·d
//   q5_1  24 B  d m | qh[4] | qs[16]  w = q·d + m
//   q8_0  34 B  d | qs[32] (int8)     w = q·d
//   q8_1  36 B  d s | qs[32]          activations only; s = fp16(d·Σq)
//   iq4_nl 18 B d | qs[16]            w = d·kvalues_iq4nl[nibble], nibble order as q4_0
// K-quants, super-blocks of 256 weights:
//   q2_K   84 B  scales[16] (lo 4 bits scale, hi 4 bits min, per 16) | qs[64] | d dmin
//   q3_K  110 B  hmask[32] | qs[64] | scales[12] (16 six-bit scales, stored +32) | d
//   q4_K  144 B  d dmin | scales[12] (8 six-bit scales + 8 six-bit mins) | qs[128]
//   q5_K  176 B  d dmin | scales[12] | qh[32] | qs[128]
//   q6_K  210 B  ql[128] | qh[64] | scales[16] (int8) | d
//   q8_K  292 B  d (f32) | qs[256] (int8) | bsums[16] (int16 sums of 16 qs; activations only)
//   iq4_xs 136 B d | scales_h (u16) | scales_l[4] | qs[128]
#pragma once

#include <cstddef>
#include <cstdint>

namespace flipside::quant {

inline constexpr std::size_t qk32 = 32;   // weights per legacy block
inline constexpr std::size_t qk_k = 256;  // weights per K-quant super-block

struct block_q4_0 {
  std::uint8_t d[2];
  std::uint8_t qs[16];
};
struct block_q4_1 {
  std::uint8_t d[2];
  std::uint8_t m[2];
  std::uint8_t qs[16];
};
struct block_q5_0 {
  std::uint8_t d[2];
  std::uint8_t qh[4];
  std::uint8_t qs[16];
};
struct block_q5_1 {
  std::uint8_t d[2];
  std::uint8_t m[2];
  std::uint8_t qh[4];
  std::uint8_t qs[16];
};
struct block_q8_0 {
  std::uint8_t d[2];
  std::int8_t qs[32];
};
struct block_q8_1 {
  std::uint8_t d[2];
  std::uint8_t s[2];
  std::int8_t qs[32];
};
struct block_iq4_nl {
  std::uint8_t d[2];
  std::uint8_t qs[16];
};
struct block_q2_k {
  std::uint8_t scales[16];
  std::uint8_t qs[64];
  std::uint8_t d[2];
  std::uint8_t dmin[2];
};
struct block_q3_k {
  std::uint8_t hmask[32];
  std::uint8_t qs[64];
  std::uint8_t scales[12];
  std::uint8_t d[2];
};
struct block_q4_k {
  std::uint8_t d[2];
  std::uint8_t dmin[2];
  std::uint8_t scales[12];
  std::uint8_t qs[128];
};
struct block_q5_k {
  std::uint8_t d[2];
  std::uint8_t dmin[2];
  std::uint8_t scales[12];
  std::uint8_t qh[32];
  std::uint8_t qs[128];
};
struct block_q6_k {
  std::uint8_t ql[128];
  std::uint8_t qh[64];
  std::int8_t scales[16];
  std::uint8_t d[2];
};
struct block_q8_k {
  std::uint8_t d[4];
  std::int8_t qs[256];
  std::uint8_t bsums[32];
};
struct block_iq4_xs {
  std::uint8_t d[2];
  std::uint8_t scales_h[2];
  std::uint8_t scales_l[4];
  std::uint8_t qs[128];
};

static_assert(sizeof(block_q4_0) == 18 && alignof(block_q4_0) == 1);
static_assert(sizeof(block_q4_1) == 20 && sizeof(block_q5_0) == 22 && sizeof(block_q5_1) == 24);
static_assert(sizeof(block_q8_0) == 34 && sizeof(block_q8_1) == 36 && sizeof(block_iq4_nl) == 18);
static_assert(sizeof(block_q2_k) == 84 && sizeof(block_q3_k) == 110 && sizeof(block_q4_k) == 144);
static_assert(sizeof(block_q5_k) == 176 && sizeof(block_q6_k) == 210 && sizeof(block_q8_k) == 292);
static_assert(sizeof(block_iq4_xs) == 136 && alignof(block_q8_k) == 1);

// The 16 levels of the non-linear 4-bit types (IQ4_NL, IQ4_XS).
inline constexpr std::int8_t kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                  1,    13,   25,  38,  53,  69,  89,  113};

// Six-bit scale and min j (0..7) of a Q4_K / Q5_K block from its 12 packed bytes: the first four
// pairs are the low six bits of bytes j and j+4; the last four take four bits from byte j+4 and
// the two spare high bits of bytes j-4 (scale) and j (min).
inline void scale_min_k4(int j, const std::uint8_t* q, std::uint8_t& sc, std::uint8_t& m) noexcept {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// The 16 six-bit scales of a Q3_K block (still biased by +32) from its 12 packed bytes: low four
// bits from bytes 0..7 (low nibble for scales 0..7, high nibble for 8..15), high two bits from
// bytes 8..11.
inline void q3_k_scales(const std::uint8_t* q, std::int8_t out[16]) noexcept {
  for (int j = 0; j < 16; ++j) {
    const int lo = j < 8 ? (q[j] & 0xF) : (q[j - 8] >> 4);
    const int hi = (q[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    out[j] = static_cast<std::int8_t>(lo | (hi << 4));
  }
}

}  // namespace flipside::quant
