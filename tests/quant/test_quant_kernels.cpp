// Quant kernels against their scalar references on random blocks and awkward lengths (no
// reference data needed): the vector paths must agree bitwise where the reference is bitwise
// (dequantisation) and to float rounding where they reorder sums (dot products), for every arch
// the tests were compiled for.
#include <flipside/quant.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "quant_test_util.hpp"

using flipside::dtype;
namespace quant = flipside::quant;
namespace test = flipside::test;

namespace {

const dtype block_types[] = {dtype::q4_0, dtype::q4_1,   dtype::q5_0, dtype::q5_1,
                             dtype::q8_0, dtype::iq4_nl, dtype::q2_k, dtype::q3_k,
                             dtype::q4_k, dtype::q5_k,   dtype::q6_k, dtype::iq4_xs};

// Byte offsets of the fp16 scale fields of one block (random bytes there could be inf/NaN).
std::vector<std::size_t> half_fields(dtype t) {
  switch (t) {
    case dtype::q4_0:
    case dtype::q5_0:
    case dtype::q8_0:
    case dtype::iq4_nl:
    case dtype::iq4_xs:
      return {0};
    case dtype::q4_1:
    case dtype::q5_1:
    case dtype::q4_k:
    case dtype::q5_k:
      return {0, 2};
    case dtype::q2_k:
      return {80, 82};
    case dtype::q3_k:
      return {108};
    case dtype::q6_k:
      return {208};
    default:
      return {};
  }
}

// n elements of type t: random quants, finite random scales of varied magnitude.
std::vector<std::uint8_t> random_blocks(dtype t, std::size_t n, test::rng& g) {
  const auto tr = *flipside::traits_of(t);
  std::vector<std::uint8_t> bytes(n / tr.block_size * tr.block_bytes);
  for (auto& b : bytes) b = g.byte();
  for (std::size_t blk = 0; blk < n / tr.block_size; ++blk) {
    for (std::size_t off : half_fields(t)) {
      const float scale = std::ldexp(g.uniform(), -static_cast<int>(g.next() % 12));
      quant::store_f16(bytes.data() + blk * tr.block_bytes + off, scale);
    }
  }
  return bytes;
}

std::size_t block_size(dtype t) { return flipside::traits_of(t)->block_size; }

}  // namespace

TEST_CASE("quant: kernels take the vector path on AVX2 and AVX-512 targets") {
  CHECK_FALSE(quant::vector_path<quant::reference_arch>);
  CHECK_FALSE(quant::vector_path<xsimd::sse4_2>);
#if XSIMD_WITH_AVX2
  CHECK(quant::vector_path<xsimd::avx2>);
  CHECK(quant::vector_path<xsimd::fma3<xsimd::avx2>>);
  CHECK(quant::vector_path<xsimd::avx512bw>);
  CHECK(quant::vector_path<flipside::simd::default_arch>);
#endif
}

TEMPLATE_LIST_TEST_CASE(
    "quant: vector dequantisation is bitwise the scalar reference on random blocks", "[quant]",
    flipside::simd::compiled_archs) {
  test::rng g(42);
  for (dtype t : block_types) {
    INFO(flipside::dtype_name(t));
    for (std::size_t nblocks : {1u, 3u, 8u}) {
      const std::size_t n = nblocks * block_size(t);
      const auto w = random_blocks(t, n, g);
      std::vector<float> ref(n), out(n);
      quant::dequantize_row<quant::reference_arch>(t, w.data(), ref.data(), n);
      quant::dequantize_row<TestType>(t, w.data(), out.data(), n);
      CHECK(test::bitwise_equal(out.data(), ref.data(), n));
    }
  }
}

