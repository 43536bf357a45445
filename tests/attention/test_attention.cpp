// flipside::attention against a scalar double-precision reference (attention_support.hpp), for
// every arch in simd::compiled_archs.
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>

#include <catch2/catch.hpp>

#include "attention_support.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

constexpr double f32_tolerance = 1e-5;

std::string describe(const attention_shape& s, const attention_params& p, const mask_spec& m) {
  static const char* names[] = {"causal", "full", "sliding_window", "runtime_window"};
  std::ostringstream os;
  os << "T=" << s.n_queries << " L=" << s.n_keys << " H=" << s.n_heads << " KV=" << s.n_kv_heads
     << " D=" << s.head_dim << " strides(q,kv,out)=" << s.q_stride << "," << s.kv_stride << ","
     << s.out_stride << " pos=" << p.position << " mask=" << names[int(m.kind)]
     << " window=" << m.window << " scale=" << p.scale << " softcap=" << p.softcap;
  return os.str();
}

// A random shape from the grid of issue 2 §4, bounded in cost so the whole suite stays fast (the
// double reference costs ~T·L·H·D); T = 513 therefore only comes with small H·D.
// Case i takes the query count and mask kind from i, so every combination of the two appears in
// each run of 20 consecutive cases; the rest of the shape is random.
template <class E>
problem<E> random_problem(test_rng& g, int i) {
  static constexpr std::size_t query_counts[] = {1, 3, 17, 64, 513};
  for (;;) {
    problem<E> pb;
    auto& s = pb.shape;
    s.n_queries = query_counts[i % 5];
    s.head_dim = g.pick<std::size_t>({8, 24, 40, 64, 80, 96, 128, 256});
    const std::size_t ratio = g.pick<std::size_t>({1, 2, 4, 8});
    s.n_kv_heads = g.pick<std::size_t>({1, 2});
    s.n_heads = ratio * s.n_kv_heads;
    pb.mask.kind = static_cast<mask_kind>((i / 5) % 4);
    if (pb.mask.kind == mask_kind::window) pb.mask.window = 5;
    if (pb.mask.kind == mask_kind::runtime_window)
      pb.mask.window = g.pick<std::size_t>({0, 1, 3, 16, 64, 100});
    // Prefill from position 0, or a continuation after a cached prefix (decode when T = 1).
    pb.params.position = g.below(2) ? 0 : g.below(100);
    s.n_keys = pb.params.position + s.n_queries;
    if (pb.mask.kind == mask_kind::full) s.n_keys += g.below(20);  // extra keys: encoder-style
    if (g.below(4) == 0) pb.params.scale = 0.05f + 0.2f * (g.uniform() + 1.0f);
    if (g.below(4) == 0) pb.params.softcap = g.pick<float>({5.0f, 50.0f});
    if (g.below(5) == 0) {
      s.q_stride = s.n_heads * s.head_dim + g.pick<std::size_t>({1, 8, 3 * s.head_dim});
      s.kv_stride = s.n_kv_heads * s.head_dim + g.pick<std::size_t>({1, 2 * s.head_dim});
      s.out_stride = s.n_heads * s.head_dim + 5;
    }
    if (s.n_queries * s.n_keys * s.n_heads * s.head_dim > 8'000'000) continue;
    fill_random(pb, g, g.below(3) == 0 ? 3.0f : 1.0f);
    return pb;
  }
}

