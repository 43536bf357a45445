// Scalar reference dequantisation: one function per block type, each the plain loop of ggml's
// dequantize_row_<type> (ggml-quants.c), and bitwise equal to it.
//
// Contraction cannot change these results: every product that is later added is exact in f32
// (an fp16 scale has 11 significant bits, a sub-block scale at most 6, a quant at most 5:
// d·sc·q needs at most 22 bits), so `d1*q - m1` rounds once whether or not it is fused.
//
//   y[0, n) = dequant(x[0, n / block_size)),  n a multiple of the type's block size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <flipside/quant/blocks.hpp>
#include <flipside/quant/half.hpp>

namespace flipside::quant::reference {

inline void dequantize_row_f16(const std::uint8_t* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i] = load_f16(x + 2 * i);
}

inline void dequantize_row_bf16(const std::uint8_t* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i] = bf16_to_f32(load_u16(x + 2 * i));
}

inline void dequantize_row_q4_0(const block_q4_0* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, y += qk32) {
    const float d = load_f16(x[i].d);
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>((x[i].qs[j] & 0x0F) - 8) * d;
      y[j + 16] = static_cast<float>((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

inline void dequantize_row_q4_1(const block_q4_1* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, y += qk32) {
    const float d = load_f16(x[i].d), m = load_f16(x[i].m);
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>(x[i].qs[j] & 0x0F) * d + m;
      y[j + 16] = static_cast<float>(x[i].qs[j] >> 4) * d + m;
    }
  }
}

inline void dequantize_row_q5_0(const block_q5_0* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, y += qk32) {
    const float d = load_f16(x[i].d);
    const std::uint32_t qh = load_u32(x[i].qh);
    for (int j = 0; j < 16; ++j) {
      const int h0 = ((qh >> j) & 1u) << 4, h1 = ((qh >> (j + 16)) & 1u) << 4;
      y[j] = static_cast<float>(((x[i].qs[j] & 0x0F) | h0) - 16) * d;
      y[j + 16] = static_cast<float>(((x[i].qs[j] >> 4) | h1) - 16) * d;
    }
  }
}

inline void dequantize_row_q5_1(const block_q5_1* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, y += qk32) {
    const float d = load_f16(x[i].d), m = load_f16(x[i].m);
    const std::uint32_t qh = load_u32(x[i].qh);
    for (int j = 0; j < 16; ++j) {
      const int h0 = ((qh >> j) & 1u) << 4, h1 = ((qh >> (j + 16)) & 1u) << 4;
      y[j] = static_cast<float>((x[i].qs[j] & 0x0F) | h0) * d + m;
      y[j + 16] = static_cast<float>((x[i].qs[j] >> 4) | h1) * d + m;
    }
  }
}

inline void dequantize_row_q8_0(const block_q8_0* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, y += qk32) {
    const float d = load_f16(x[i].d);
    for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

inline void dequantize_row_iq4_nl(const block_iq4_nl* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, y += qk32) {
    const float d = load_f16(x[i].d);
    for (int j = 0; j < 16; ++j) {
      y[j] = d * static_cast<float>(kvalues_iq4nl[x[i].qs[j] & 0x0F]);
      y[j + 16] = d * static_cast<float>(kvalues_iq4nl[x[i].qs[j] >> 4]);
    }
  }
}

// Q2_K: 16 groups of 16; group g uses scale byte g; the 2-bit quants of a 128-weight half are
// spread over 32 bytes, shift 0/2/4/6 selecting which 32 weights.
inline void dequantize_row_q2_k(const block_q2_k* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const float d = load_f16(x[i].d), dmin = load_f16(x[i].dmin);
    const std::uint8_t* q = x[i].qs;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int g = 0; g < 2; ++g) {
          const std::uint8_t sc = x[i].scales[is++];
          const float dl = d * static_cast<float>(sc & 0xF);
          const float ml = dmin * static_cast<float>(sc >> 4);
          for (int l = 0; l < 16; ++l)
            *y++ = dl * static_cast<float>((q[l + 16 * g] >> shift) & 3) - ml;
        }
      }
    }
  }
}