TEMPLATE_LIST_TEST_CASE("quant: vector integer dot products agree with the scalar references",
                        "[quant]", flipside::simd::compiled_archs) {
  test::rng g(7);
  for (dtype t : block_types) {
    INFO(flipside::dtype_name(t));
    const dtype at = quant::vec_dot_type(t);
    for (std::size_t nblocks : {1u, 2u, 5u, 19u}) {
      const std::size_t n = nblocks * block_size(t);
      const auto w = random_blocks(t, n, g);
      std::vector<float> x(n);
      for (auto& v : x) v = g.normal();
      x[n / 3] *= 40.0f;  // an outlier channel
      std::vector<std::uint8_t> xq(quant::row_bytes(at, n));
      quant::quantize_activations(at, x.data(), xq.data(), n);
      // The exact value of the integer dot: dequantised operands in double (plus, for q8_1
      // partners, the block min term uses the stored s = fp16(d·Σq) like ggml does).
      std::vector<float> wd(n), ad(n);
      quant::dequantize_row<quant::reference_arch>(t, w.data(), wd.data(), n);
      quant::dequantize_row(at, xq.data(), ad.data(), n);
      double exact = 0, mag = 0;
      for (std::size_t i = 0; i < n; ++i) {
        exact += static_cast<double>(wd[i]) * ad[i];
        mag += std::fabs(static_cast<double>(wd[i]) * ad[i]);
      }
      if (at == dtype::q8_1) {
        const auto* wb = w.data();
        const auto* ab = reinterpret_cast<const quant::block_q8_1*>(xq.data());
        const std::size_t bb = flipside::traits_of(t)->block_bytes;
        for (std::size_t b = 0; b < nblocks; ++b) {
          const double m = quant::load_f16(wb + b * bb + 2), d = quant::load_f16(ab[b].d);
          double sumq = 0;
          for (int j = 0; j < 32; ++j) sumq += ab[b].qs[j];
          exact += m * (quant::load_f16(ab[b].s) - d * sumq);
        }
      }
      const float ref = quant::vec_dot<quant::reference_arch>(t, w.data(), xq.data(), n);
      const float vec = quant::vec_dot<TestType>(t, w.data(), xq.data(), n);
      CHECK(std::fabs(ref - exact) <= 1e-6 * mag + 1e-30);
      CHECK(std::fabs(vec - exact) <= 1e-6 * mag + 1e-30);
    }
  }
}

// vec_dot_rows takes the row-group kernels (8, 4, 3, 2, 1 rows; one activation block prepared
// for all rows of a group): odd row counts, a group boundary in the middle, tails of one block,
// and extreme quants (bytes 0x00 / 0x7F / 0x80 / 0xFF, i.e. q8_0 weights of −128, every nibble
// 0 or 15; activations all ±127) where a sign or offset trick could overflow or wrap.
TEMPLATE_LIST_TEST_CASE(
    "quant: integer dot products of row groups agree with the scalar references", "[quant]",
    flipside::simd::compiled_archs) {
  test::rng g(11);
  const std::uint8_t extremes[4] = {0x00, 0x7F, 0x80, 0xFF};
  for (dtype t : block_types) {
    const dtype at = quant::vec_dot_type(t);
    const std::size_t bb = flipside::traits_of(t)->block_bytes;
    for (int extreme = 0; extreme < 2; ++extreme) {
      for (std::size_t nblocks : {1u, 3u}) {
        INFO(flipside::dtype_name(t) << " extreme " << extreme << " blocks " << nblocks);
        const std::size_t n = nblocks * block_size(t), rows = 19, rb = nblocks * bb;
        auto w = random_blocks(t, rows * n, g);
        if (extreme) {
          const auto scales = w;  // keep the fp16 fields random_blocks made finite
          for (auto& b : w) b = extremes[g.next() % 4];
          for (std::size_t blk = 0; blk < rows * nblocks; ++blk)
            for (std::size_t off : half_fields(t))
              std::memcpy(w.data() + blk * bb + off, scales.data() + blk * bb + off, 2);
        }
        std::vector<float> x(n);
        for (auto& v : x) v = extreme ? ((g.next() & 1) ? 1.0f : -1.0f) : g.normal();
        std::vector<std::uint8_t> xq(quant::row_bytes(at, n));
        quant::quantize_activations(at, x.data(), xq.data(), n);
        std::vector<float> ad(n), wd(n);
        quant::dequantize_row(at, xq.data(), ad.data(), n);
        std::vector<float> out(rows), part(rows);
        quant::vec_dot_rows<TestType>(t, w.data(), rb, xq.data(), n, rows, out.data());
        quant::vec_dot_rows<TestType>(t, w.data() + 3 * rb, rb, xq.data(), n, 13, part.data() + 3);
        for (std::size_t r = 0; r < rows; ++r) {
          INFO("row " << r);
          const float ref =
              quant::vec_dot<quant::reference_arch>(t, w.data() + r * rb, xq.data(), n);
          quant::dequantize_row<quant::reference_arch>(t, w.data() + r * rb, wd.data(), n);
          double mag = 0;
          for (std::size_t i = 0; i < n; ++i) mag += std::fabs(static_cast<double>(wd[i]) * ad[i]);
          if (at == dtype::q8_1) {  // the block min term m·s
            const auto* ab = reinterpret_cast<const quant::block_q8_1*>(xq.data());
            for (std::size_t b = 0; b < nblocks; ++b)
              mag += std::fabs(quant::load_f16(w.data() + r * rb + b * bb + 2) *
                               static_cast<double>(quant::load_f16(ab[b].s)));
          }
          CHECK(std::fabs(out[r] - ref) <= 2e-6 * mag + 1e-30);
          // Row grouping does not change a row's result.
          if (r >= 3 && r < 16) CHECK(part[r] == out[r]);
        }
      }
    }
  }
}

