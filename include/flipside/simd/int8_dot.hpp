// Integer building blocks of the quantized kernels (include/flipside/quant/) that xsimd 8.1 does
// not offer: u8×s8 pair products (x86 `pmaddubsw`), i16 pair products (`pmaddwd`), the
// sign trick for s8×s8, nibble and bit unpacking, 16-entry byte lookups (`pshufb`) and widening
// int8 → f32. All work on 256-bit xsimd batches of `simd::int8::arch`; they exist when the
// compiler targets AVX2 (so also in AVX-512 builds, where 256-bit code is what Zen 4 runs at full
// rate anyway). Elsewhere `int8::available` is false and the quant kernels take their scalar
// references.
//
// Lane conventions: u8x32 / i8x32 hold 32 bytes in memory order; i16x16 / i32x8 results of pair
// products keep the pairs in order (lane k of maddubs = a[2k]·b[2k] + a[2k+1]·b[2k+1]).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include <flipside/simd/arch.hpp>  // xsimd and <immintrin.h>, with GCC 12's AVX-512 warnings fenced

#include <flipside/simd/half.hpp>

namespace flipside::simd::int8 {

// One fp16 block scale → f32: a single F16C instruction when the target has it, otherwise the
// exact bit manipulation of simd/half.hpp (same result).
inline float half_to_float(std::uint16_t h) noexcept {
#if defined(__F16C__)
  return _cvtsh_ss(h);
#else
  return f16_to_f32(f16{h});
#endif
}

#if XSIMD_WITH_AVX2

inline constexpr bool available = true;
using arch = std::conditional_t<XSIMD_WITH_FMA3_AVX2 != 0, xsimd::fma3<xsimd::avx2>, xsimd::avx2>;

#if defined(__AVXVNNI__) || (defined(__AVX512VNNI__) && defined(__AVX512VL__))
inline constexpr bool has_vnni = true;
#else
inline constexpr bool has_vnni = false;
#endif
// AVX-512BW/VL: byte operations on 256-bit vectors under a 32-bit mask register (add_bit16).
#if defined(__AVX512BW__) && defined(__AVX512VL__)
inline constexpr bool has_byte_masks = true;
#else
inline constexpr bool has_byte_masks = false;
#endif

using u8x32 = xsimd::batch<std::uint8_t, arch>;
using i8x32 = xsimd::batch<std::int8_t, arch>;
using i16x16 = xsimd::batch<std::int16_t, arch>;
using i32x8 = xsimd::batch<std::int32_t, arch>;
using f32x8 = xsimd::batch<float, arch>;

inline i8x32 load_i8(const std::int8_t* p) noexcept { return i8x32::load_unaligned(p); }
inline u8x32 load_u8(const std::uint8_t* p) noexcept { return u8x32::load_unaligned(p); }

template <class To, class From>
inline To as(const From& v) noexcept {
  return To(static_cast<__m256i>(v));
}

// 16 packed bytes → 32 nibbles: lanes 0..15 = low nibbles of p[0..15], lanes 16..31 = high
// nibbles (the element order of Q4_0 / Q4_1 / Q5_0 / IQ4_NL blocks). Both halves = p[0..15] (one
// broadcast load, no shuffle µop), the high half's dwords shifted right by 4 (a per-lane shift:
// bits of the next byte land in bits 4..7 and are masked off): two ALU instructions instead of the
// three of load + shift + 128-bit insert.
inline u8x32 load_nibbles(const std::uint8_t* p) noexcept {
  const __m256i b =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  const __m256i s = _mm256_srlv_epi32(b, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4));
  return u8x32(_mm256_and_si256(s, _mm256_set1_epi8(0x0F)));
}