template <class Arch, class E>
void check_random_cases(std::uint64_t seed, int n_cases) {
  test_rng g(seed);
  for (int i = 0; i < n_cases; ++i) {
    const problem<E> pb = random_problem<E>(g, i);
    INFO("case " << i << ": " << describe(pb.shape, pb.params, pb.mask));
    const auto ref = reference_attention(pb);
    const auto online64 = run_attention<online<64>, Arch>(pb);
    const auto twopass = run_attention<two_pass, Arch>(pb);
    REQUIRE(max_relative_error(online64, pb.shape, ref) <= f32_tolerance);
    // Tiles that are not a multiple of the lanes, with f32 KV only (the tile loop does not depend
    // on the KV type, and each instantiation costs build time on every arch).
    if constexpr (std::is_same_v<E, float>) {
      const auto online7 = run_attention<online<7>, Arch>(pb);
      REQUIRE(max_relative_error(online7, pb.shape, ref) <= f32_tolerance);
    }
    REQUIRE(max_relative_error(twopass, pb.shape, ref) <= f32_tolerance);
    // online ≡ two_pass: the same numbers up to rounding of the rescaling.
    std::vector<double> tp(twopass.size());
    for (std::size_t t = 0; t < pb.shape.n_queries; ++t)
      for (std::size_t c = 0; c < pb.shape.n_heads * pb.shape.head_dim; ++c)
        tp[t * pb.shape.n_heads * pb.shape.head_dim + c] = twopass[t * pb.shape.out_row() + c];
    REQUIRE(max_relative_error(online64, pb.shape, tp) <= f32_tolerance);
    // Padding between strided output rows is never written.
    for (std::size_t t = 0; t < pb.shape.n_queries; ++t)
      for (std::size_t c = pb.shape.n_heads * pb.shape.head_dim; c < pb.shape.out_row(); ++c)
        REQUIRE(std::isnan(online64[t * pb.shape.out_row() + c]));
  }
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("attention takes the vector path of each compiled arch", "[attention]",
                        simd::compiled_archs) {
  using block = detail::attention_block<causal, online<64>, TestType, float>;
  STATIC_REQUIRE(block::lanes == xsimd::batch<float, TestType>::size);
  STATIC_REQUIRE(block::lanes >= 4);
}

TEMPLATE_LIST_TEST_CASE("attention (f32 KV) matches a double reference on 200 random shapes",
                        "[attention]", simd::compiled_archs) {
  check_random_cases<TestType, float>(0x5eed0001, 200);
}

TEMPLATE_LIST_TEST_CASE("attention with f16 and bf16 KV matches a double reference", "[attention]",
                        simd::compiled_archs) {
  // The reference reads the same 16-bit values, so the f32 tolerance applies unchanged.
  check_random_cases<TestType, f16_t>(0x5eed0002, 40);
  check_random_cases<TestType, bf16_t>(0x5eed0003, 40);
}

TEMPLATE_LIST_TEST_CASE("large logits stay finite and accurate (max subtraction)", "[attention]",
                        simd::compiled_archs) {
  test_rng g(7);
  problem<float> pb;
  pb.shape.n_queries = 33;
  pb.shape.n_keys = 33;
  pb.shape.n_heads = 4;
  pb.shape.n_kv_heads = 2;
  pb.shape.head_dim = 64;
  fill_random(pb, g, 40.0f);  // logits up to ~±300: e^s overflows without the max subtracted
  const auto ref = reference_attention(pb);
  for (const auto& out :
       {run_attention<online<16>, TestType>(pb), run_attention<two_pass, TestType>(pb)}) {
    for (float x : out) REQUIRE(std::isfinite(x));
    // A logit error δ changes a weight by a factor e^δ: absolute logit errors grow with |s|.
    REQUIRE(max_relative_error(out, pb.shape, ref) <= 2e-4);
  }
}

TEST_CASE("sliding window equals full attention over the window's keys") {
  test_rng g(11);
  problem<float> pb;
  auto& s = pb.shape;
  s.n_queries = 40;
  s.n_keys = 40;
  s.n_heads = 4;
  s.n_kv_heads = 1;
  s.head_dim = 24;
  fill_random(pb, g);
  std::vector<float> win(pb.out_size()), rt(pb.out_size()), row(s.n_heads * s.head_dim);
  attention<sliding_window<16>>(pb.q.data(), pb.k.data(), pb.v.data(), win.data(), s);
  attention_params p;
  p.window = 16;
  attention<runtime_window>(pb.q.data(), pb.k.data(), pb.v.data(), rt.data(), s, p);
  REQUIRE(std::memcmp(win.data(), rt.data(), win.size() * sizeof(float)) == 0);
  for (std::size_t t = 0; t < s.n_queries; ++t) {
    // Keys t−15 … t, given to a `full` mask as the whole cache.
    const std::size_t lo = t >= 15 ? t - 15 : 0;
    attention_shape one = s;
    one.n_queries = 1;
    one.n_keys = t + 1 - lo;
    attention<full>(pb.q.data() + t * s.q_row(), pb.k.data() + lo * s.kv_row(),
                    pb.v.data() + lo * s.kv_row(), row.data(), one);
    for (std::size_t c = 0; c < row.size(); ++c)
      REQUIRE(win[t * s.out_row() + c] == Approx(row[c]).epsilon(1e-6).margin(1e-7));
  }
  // A window at least as long as the sequence is plain causal attention.
  std::vector<float> wide(pb.out_size()), causal_out(pb.out_size());
  attention<sliding_window<100>>(pb.q.data(), pb.k.data(), pb.v.data(), wide.data(), s);
  attention<causal>(pb.q.data(), pb.k.data(), pb.v.data(), causal_out.data(), s);
  REQUIRE(std::memcmp(wide.data(), causal_out.data(), wide.size() * sizeof(float)) == 0);
  // runtime_window with window 0 is causal too.
  p.window = 0;
  attention<runtime_window>(pb.q.data(), pb.k.data(), pb.v.data(), rt.data(), s, p);
  REQUIRE(std::memcmp(rt.data(), causal_out.data(), rt.size() * sizeof(float)) == 0);
}

TEMPLATE_TEST_CASE("results are bitwise identical for any thread count", "[attention]", online<64>,
                   two_pass) {
  test_rng g(3);
  for (std::size_t T : {1, 64, 129}) {
    problem<float> pb;
    pb.shape.n_queries = T;
    pb.shape.n_heads = 8;
    pb.shape.n_kv_heads = 2;
    pb.shape.head_dim = 40;
    pb.params.position = T == 1 ? 200 : 0;
    pb.shape.n_keys = pb.params.position + T;
    fill_random(pb, g);
    const auto serial = run_attention<TestType, simd::default_arch>(pb);
    for (std::size_t threads : {1, 2, 3, 4}) {
      thread_pool pool(threads);
      for (int rep = 0; rep < 3; ++rep) {
        const auto par = run_attention<TestType, simd::default_arch>(pb, &pool);
        INFO("T=" << T << " threads=" << threads);
        REQUIRE(std::memcmp(par.data(), serial.data(), par.size() * sizeof(float)) == 0);
      }
    }
  }
}

// online<64> and two_pass against the double reference, each bitwise the same on 2 and 3 threads
// (the decode-sized checks below).
template <class E>
void check_reference_and_threads(const problem<E>& pb, const std::vector<double>& ref) {
  const auto on = run_attention<online<64>, simd::default_arch>(pb);
  const auto tp = run_attention<two_pass, simd::default_arch>(pb);
  REQUIRE(max_relative_error(on, pb.shape, ref) <= f32_tolerance);
  REQUIRE(max_relative_error(tp, pb.shape, ref) <= f32_tolerance);
  for (std::size_t threads : {2, 3}) {
    thread_pool pool(threads);
    INFO("threads=" << threads);
    const auto on_par = run_attention<online<64>, simd::default_arch>(pb, &pool);
    const auto tp_par = run_attention<two_pass, simd::default_arch>(pb, &pool);
    REQUIRE(std::memcmp(on_par.data(), on.data(), on.size() * sizeof(float)) == 0);
    REQUIRE(std::memcmp(tp_par.data(), tp.data(), tp.size() * sizeof(float)) == 0);
  }
}

// Decode-sized calls (fewer than 12 query rows per block) take the streamed sweeps of
// attention_block: all scores first (qk_heads_block over every KV head of a run), then the softmax
// and P·V tile by tile. Awkward shapes: 3–4 KV heads, head_dim not a multiple of the lanes (K/V
// converted a few rows at a time) and 128, key counts around the chunk/tile/prefetch sizes,
// windows starting off the tile grid, 1 and 2 queries; against the double reference, online ≡
// two_pass, and bitwise the same on 1–3 threads (one thread takes all KV heads per unit, several
// threads one head each).
template <class E>
void check_streamed_decode(std::uint64_t seed) {
  test_rng g(seed);
  for (int i = 0; i < 24; ++i) {
    problem<E> pb;
    auto& s = pb.shape;
    s.n_queries = 1 + i % 2;
    s.n_kv_heads = g.pick<std::size_t>({1, 3, 4});
    s.n_heads = s.n_kv_heads * g.pick<std::size_t>({1, 3, 4, 5});
    s.head_dim = g.pick<std::size_t>({12, 20, 36, 128});
    s.n_keys = g.pick<std::size_t>({1, 15, 17, 63, 65, 130, 333, 1000});
    if (s.n_keys < s.n_queries) s.n_keys = s.n_queries;
    pb.params.position = s.n_keys - s.n_queries;
    pb.mask.kind = i % 3 == 2 ? mask_kind::runtime_window : mask_kind::causal;
    if (pb.mask.kind == mask_kind::runtime_window) pb.mask.window = g.pick<std::size_t>({7, 100});
    if (i % 4 == 3) pb.params.softcap = 5.0f;
    if (i % 5 == 4) s.kv_stride = s.n_kv_heads * s.head_dim + 3;
    fill_random(pb, g, g.below(2) ? 3.0f : 1.0f);
    INFO("case " << i << ": " << describe(pb.shape, pb.params, pb.mask));
    const auto ref = reference_attention(pb);
    check_reference_and_threads(pb, ref);
    const auto on7 = run_attention<online<7>, simd::default_arch>(pb);
    REQUIRE(max_relative_error(on7, s, ref) <= f32_tolerance);
  }
}

TEST_CASE("decode-sized calls (streamed sweeps) on awkward shapes: reference and thread counts") {
  SECTION("f32") { check_streamed_decode<float>(0x5eed0010); }
  SECTION("f16") { check_streamed_decode<f16_t>(0x5eed0011); }
}

// GQA groups of 1–8 query heads per KV head at one or two positions: decode blocks of 5–8 rows
// take qk_rows_x2 (scores of all rows per K pair, 8-lane reductions on 16-lane archs) and, with
// K/V in place, pv_groups (P·V of all rows per V load, each head over a whole tile); the others
// the 4-row kernels. Every group size against the double reference and bitwise on 1–3 threads,
// for head_dim 40 and 72 (converted rows), 64 and 128 (in place), key counts off the pair, chunk
// and tile grids.
template <class E>
void check_decode_groups(std::uint64_t seed) {
  test_rng g(seed);
  int i = 0;
  for (std::size_t group = 1; group <= 8; ++group)
    for (std::size_t head_dim : {40, 64, 72, 128}) {
      problem<E> pb;
      auto& s = pb.shape;
      s.n_queries = 1 + (i % 5 == 4);
      s.n_kv_heads = 1 + i % 2;
      s.n_heads = s.n_kv_heads * group;
      s.head_dim = head_dim;
      s.n_keys = g.pick<std::size_t>({1, 2, 31, 64, 65, 127, 541, 1000});
      if (s.n_keys < s.n_queries) s.n_keys = s.n_queries;
      pb.params.position = s.n_keys - s.n_queries;
      pb.mask.kind = i % 3 == 2 ? mask_kind::runtime_window : mask_kind::causal;
      if (pb.mask.kind == mask_kind::runtime_window) pb.mask.window = g.pick<std::size_t>({5, 70});
      if (i % 7 == 6) pb.params.softcap = 5.0f;
      if (i % 4 == 3) s.kv_stride = s.n_kv_heads * s.head_dim + 16;
      fill_random(pb, g, g.below(2) ? 3.0f : 1.0f);
      ++i;
      INFO("group " << group << ": " << describe(pb.shape, pb.params, pb.mask));
      check_reference_and_threads(pb, reference_attention(pb));
    }
}

TEST_CASE("decode with GQA groups of 1-8 heads (qk_rows_x2, pv_groups): reference and threads") {
  SECTION("f32") { check_decode_groups<float>(0x5eed0020); }
  SECTION("f16") { check_decode_groups<f16_t>(0x5eed0021); }
}

TEST_CASE("queries that see no key produce zeros") {
  std::vector<float> q(2 * 4 * 8, 0.5f), k(10 * 2 * 8, 0.25f), v(10 * 2 * 8, 1.0f);
  std::vector<float> out(q.size(), 42.0f);
  attention_shape s;
  s.n_queries = 2;
  s.n_heads = 4;
  s.n_kv_heads = 2;
  s.head_dim = 8;
  s.n_keys = 0;
  attention<full>(q.data(), k.data(), v.data(), out.data(), s);
  for (float x : out) REQUIRE(x == 0.0f);
  // Positions 30, 31 with a window of 5 over 10 keys: nothing left in view.
  s.n_keys = 10;
  attention_params p;
  p.position = 30;
  std::fill(out.begin(), out.end(), 42.0f);
  attention<sliding_window<5>, two_pass>(q.data(), k.data(), v.data(), out.data(), s, p);
  for (float x : out) REQUIRE(x == 0.0f);
  // Same position, causal: every key is in the past, so the output is the mean of v = 1.
  attention<causal>(q.data(), k.data(), v.data(), out.data(), s, p);
  for (float x : out) REQUIRE(x == Approx(1.0f).epsilon(1e-6));
}

TEST_CASE("attention rejects inconsistent shapes") {
  std::vector<float> buf(4096);
  attention_shape s;
  s.n_queries = 2;
  s.n_keys = 2;
  s.n_heads = 3;
  s.n_kv_heads = 2;
  s.head_dim = 8;
  REQUIRE_THROWS_AS(attention(buf.data(), buf.data(), buf.data(), buf.data(), s), argument_error);
  s.n_heads = 4;
  s.q_stride = 16;  // < n_heads·head_dim
  REQUIRE_THROWS_AS(attention(buf.data(), buf.data(), buf.data(), buf.data(), s), argument_error);
  s.q_stride = 0;
  s.head_dim = 0;
  REQUIRE_THROWS_AS(attention(buf.data(), buf.data(), buf.data(), buf.data(), s), argument_error);
  s.head_dim = 8;
  attention_params p;
  p.softcap = -1.0f;
  REQUIRE_THROWS_AS(attention(buf.data(), buf.data(), buf.data(), buf.data(), s, p),
                    argument_error);
  REQUIRE_NOTHROW(attention(buf.data(), buf.data(), buf.data(), buf.data() + 2048, s));
}

TEST_CASE("the xtensor overload equals the raw-pointer one and the library reference") {
  test_rng g(5);
  xt::xtensor<float, 3> q = xt::zeros<float>({9, 6, 20});
  xt::xtensor<float, 3> k = xt::zeros<float>({12, 3, 20});
  xt::xtensor<float, 3> v = xt::zeros<float>({12, 3, 20});
  for (auto& x : q) x = g.uniform();
  for (auto& x : k) x = g.uniform();
  for (auto& x : v) x = g.uniform();
  xt::xtensor<float, 3> out;
  attention_params p;
  p.position = 3;  // 9 queries at positions 3 … 11 over 12 keys
  attention(q, k, v, out, p);
  REQUIRE(out.shape() == q.shape());
  attention_shape s;
  s.n_queries = 9;
  s.n_keys = 12;
  s.n_heads = 6;
  s.n_kv_heads = 3;
  s.head_dim = 20;
  std::vector<float> raw(out.size()), ref(out.size()), weights(9 * 6 * 12);
  attention(q.data(), k.data(), v.data(), raw.data(), s, p);
  REQUIRE(std::memcmp(raw.data(), out.data(), raw.size() * sizeof(float)) == 0);
  reference::attention(q.data(), k.data(), v.data(), ref.data(), s, p, weights.data());
  for (std::size_t i = 0; i < raw.size(); ++i) REQUIRE(raw[i] == Approx(ref[i]).margin(1e-6));
  for (std::size_t t = 0; t < 9; ++t)
    for (std::size_t h = 0; h < 6; ++h) {
      double sum = 0;
      for (std::size_t j = 0; j < 12; ++j) {
        const float w = weights[(t * 6 + h) * 12 + j];
        if (j > t + 3) REQUIRE(w == 0.0f);  // causal: the future gets no weight
        sum += w;
      }
      REQUIRE(sum == Approx(1.0).epsilon(1e-6));
    }
}