TEST_CASE("quant: q8_0 and q4_0 quantisation round trips within half a step") {
  test::rng g(3);
  std::vector<float> x(96);
  for (auto& v : x) v = g.normal();
  x[5] = 0;
  std::fill(x.begin() + 64, x.end(), 0.0f);  // an all-zero block
  for (dtype t : {dtype::q8_0, dtype::q4_0, dtype::q4_1, dtype::q5_0, dtype::q5_1}) {
    INFO(flipside::dtype_name(t));
    std::vector<std::uint8_t> q(quant::row_bytes(t, x.size()));
    quant::quantize_row(t, x.data(), q.data(), x.size());
    std::vector<float> back(x.size());
    quant::dequantize_row(t, q.data(), back.data(), x.size());
    const float levels = t == dtype::q8_0                         ? 127.0f
                         : (t == dtype::q4_0 || t == dtype::q4_1) ? 7.5f
                                                                  : 15.5f;
    for (std::size_t b = 0; b < 3; ++b) {
      float amax = 0, mn = 1e30f, mx = -1e30f;
      for (std::size_t j = 0; j < 32; ++j) {
        amax = std::max(amax, std::fabs(x[32 * b + j]));
        mn = std::min(mn, x[32 * b + j]);
        mx = std::max(mx, x[32 * b + j]);
      }
      const float step =
          (t == dtype::q4_1 || t == dtype::q5_1) ? (mx - mn) / (2 * levels) : amax / levels;
      for (std::size_t j = 0; j < 32; ++j)
        CHECK(std::fabs(back[32 * b + j] - x[32 * b + j]) <= 0.51f * step + 1e-3f * amax);
    }
    for (std::size_t j = 64; j < 96; ++j) CHECK(back[j] == 0.0f);
  }
}

TEST_CASE("quant: half conversions are exact and round to nearest even") {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto hh = static_cast<std::uint16_t>(h);
    const float f = quant::f16_to_f32(hh);
    if (std::isnan(f)) {
      CHECK((quant::f32_to_f16(f) & 0x7E00u) == 0x7E00u);
      continue;
    }
    REQUIRE(quant::f32_to_f16(f) == hh);
  }
  CHECK(quant::f32_to_f16(65504.0f) == 0x7BFF);
  CHECK(quant::f32_to_f16(65519.0f) == 0x7BFF);
  CHECK(quant::f32_to_f16(65520.0f) == 0x7C00);
  CHECK(quant::f32_to_f16(1.0f + 0x1.0p-11f) == 0x3C00);      // tie → even
  CHECK(quant::f32_to_f16(1.0f + 3 * 0x1.0p-11f) == 0x3C02);  // tie → even (up)
  CHECK(quant::f32_to_f16(0x1.0p-25f) == 0x0000);             // tie → even (zero)
  CHECK(quant::f32_to_f16(0x1.8p-25f) == 0x0001);             // above the tie
  CHECK(quant::f32_to_f16(-0x1.0p-24f) == 0x8001);
  CHECK(quant::f32_to_bf16(1.0f + 0x1.0p-8f) == 0x3F80);  // tie → even
  CHECK(quant::bf16_to_f32(0x3F81) == 1.0f + 0x1.0p-7f);
}