// Q5_0 weights w = u − 16 as signed bytes from the nibbles and the 32 fifth bits:
// nibble | 0xF0 (= nibble − 16) where bit j is clear, the nibble where it is set. The bits:
// one pshufb of the broadcast word puts byte j/8 of it in lane j, an AND with 1 << (j % 8) and a
// compare with the same constant give the set-bit mask.
inline i8x32 signed_fifth(const u8x32& nibbles, std::uint32_t bits) noexcept {
  const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101,
                                         0x0000000000000000);
  const __m256i sel = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  const __m256i x =
      _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuf), sel);
  const __m256i set = _mm256_cmpeq_epi8(x, sel);
  return i8x32(_mm256_or_si256(
      nibbles, _mm256_andnot_si256(set, _mm256_set1_epi8(static_cast<char>(0xF0)))));
}

// The fp16 at p as f32, converted from an 8-byte load (p[0..8) must be readable; lanes 1..3 are
// ignored): one vcvtph2ps with a memory operand. Same value as half_to_float.
inline float half_at(const std::uint8_t* p) noexcept {
#if defined(__F16C__)
  return _mm_cvtss_f32(_mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
#else
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return half_to_float(h);
#endif
}

// Lane r (r = 0..7) = the sum of the 16 int16 lanes of p[r], as int32: eight rows' block sums in
// one vector (a transpose-and-add: unpack pairs of rows and add, twice, then widen). Partial sums
// of four lanes stay in int16: every lane must satisfy |·| ≤ 8191.
inline i32x8 sum_rows8(const i16x16 (&p)[8]) noexcept {
  const auto pairs = [](const __m256i& a, const __m256i& b) {
    return _mm256_add_epi16(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
  };
  const __m256i a01 = pairs(p[0], p[1]), a23 = pairs(p[2], p[3]);
  const __m256i a45 = pairs(p[4], p[5]), a67 = pairs(p[6], p[7]);
  // Per 128-bit half, dword r = two words of row r, each the sum of four of its words.
  const __m256i b0 =
      _mm256_add_epi16(_mm256_unpacklo_epi64(a01, a23), _mm256_unpackhi_epi64(a01, a23));
  const __m256i b1 =
      _mm256_add_epi16(_mm256_unpacklo_epi64(a45, a67), _mm256_unpackhi_epi64(a45, a67));
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i c0 = _mm256_madd_epi16(b0, ones), c1 = _mm256_madd_epi16(b1, ones);
  // c0 = rows 0..3 of the low half | rows 0..3 of the high half; c1 rows 4..7.
  return i32x8(_mm256_add_epi32(_mm256_permute2x128_si256(c0, c1, 0x20),
                                _mm256_permute2x128_si256(c0, c1, 0x31)));
}

// Lane r (r = 0..7) = the sum of the 8 int32 lanes of p[r]: sum_rows8 for int32 partial sums
// (VNNI dot products), by the same transpose-and-add one level wider.
inline i32x8 sum_rows8(const i32x8 (&p)[8]) noexcept {
  const auto pairs = [](const __m256i& a, const __m256i& b) {
    return _mm256_add_epi32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
  };
  const __m256i a01 = pairs(p[0], p[1]), a23 = pairs(p[2], p[3]);
  const __m256i a45 = pairs(p[4], p[5]), a67 = pairs(p[6], p[7]);
  // Per 128-bit half, dword r = the sum of row r's four dwords of that half.
  const __m256i b0 =
      _mm256_add_epi32(_mm256_unpacklo_epi64(a01, a23), _mm256_unpackhi_epi64(a01, a23));
  const __m256i b1 =
      _mm256_add_epi32(_mm256_unpacklo_epi64(a45, a67), _mm256_unpackhi_epi64(a45, a67));
  return i32x8(_mm256_add_epi32(_mm256_permute2x128_si256(b0, b1, 0x20),
                                _mm256_permute2x128_si256(b0, b1, 0x31)));
}

// Lane r = (fp16 at p[r]) · s, each the single rounding of half_to_float·s: the eight rows' block
// scales for sum_rows8. The halves are gathered in two general-purpose registers (integer ports,
// idle in these kernels) and converted by one vcvtph2ps.
inline f32x8 scales8(const std::uint8_t* const (&p)[8], float s) noexcept {
#if defined(__F16C__)
  const auto h = [&](int r) {
    std::uint16_t v;
    std::memcpy(&v, p[r], 2);
    return static_cast<std::uint32_t>(v);
  };
  const __m128i h8 =
      _mm_setr_epi32(static_cast<int>(h(0) | h(1) << 16), static_cast<int>(h(2) | h(3) << 16),
                     static_cast<int>(h(4) | h(5) << 16), static_cast<int>(h(6) | h(7) << 16));
  return f32x8(_mm256_mul_ps(_mm256_cvtph_ps(h8), _mm256_set1_ps(s)));
#else
  alignas(32) float c[8];
  for (int r = 0; r < 8; ++r) c[r] = half_at(p[r]) * s;
  return f32x8::load_aligned(c);
#endif
}

// 32 packed bytes → low nibbles (lo) and high nibbles (hi) of p[0..31] (Q4_K / Q5_K chunks).
inline void split_nibbles(const std::uint8_t* p, u8x32& lo, u8x32& hi) noexcept {
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i m = _mm256_set1_epi8(0x0F);
  lo = u8x32(_mm256_and_si256(b, m));
  hi = u8x32(_mm256_and_si256(_mm256_srli_epi16(b, 4), m));
}

// Bytes shifted right by n within each byte (n = 0..7).
inline u8x32 shr(const u8x32& v, int n) noexcept {
  const __m256i s = _mm256_srli_epi16(v, n);
  return u8x32(_mm256_and_si256(s, _mm256_set1_epi8(static_cast<char>(0xFF >> n))));
}

// Bytes shifted left by n within each byte (n = 0..7).
inline u8x32 shl(const u8x32& v, int n) noexcept {
  const __m256i s = _mm256_slli_epi16(v, n);
  return u8x32(_mm256_and_si256(s, _mm256_set1_epi8(static_cast<char>((0xFF << n) & 0xFF))));
}

// Lane j = 0xFF if bit j of `bits` is set, else 0.
inline u8x32 expand_bits(std::uint32_t bits) noexcept {
  const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101,
                                         0x0000000000000000);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuf);
  bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7FBFDFEFF7FBFDFE));
  return u8x32(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1)));
}