// Q3_K: 3-bit quants = 2 low bits (as Q2_K) minus 4 where the hmask bit is clear; 16 signed
// six-bit scales.
inline void dequantize_row_q3_k(const block_q3_k* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const float d_all = load_f16(x[i].d);
    std::int8_t scales[16];
    q3_k_scales(x[i].scales, scales);
    const std::uint8_t* q = x[i].qs;
    const std::uint8_t* hm = x[i].hmask;
    std::uint8_t m = 1;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = static_cast<std::uint8_t>(m << 1)) {
        for (int g = 0; g < 2; ++g) {
          const float dl = d_all * static_cast<float>(scales[is++] - 32);
          for (int l = 16 * g; l < 16 * g + 16; ++l) {
            const int v = ((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4);
            *y++ = dl * static_cast<float>(v);
          }
        }
      }
    }
  }
}

// Q4_K: four 64-weight chunks; chunk c = low nibbles of 32 bytes (scale/min 2c), then high
// nibbles (2c+1). w = (d·sc)·q − (dmin·m), both products rounded.
inline void dequantize_row_q4_k(const block_q4_k* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const float d = load_f16(x[i].d), dmin = load_f16(x[i].dmin);
    const std::uint8_t* q = x[i].qs;
    for (int c = 0; c < 4; ++c, q += 32) {
      std::uint8_t sc, m;
      scale_min_k4(2 * c, x[i].scales, sc, m);
      const float d1 = d * sc, m1 = dmin * m;
      scale_min_k4(2 * c + 1, x[i].scales, sc, m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

// Q5_K: Q4_K plus a fifth bit: bit 2c of qh[l] for the low-nibble half of chunk c, bit 2c+1 for
// the high-nibble half.
inline void dequantize_row_q5_k(const block_q5_k* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const float d = load_f16(x[i].d), dmin = load_f16(x[i].dmin);
    const std::uint8_t* ql = x[i].qs;
    const std::uint8_t* qh = x[i].qh;
    for (int c = 0; c < 4; ++c, ql += 32) {
      std::uint8_t sc, m;
      scale_min_k4(2 * c, x[i].scales, sc, m);
      const float d1 = d * sc, m1 = dmin * m;
      scale_min_k4(2 * c + 1, x[i].scales, sc, m);
      const float d2 = d * sc, m2 = dmin * m;
      const int u1 = 1 << (2 * c), u2 = 2 << (2 * c);
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
    }
  }
}

// Q6_K: two 128-weight halves; in each, weight l + 32k takes its low nibble from ql (k = 0, 1:
// low nibbles of bytes l, l+32; k = 2, 3: high nibbles) and its two high bits from qh[l] bits
// 2k, 2k+1; int8 scale per 16 weights. w = (d·sc)·(q − 32).
inline void dequantize_row_q6_k(const block_q6_k* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const float d = load_f16(x[i].d);
    const std::uint8_t* ql = x[i].ql;
    const std::uint8_t* qh = x[i].qh;
    const std::int8_t* sc = x[i].scales;
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
        y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
    }
  }
}

// IQ4_XS: eight 32-weight groups with six-bit scales (low four bits in scales_l nibbles, high
// two bits in scales_h), stored +32; w = (d·(ls − 32))·kvalue.
inline void dequantize_row_iq4_xs(const block_iq4_xs* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const float d = load_f16(x[i].d);
    const std::uint16_t sh = load_u16(x[i].scales_h);
    const std::uint8_t* qs = x[i].qs;
    for (int ib = 0; ib < 8; ++ib, y += 32, qs += 16) {
      const int ls =
          ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
      const float dl = d * static_cast<float>(ls - 32);
      for (int j = 0; j < 16; ++j) {
        y[j] = dl * static_cast<float>(kvalues_iq4nl[qs[j] & 0xF]);
        y[j + 16] = dl * static_cast<float>(kvalues_iq4nl[qs[j] >> 4]);
      }
    }
  }
}

// Activation blocks (for tests and scalar dot products): w = d·q.
inline void dequantize_row_q8_1(const block_q8_1* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, y += qk32) {
    const float d = load_f16(x[i].d);
    for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

inline void dequantize_row_q8_k(const block_q8_k* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i, y += qk_k) {
    const float d = load_f32(x[i].d);
    for (int j = 0; j < 256; ++j) y[j] = d * static_cast<float>(x[i].qs[j]);
  }
}

}  // namespace flipside::quant::reference