TEST_CASE("quant: shape and size mismatches give clear errors") {
  std::vector<std::byte> bytes(18 * 4);
  flipside::tensor_view w{
      "blk.0.ffn_down.weight", dtype::q4_0, {2, 64}, bytes.data(), bytes.size()};
  CHECK_NOTHROW(quant::check_weight(w));
  w.nbytes = 54;  // byte size disagrees with shape × type
  CHECK_THROWS_AS(quant::check_weight(w), flipside::argument_error);
  CHECK_THROWS_WITH(quant::check_weight(w), Catch::Contains("blk.0.ffn_down.weight") &&
                                                Catch::Contains("54 bytes") &&
                                                Catch::Contains("need 72"));
  w.shape = {2, 48};  // row length not a whole number of blocks
  CHECK_THROWS_WITH(quant::check_weight(w),
                    Catch::Contains("blk.0.ffn_down.weight") &&
                        Catch::Contains("not a multiple of the q4_0 block size 32"));
  w.shape = {2, 2, 32};
  CHECK_THROWS_AS(quant::check_weight(w), flipside::argument_error);
  std::vector<float> out(48);
  CHECK_THROWS_AS(quant::dequantize_row(dtype::q4_k, bytes.data(), out.data(), 48),
                  flipside::argument_error);
  CHECK_THROWS_AS(quant::quantize_row(dtype::q4_k, out.data(), bytes.data(), 256),
                  flipside::unsupported_error);
  CHECK_THROWS_AS(quant::vec_dot(dtype::f16, bytes.data(), bytes.data(), 32),
                  flipside::unsupported_error);
}

#if XSIMD_WITH_AVX2
// The byte helpers of the VNNI Q5_0 kernel against their definitions, on random inputs and on
// all-ones / all-zero bit patterns: add_bit16 (the fifth bits added under a mask or expanded to
// bytes, whichever the target compiles) and sum_rows8 for int32 partial sums (lane r = the sum
// of row r's lanes, including sums near the int32 range's edge, which must not saturate).
TEST_CASE("quant: int8 helpers add_bit16 and int32 sum_rows8 match their definitions") {
  namespace i8 = flipside::simd::int8;
  test::rng g(11);
  for (int trial = 0; trial < 200; ++trial) {
    alignas(32) std::uint8_t nib[32], out[32];
    for (auto& b : nib) b = static_cast<std::uint8_t>(g.byte() & 0x0F);
    const std::uint32_t bits = trial == 0   ? 0u
                               : trial == 1 ? 0xFFFFFFFFu
                                            : static_cast<std::uint32_t>(g.next());
    i8::add_bit16(i8::u8x32::load_aligned(nib), bits).store_aligned(out);
    for (int j = 0; j < 32; ++j) {
      INFO("trial " << trial << " lane " << j);
      CHECK(out[j] == nib[j] + (((bits >> j) & 1u) ? 16 : 0));
    }

    alignas(32) std::int32_t rows[8][8], sums[8];
    i8::i32x8 p[8];
    for (int r = 0; r < 8; ++r) {
      for (int k = 0; k < 8; ++k)
        rows[r][k] = trial == 2 ? (r % 2 ? -(1 << 27) : (1 << 27) - 1)
                                : static_cast<std::int32_t>(g.next() % 2000001) - 1000000;
      p[r] = i8::i32x8::load_aligned(rows[r]);
    }
    i8::sum_rows8(p).store_aligned(sums);
    for (int r = 0; r < 8; ++r) {
      std::int64_t expect = 0;
      for (int k = 0; k < 8; ++k) expect += rows[r][k];
      INFO("trial " << trial << " row " << r);
      CHECK(sums[r] == expect);
    }
  }
}
#endif