// Q5_0 weights as unsigned u = nibble + 16·(bit j of `bits`) ∈ [0, 31] in lane j, for an
// unsigned × signed dot product (the −16 offset then goes into its seed). With AVX-512BW/VL the
// 32 bits are the mask of one masked byte add; otherwise they are expanded to bytes first.
FLIPSIDE_AVX512_INTRINSICS_BEGIN  // GCC bug 105593, see simd/arch.hpp
inline u8x32 add_bit16(const u8x32& nibbles, std::uint32_t bits) noexcept {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
  return u8x32(_mm256_mask_add_epi8(nibbles, _cvtu32_mask32(bits), nibbles, _mm256_set1_epi8(16)));
#else
  return nibbles | (expand_bits(bits) & u8x32(std::uint8_t{16}));
#endif
}
FLIPSIDE_AVX512_INTRINSICS_END

// Lane j = table[idx[j]] for idx in 0..15.
inline i8x32 lookup16(const std::int8_t* table, const u8x32& idx) noexcept {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table));
  return i8x32(_mm256_shuffle_epi8(_mm256_broadcastsi128_si256(t), idx));
}

// Pair sums of u8·s8 products as int16 (saturating; every caller keeps 2·|a|·|b| < 32768).
inline i16x16 maddubs(const u8x32& a, const i8x32& b) noexcept {
  return i16x16(_mm256_maddubs_epi16(a, b));
}

// Pair sums of i16·i16 products as int32.
inline i32x8 madd(const i16x16& a, const i16x16& b) noexcept {
  return i32x8(_mm256_madd_epi16(a, b));
}

// acc + sums of four consecutive u8·s8 products (exact int32, no saturation with VNNI).
inline i32x8 dot_u8s8_acc(const i32x8& acc, const u8x32& a, const i8x32& b) noexcept {
#if defined(__AVXVNNI__)
  return i32x8(_mm256_dpbusd_avx_epi32(__m256i(acc), __m256i(a), __m256i(b)));
#elif defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return i32x8(_mm256_dpbusd_epi32(__m256i(acc), __m256i(a), __m256i(b)));
#else
  return acc + madd(maddubs(a, b), i16x16(std::int16_t{1}));
#endif
}

// Sums of four consecutive u8·s8 products.
inline i32x8 dot_u8s8(const u8x32& a, const i8x32& b) noexcept {
  return dot_u8s8_acc(i32x8(0), a, b);
}

// v + 128 as unsigned bytes (the sign bit flipped): exact for every int8, −128 included.
inline u8x32 offset_u8(const i8x32& v) noexcept {
  return u8x32(_mm256_xor_si256(v, _mm256_set1_epi8(static_cast<char>(0x80))));
}

// |a| as unsigned bytes, and b with the sign of a applied (0 where a is 0): a·b = |a|·sign(b, a).
inline u8x32 abs_i8(const i8x32& a) noexcept { return u8x32(_mm256_sign_epi8(a, a)); }
inline i8x32 sign(const i8x32& b, const i8x32& a) noexcept { return i8x32(_mm256_sign_epi8(b, a)); }

// Sums of four consecutive s8·s8 products (operands in −127..127).
inline i32x8 dot_s8s8(const i8x32& a, const i8x32& b) noexcept {
  return dot_u8s8(abs_i8(a), sign(b, a));
}

// Pair sums of s8·s8 products as int16 (operands in −127..127).
inline i16x16 maddbb(const i8x32& a, const i8x32& b) noexcept {
  return maddubs(abs_i8(a), sign(b, a));
}

// 16 int8 → 16 int16.
inline i16x16 widen_i8_i16(const std::int8_t* p) noexcept {
  return i16x16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}

// Raw 16-bit lane shifts of a byte vector (bits cross into the neighbouring byte): for callers
// that mask afterwards anyway, one instruction instead of shr/shl's two.
inline u8x32 shl16(const u8x32& v, int n) noexcept { return u8x32(_mm256_slli_epi16(v, n)); }
inline u8x32 shr16(const u8x32& v, int n) noexcept { return u8x32(_mm256_srli_epi16(v, n)); }

// 16 little-endian int16 at p.
inline i16x16 load_i16(const void* p) noexcept {
  return i16x16(_mm256_loadu_si256(static_cast<const __m256i*>(p)));
}

// The 8 bytes of `bytes` (little-endian) zero-extended to int16, words 0..7 of both 128-bit
// halves.
inline i16x16 widen_u8x8_i16(std::uint64_t bytes) noexcept {
  const __m128i w = _mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<long long>(bytes)));
  return i16x16(_mm256_broadcastsi128_si256(w));
}

// The 8 bytes of `bytes` zero-extended to int16, each twice: lanes 2j and 2j+1 = byte j.
inline i16x16 widen_u8x8_i16_twice(std::uint64_t bytes) noexcept {
  const __m128i b = _mm_cvtsi64_si128(static_cast<long long>(bytes));
  return i16x16(_mm256_cvtepu8_epi16(_mm_unpacklo_epi8(b, b)));
}

// Both 128-bit halves = half h (0 or 1) of v.
inline i16x16 dup_half(const i16x16& v, int h) noexcept {
  return i16x16(h ? _mm256_permute2x128_si256(v, v, 0x11) : _mm256_permute2x128_si256(v, v, 0x00));
}

namespace detail {
// pshufb controls: word_masks[j] repeats word j of each 128-bit half over that half;
// pair_masks[k] repeats word 2k over the low half and word 2k+1 over the high half.
struct word_shuffles {
  alignas(32) std::uint8_t word[8][32];
  alignas(32) std::uint8_t pair[4][32];
  constexpr word_shuffles() : word(), pair() {
    for (int j = 0; j < 8; ++j)
      for (int b = 0; b < 32; ++b) word[j][b] = static_cast<std::uint8_t>(2 * j + (b & 1));
    for (int k = 0; k < 4; ++k)
      for (int b = 0; b < 32; ++b)
        pair[k][b] = static_cast<std::uint8_t>(2 * (2 * k + (b >= 16)) + (b & 1));
  }
};
inline constexpr word_shuffles shuffles{};
}  // namespace detail

// Every lane = word j (0..7) of its own 128-bit half.
inline i16x16 splat_word(const i16x16& v, int j) noexcept {
  return i16x16(_mm256_shuffle_epi8(
      v, _mm256_load_si256(reinterpret_cast<const __m256i*>(detail::shuffles.word[j]))));
}

// Low half = word 2k of the low half, high half = word 2k+1 of the high half (k = 0..3): with
// v = dup_half(s, h), the halves_i16(s[8h+2k], s[8h+2k+1]) of a 16-scale vector s.
inline i16x16 splat_pair(const i16x16& v, int k) noexcept {
  return i16x16(_mm256_shuffle_epi8(
      v, _mm256_load_si256(reinterpret_cast<const __m256i*>(detail::shuffles.pair[k]))));
}

// int16 lanes 0..7 = lo, lanes 8..15 = hi.
inline i16x16 halves_i16(std::int16_t lo, std::int16_t hi) noexcept {
  return i16x16(
      _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16(lo)), _mm_set1_epi16(hi), 1));
}

// Lanes 8k..8k+7 of v as floats (k = 0..3), signed or unsigned.
template <int K>
inline f32x8 to_f32(const i8x32& v) noexcept {
  static_assert(K >= 0 && K < 4);
  const __m128i half = K < 2 ? _mm256_castsi256_si128(v) : _mm256_extracti128_si256(v, 1);
  const __m128i part = (K % 2) ? _mm_srli_si128(half, 8) : half;
  return f32x8(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(part)));
}
template <int K>
inline f32x8 to_f32(const u8x32& v) noexcept {
  static_assert(K >= 0 && K < 4);
  const __m128i half = K < 2 ? _mm256_castsi256_si128(v) : _mm256_extracti128_si256(v, 1);
  const __m128i part = (K % 2) ? _mm_srli_si128(half, 8) : half;
  return f32x8(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(part)));
}

// 8 int8 at p → floats.
inline f32x8 load_i8_f32(const std::int8_t* p) noexcept {
  return f32x8(_mm256_cvtepi32_ps(
      _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)))));
}

// Saturating narrowing of 4 × 8 int32 lanes to 32 int8 in order (a, b, c, d).
inline i8x32 pack_i32_i8(const i32x8& a, const i32x8& b, const i32x8& c, const i32x8& d) noexcept {
  const __m256i ab = _mm256_packs_epi32(a, b);  // 128-bit lanes: a0 b0 | a1 b1
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i abcd = _mm256_packs_epi16(ab, cd);  // a0 b0 c0 d0 | a1 b1 c1 d1 (4 bytes each)
  return i8x32(_mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// Sums of 16 consecutive int8 lanes: {Σ v[0..16), Σ v[16..32)} as int32.
inline void sum16_i8(const i8x32& v, std::int32_t& lo, std::int32_t& hi) noexcept {
  const __m256i w =
      _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), v), _mm256_set1_epi16(1));
  const __m128i l = _mm256_castsi256_si128(w), h = _mm256_extracti128_si256(w, 1);
  const __m128i l2 = _mm_add_epi32(l, _mm_unpackhi_epi64(l, l)),
                h2 = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
  lo = _mm_cvtsi128_si32(_mm_add_epi32(l2, _mm_shuffle_epi32(l2, 1)));
  hi = _mm_cvtsi128_si32(_mm_add_epi32(h2, _mm_shuffle_epi32(h2, 1)));
}

// Horizontal max of non-negative lanes.
inline float hmax(const f32x8& v) noexcept {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// Horizontal sums.
inline std::int32_t hsum(const i32x8& v) noexcept {
  const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i t = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  return _mm_cvtsi128_si32(_mm_add_epi32(t, _mm_shuffle_epi32(t, 1)));
}
inline float hsum(const f32x8& v) noexcept {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

#else

inline constexpr bool available = false;
inline constexpr bool has_vnni = false;

#endif

}  // namespace flipside::simd::int8
