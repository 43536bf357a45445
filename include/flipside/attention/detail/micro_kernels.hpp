// Register-blocked micro-kernels of attention, on xsimd batches of Arch (N float lanes).
//
//   qk: S[r][j] = Σ_c Q[r][c] · K[j][c]                    c < dp (dp a multiple of N)
//   pv: O[r][c] = α_r · O[r][c] + Σ_j P[r][j] · V[j][c]
//
// qk vectorises along head_dim with 4 rows × 2 keys = 8 accumulators, reduced together at the end
// (one haddp on AVX2), so K rows are read straight from the cache without packing: every K
// element loaded feeds 4 FMAs (during decode: the 4 query heads of a GQA group at once), every Q
// element 2. pv vectorises along head_dim with P broadcast: 4 rows × 2 batches = 8 accumulators
// stay in registers across the whole key range. Q and O rows are zero-padded to dp, so neither
// kernel has a head_dim tail.
//
// The hot 4×2 kernels spell their registers out as variables: with arrays of batches GCC 12
// re-loads each K/V vector from memory once per FMA instead of keeping it in a register, and the
// extra loads cost ~30 % at L2 bandwidth. The loops over K/V tiles run keys-outer for qk (a
// key pair stays in L1 while all query rows pass) and head_dim-outer for pv (a column slice of V
// stays in L1 while all rows pass).
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <flipside/attention/detail/register_barrier.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>
#include <flipside/simd/prefetch.hpp>

namespace flipside::detail {

// Software prefetch of the rows a streaming kernel reads `ahead` keys later: row j's `bytes`
// bytes start at base + j·stride. Decode reads K/V once, from DRAM, while computing on rows that
// arrived earlier; the hardware prefetchers only run a few lines ahead of the demand misses, so
// without these hints memory sits idle during the compute and the time is the sum of both.
// Issued one row per key inside the kernels' loops, not in a burst, so the misses in flight stay
// spread out.
struct row_prefetch {
  const char* base = nullptr;  // null: no prefetch
  std::size_t stride = 0, bytes = 0;
  std::size_t end = 0;  // rows ≥ end are not prefetched (past the cache's keys)
  // Byte offset from row j of the array the kernel reads (at `at`) to the row this prefetches
  // for it, or 0 when row j is past `end` (nothing to prefetch).
  std::ptrdiff_t offset(const void* at, std::size_t j) const noexcept {
    if (!base || j >= end) return 0;
    return base + j * stride - static_cast<const char*>(at);
  }
  void operator()(std::size_t j) const noexcept {
    if (!base || j >= end) return;
    const char* row = base + j * stride;
    for (std::size_t c = 0; c < bytes; c += 64) simd::prefetch_read_l2(row + c);
  }
};

// Software prefetch of a block of rows in address order, handed out in consecutive pieces to the
// kernels of a pass: the parts of `part` bytes (the run's heads) of rows `stride` apart, `rows` of
// them from base. The P·V passes consume V in column slices (every row of the pass for one slice,
// then the next slice); prefetched in that same strided order, the V sweep ran at half the
// plain-sum DRAM rate, and consecutive lines (what a stream looks like to the hardware
// prefetchers and DRAM pages) were measurably faster (Zen 3, see benchmarks/README.md).
struct sequential_prefetch {
  const char* base = nullptr;  // null: no prefetch
  std::size_t stride = 0, part = 0, rows = 0;
  std::size_t next = 0;  // bytes of the sequence already handed out
  // The next `bytes` of the sequence: their start when they are one contiguous range (the kernel
  // then prefetches them spread over its keys), else nullptr after prefetching them here at once.
  const char* take(std::size_t bytes) noexcept {
    if (!base) return nullptr;
    const std::size_t total = part * rows, at = next;
    next += bytes;
    if (at >= total) return nullptr;
    if (at + bytes <= total && (stride == part || at % part + bytes <= part))
      return base + at / part * stride + at % part;
    for (std::size_t b = at; b < std::min(total, at + bytes); b += 64)
      simd::prefetch_read_l2(base + b / part * stride + b % part);
    return nullptr;
  }
};

// Calls f(std::integral_constant<std::size_t, n>{}) for the run-time n, 1 ≤ n ≤ Max.
template <std::size_t Max, class F>
inline void with_count(std::size_t n, F&& f) noexcept {
  if constexpr (Max > 1) {
    if (n < Max) return with_count<Max - 1>(n, f);
  }
  f(std::integral_constant<std::size_t, Max>{});
}

// N lanes of a K or V row as f32: f32 loaded as is, f16 / bf16 converted as loaded (the same values
// as converting the rows first).
template <class A, class E>
inline xsimd::batch<float, A> load_kv(const E* p) noexcept {
  if constexpr (std::is_same_v<E, float>)
    return xsimd::batch<float, A>::load_unaligned(p);
  else
    return simd::load_as_f32<A>(p);
}

// out[i] = Σ lanes of a_i, i < 8.
template <class A>
inline void reduce8(const xsimd::batch<float, A> (&a)[8], float* out) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  if constexpr (N == 8) {
    simd::haddp(a).store_unaligned(out);
  } else if constexpr (N == 4) {
    simd::haddp(a).store_unaligned(out);
    simd::haddp(a + 4).store_unaligned(out + 4);
  } else if constexpr (N == 16) {
    simd::hadd8(a, out);
  } else {
    for (std::size_t i = 0; i < 8; ++i) out[i] = simd::reduce_add(a[i]);
  }
}

// Lanes [c, c + N) of two K rows as f32 (load_kv), held in registers for the FMAs of every query
// row; pf_off ≠ 0: each row's line pf_off bytes ahead is hinted to L2, one line per key every 64
// bytes (the score kernels' stream prefetch).
template <class A, class E>
inline void load_key_pair(const E* k0, const E* k1, std::size_t c, std::ptrdiff_t pf_off,
                          xsimd::batch<float, A>& x0, xsimd::batch<float, A>& x1) noexcept {
  if (pf_off && c * sizeof(E) % 64 == 0) {
    simd::prefetch_read_l2(reinterpret_cast<const char*>(k0 + c) + pf_off);
    simd::prefetch_read_l2(reinterpret_cast<const char*>(k1 + c) + pf_off);
  }
  x0 = load_kv<A>(k0 + c);
  x1 = load_kv<A>(k1 + c);
  in_register(x0);
  in_register(x1);
}

// S[r][j] for rows q + r·q_stride (r < 4) and keys k + j·k_stride (j < 2). K of element type E
// (f32, or f16 / bf16 converted as loaded: the same f32 values as converting first).
template <class A, class E = float>
inline void qk_4x2(const float* q, std::size_t q_stride, const E* k, std::size_t k_stride,
                   std::size_t dp, float* s, std::size_t s_stride,
                   std::ptrdiff_t pf_off = 0) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  const float *q0 = q, *q1 = q + q_stride, *q2 = q + 2 * q_stride, *q3 = q + 3 * q_stride;
  const E *k0 = k, *k1 = k + k_stride;
  B a00(0.0f), a01(0.0f), a10(0.0f), a11(0.0f), a20(0.0f), a21(0.0f), a30(0.0f), a31(0.0f);
  for (std::size_t c = 0; c < dp; c += N) {
    B x0, x1;
    load_key_pair<A>(k0, k1, c, pf_off, x0, x1);
    B y = B::load_unaligned(q0 + c);
    in_register(y);
    a00 = xsimd::fma(y, x0, a00);
    a01 = xsimd::fma(y, x1, a01);
    y = B::load_unaligned(q1 + c);
    in_register(y);
    a10 = xsimd::fma(y, x0, a10);
    a11 = xsimd::fma(y, x1, a11);
    y = B::load_unaligned(q2 + c);
    in_register(y);
    a20 = xsimd::fma(y, x0, a20);
    a21 = xsimd::fma(y, x1, a21);
    y = B::load_unaligned(q3 + c);
    in_register(y);
    a30 = xsimd::fma(y, x0, a30);
    a31 = xsimd::fma(y, x1, a31);
  }
  const B acc[8] = {a00, a01, a10, a11, a20, a21, a30, a31};
  float sums[8];
  reduce8<A>(acc, sums);
  for (std::size_t r = 0; r < 4; ++r) {
    s[r * s_stride] = sums[2 * r];
    s[r * s_stride + 1] = sums[2 * r + 1];
  }
}

// MR ≤ 8 rows × 2 keys on 16-lane archs (a GQA group of 5–8 query heads at one position), in
// 8-lane batches (simd::half_width_t): 2·MR accumulators, reduced by two 8-way transposing haddp
// (inputs past 2·MR zero). At head_dim 64 each sum takes only 4 FMAs of 16 lanes, and the
// reduction of 16-lane accumulators (fold + 8-way haddp, ~3 ops per sum) cost as much as them;
// 8-lane FMAs run at the same rate on Zen 4 and an 8-lane sum needs no fold. Each K element
// loaded feeds MR FMAs, and the rows beyond 4 no longer take qk_1xN, which loads the K rows again
// per row (Zen 4, 2026-11-27: at G = 7, d = 64 the 3 rows left over from qk_4x2 cost more than
// its 4). pf_off as qk_4x2's.
template <class A, std::size_t MR, class E = float>
inline void qk_rows_x2(const float* q, std::size_t q_stride, const E* k, std::size_t k_stride,
                       std::size_t dp, float* s, std::size_t s_stride,
                       std::ptrdiff_t pf_off = 0) noexcept {
  using H = simd::half_width_t<A>;
  using B = xsimd::batch<float, H>;
  constexpr std::size_t N = B::size;
  static_assert(N == 8 && MR <= 8, "qk_rows_x2: 8-lane batches, 2·MR ≤ 16 accumulators");
  const E *k0 = k, *k1 = k + k_stride;
  B acc[16];
#pragma GCC unroll 16
  for (std::size_t i = 0; i < 16; ++i) acc[i] = B(0.0f);
  for (std::size_t c = 0; c < dp; c += N) {
    B x0, x1;
    load_key_pair<H>(k0, k1, c, pf_off, x0, x1);
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r) {
      B y = B::load_unaligned(q + r * q_stride + c);
      in_register(y);  // one load for both keys, not one per FMA
      acc[2 * r] = xsimd::fma(y, x0, acc[2 * r]);
      acc[2 * r + 1] = xsimd::fma(y, x1, acc[2 * r + 1]);
    }
  }
  alignas(32) float sums[16];
  simd::haddp(acc).store_aligned(sums);
  if constexpr (MR > 4) simd::haddp(acc + 8).store_aligned(sums + 8);
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r) {
    s[r * s_stride] = sums[2 * r];
    s[r * s_stride + 1] = sums[2 * r + 1];
  }
}

// One row against N keys (N accumulators, one haddp): rows left over from groups of 4.
template <class A, class E = float>
inline void qk_1xN(const float* q, const E* k, std::size_t k_stride, std::size_t dp,
                   float* s) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  B acc[N];
#pragma GCC unroll 16
  for (std::size_t j = 0; j < N; ++j) acc[j] = B(0.0f);
  for (std::size_t c = 0; c < dp; c += N) {
    B y = B::load_unaligned(q + c);
    in_register(y);
#pragma GCC unroll 16
    for (std::size_t j = 0; j < N; ++j)
      acc[j] = xsimd::fma(y, load_kv<A>(k + j * k_stride + c), acc[j]);
  }
  simd::haddp(acc).store_unaligned(s);
}

// MR rows against one key: the key-count remainder.
template <class A, std::size_t MR, class E = float>
inline void qk_column(const float* q, std::size_t q_stride, const E* k, std::size_t dp, float* s,
                      std::size_t s_stride) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  B acc[MR];
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r) acc[r] = B(0.0f);
  for (std::size_t c = 0; c < dp; c += N) {
    B x = load_kv<A>(k + c);
    in_register(x);
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r)
      acc[r] = xsimd::fma(B::load_unaligned(q + r * q_stride + c), x, acc[r]);
  }
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r) s[r * s_stride] = simd::reduce_add(acc[r]);
}

// S[r][j] = Q[r]·K[j] for r < n_rows, j < nk, for n_heads heads at once: head h's Q rows, K rows
// and S rows start h·q_step, h·k_step and h·s_step after q, k and s. Each key pair is read for
// all heads before the next pair, so that K rows holding several heads ([L, n_kv_heads, d]) are
// read in address order, which is what the hardware prefetcher follows; every (row, key) pair
// gets the same kernel whatever n_heads is, so one head at a time gives bitwise the same scores.
// Not inlined into the caller, where the register allocator has the softmax bookkeeping to juggle
// too. pf(j) is called once per key j, as its scores are computed (rows in groups of 4).
template <class A, class E = float>
[[gnu::noinline]] void qk_heads_block(const float* q, std::size_t q_stride, std::size_t q_step,
                                      std::size_t n_rows, std::size_t n_heads, const E* k,
                                      std::size_t k_stride, std::size_t k_step, std::size_t nk,
                                      std::size_t dp, float* s, std::size_t s_stride,
                                      std::size_t s_step, const row_prefetch& pf = {}) noexcept {
  constexpr std::size_t N = xsimd::batch<float, A>::size;
  // 16 lanes and 5–8 rows: one qk_rows_x2 group (with its qk_column tail) for all of them.
  if constexpr (N == 16 && xsimd::batch<float, simd::half_width_t<A>>::size == 8) {
    if (n_rows > 4 && n_rows <= 8) {
      with_count<8>(n_rows, [&](auto mr) {
        constexpr std::size_t MR = decltype(mr)::value;
        if constexpr (MR > 4) {
          std::size_t j = 0;
          for (; j + 2 <= nk; j += 2) {
            const std::ptrdiff_t off = j + 1 < pf.end ? pf.offset(k + j * k_stride, j) : 0;
            for (std::size_t h = 0; h < n_heads; ++h)
              qk_rows_x2<A, MR, E>(q + h * q_step, q_stride, k + h * k_step + j * k_stride,
                                   k_stride, dp, s + h * s_step + j, s_stride, off);
          }
          for (; j < nk; ++j) {
            pf(j);
            for (std::size_t h = 0; h < n_heads; ++h)
              qk_column<A, MR, E>(q + h * q_step, q_stride, k + h * k_step + j * k_stride, dp,
                                  s + h * s_step + j, s_stride);
          }
        }
      });
      return;
    }
  }
  const std::size_t r4 = n_rows / 4 * 4;
  std::size_t j = 0;
  for (; j + 2 <= nk; j += 2) {
    // The first 4×2 kernel of each head prefetches its head's part of the key pair's rows, one
    // line per row every 64 bytes of its loop (no burst); without one, the rows at once.
    // (Handing the kernels the pair's rows in address order instead, as the P·V passes do, was
    // not faster: this order is already two sequential streams.)
    const std::ptrdiff_t off = j + 1 < pf.end ? pf.offset(k + j * k_stride, j) : 0;
    if (r4 == 0) {
      pf(j);
      pf(j + 1);
    }
    for (std::size_t h = 0; h < n_heads; ++h)
      for (std::size_t r = 0; r < r4; r += 4)
        qk_4x2<A, E>(q + h * q_step + r * q_stride, q_stride, k + h * k_step + j * k_stride,
                     k_stride, dp, s + h * s_step + r * s_stride + j, s_stride, r == 0 ? off : 0);
  }
  for (; j < nk; ++j) {
    pf(j);
    for (std::size_t h = 0; h < n_heads; ++h)
      for (std::size_t r = 0; r < r4; r += 4)
        qk_column<A, 4, E>(q + h * q_step + r * q_stride, q_stride, k + h * k_step + j * k_stride,
                           dp, s + h * s_step + r * s_stride + j, s_stride);
  }
  for (std::size_t h = 0; h < n_heads; ++h)
    for (std::size_t r = r4; r < n_rows; ++r) {
      const float* qr = q + h * q_step + r * q_stride;
      const E* kh = k + h * k_step;
      float* sr = s + h * s_step + r * s_stride;
      std::size_t jj = 0;
      for (; jj + N <= nk; jj += N) qk_1xN<A, E>(qr, kh + jj * k_stride, k_stride, dp, sr + jj);
      for (; jj < nk; ++jj)
        qk_column<A, 1, E>(qr, q_stride, kh + jj * k_stride, dp, sr + jj, s_stride);
    }
}

// qk_heads_block for one head.
template <class A>
void qk_block(const float* q, std::size_t q_stride, std::size_t n_rows, const float* k,
              std::size_t k_stride, std::size_t nk, std::size_t dp, float* s, std::size_t s_stride,
              const row_prefetch& pf = {}) noexcept {
  qk_heads_block<A>(q, q_stride, 0, n_rows, 1, k, k_stride, 0, nk, dp, s, s_stride, 0, pf);
}

// 4 rows × 2 batches of head_dim: O[r][0, 2N) = α_r·O[r] + Σ_j P[r][j]·V[j][0, 2N).
// V of element type E (as qk_4x2's K). pf: prefetches the nk·2N elements' worth of bytes from pf
// on, 2N·sizeof(E) per key.
template <class A, class E = float>
inline void pv_4x2(float* o, std::size_t o_stride, const float* alpha, const float* p,
                   std::size_t p_stride, const E* v, std::size_t v_stride, std::size_t nk,
                   const char* pf = nullptr) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  float *o0 = o, *o1 = o + o_stride, *o2 = o + 2 * o_stride, *o3 = o + 3 * o_stride;
  const float *p0 = p, *p1 = p + p_stride, *p2 = p + 2 * p_stride, *p3 = p + 3 * p_stride;
  B a00 = B::load_unaligned(o0) * B(alpha[0]), a01 = B::load_unaligned(o0 + N) * B(alpha[0]);
  B a10 = B::load_unaligned(o1) * B(alpha[1]), a11 = B::load_unaligned(o1 + N) * B(alpha[1]);
  B a20 = B::load_unaligned(o2) * B(alpha[2]), a21 = B::load_unaligned(o2 + N) * B(alpha[2]);
  B a30 = B::load_unaligned(o3) * B(alpha[3]), a31 = B::load_unaligned(o3 + N) * B(alpha[3]);
  for (std::size_t j = 0; j < nk; ++j, v += v_stride) {
    if (pf)
      for (std::size_t b = 0; b < 2 * N * sizeof(E); b += 64)
        simd::prefetch_read_l2(pf + j * 2 * N * sizeof(E) + b);
    B x0 = load_kv<A>(v), x1 = load_kv<A>(v + N);
    in_register(x0);
    in_register(x1);
    B w(p0[j]);
    a00 = xsimd::fma(w, x0, a00);
    a01 = xsimd::fma(w, x1, a01);
    w = B(p1[j]);
    a10 = xsimd::fma(w, x0, a10);
    a11 = xsimd::fma(w, x1, a11);
    w = B(p2[j]);
    a20 = xsimd::fma(w, x0, a20);
    a21 = xsimd::fma(w, x1, a21);
    w = B(p3[j]);
    a30 = xsimd::fma(w, x0, a30);
    a31 = xsimd::fma(w, x1, a31);
  }
  a00.store_unaligned(o0);
  a01.store_unaligned(o0 + N);
  a10.store_unaligned(o1);
  a11.store_unaligned(o1 + N);
  a20.store_unaligned(o2);
  a21.store_unaligned(o2 + N);
  a30.store_unaligned(o3);
  a31.store_unaligned(o3 + N);
}

// MR rows × C batches, the remainders of pv_4x2's blocking.
template <class A, std::size_t MR, std::size_t C, class E = float>
inline void pv_micro(float* o, std::size_t o_stride, const float* alpha, const float* p,
                     std::size_t p_stride, const E* v, std::size_t v_stride,
                     std::size_t nk) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  B acc[MR][C];
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (std::size_t c = 0; c < C; ++c)
      acc[r][c] = B::load_unaligned(o + r * o_stride + c * N) * B(alpha[r]);
  for (std::size_t j = 0; j < nk; ++j, v += v_stride) {
#pragma GCC unroll 16
    for (std::size_t c = 0; c < C; ++c) {
      B x = load_kv<A>(v + c * N);
      in_register(x);
#pragma GCC unroll 16
      for (std::size_t r = 0; r < MR; ++r)
        acc[r][c] = xsimd::fma(B(p[r * p_stride + j]), x, acc[r][c]);
    }
  }
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (std::size_t c = 0; c < C; ++c) acc[r][c].store_unaligned(o + r * o_stride + c * N);
}

// MR ≤ 8 rows × C ≤ 2 batches of head_dim over keys [0, nk): a GQA group of up to 8 query heads
// in one kernel, so each V slice is loaded once per key for all of them, feeding MR·C FMAs
// (≤ 16 accumulators + C V batches + 1 broadcast: no spills in the 32 AVX-512 registers; all
// 4 batches of d = 64 for 7 rows would need 33). The same FMA chain per output lane as pv_4x2 /
// pv_micro (α applied first, then the keys in order), so the sums are bitwise theirs.
// pf(j) is called as key j is reached (null: none).
template <class A, std::size_t MR, std::size_t C, class E = float>
inline void pv_rows(float* o, std::size_t o_stride, const float* alpha, const float* p,
                    std::size_t p_stride, const E* v, std::size_t v_stride, std::size_t nk,
                    const row_prefetch* pf) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  B acc[MR][C];
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (std::size_t c = 0; c < C; ++c)
      acc[r][c] = B::load_unaligned(o + r * o_stride + c * N) * B(alpha[r]);
  static_assert(C == 1 || C == 2, "pv_rows: one or two batches of head_dim");
  const row_prefetch ahead = pf ? *pf : row_prefetch{};  // a local copy: kept in registers
  for (std::size_t j = 0; j < nk; ++j, v += v_stride) {
    ahead(j);
    // Two named batches, not an array: GCC 12 keeps an array of them on the stack.
    B x0 = load_kv<A>(v), x1 = C == 2 ? load_kv<A>(v + N) : x0;
    in_register(x0);
    in_register(x1);
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r) {
      const B w(p[r * p_stride + j]);
      acc[r][0] = xsimd::fma(w, x0, acc[r][0]);
      if constexpr (C == 2) acc[r][C - 1] = xsimd::fma(w, x1, acc[r][C - 1]);
    }
  }
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (std::size_t c = 0; c < C; ++c) acc[r][c].store_unaligned(o + r * o_stride + c * N);
}

// O[r] = α_r·O[r] + Σ_{j<nk} P[r][j]·V[j] for r < n_rows, rows in groups of 8 (pv_rows), column
// slices of 2N outer: decode-sized blocks (a GQA group's query heads at one position) over one
// tile of V read in place. A group of 5–8 rows loads each V element once where pv_4x2 plus
// pv_micro<1, 2> for the rows beyond 4 loaded it up to 4 times, and pv_micro<1, 2>'s 2 FMA
// chains per key ran at the FMA latency (Zen 4, 2026-11-27: P·V was a third of an in-cache
// decode step at G = 7, d = 64). The first group of the first slice calls pf(j) at key j. Not
// inlined, as qk_block.
template <class A, class E = float>
[[gnu::noinline]] void pv_groups(float* o, std::size_t o_stride, std::size_t n_rows,
                                 const float* alpha, const float* p, std::size_t p_stride,
                                 const E* v, std::size_t v_stride, std::size_t nk, std::size_t dp,
                                 const row_prefetch& pf = {}) noexcept {
  constexpr std::size_t N = xsimd::batch<float, A>::size, MR = 8;
  const row_prefetch* first = pf.base ? &pf : nullptr;
  auto slice = [&](std::size_t c, auto cc) {
    constexpr std::size_t C = decltype(cc)::value;
    std::size_t r = 0;
    for (; r + MR <= n_rows; r += MR, first = nullptr)
      pv_rows<A, MR, C, E>(o + r * o_stride + c, o_stride, alpha + r, p + r * p_stride, p_stride,
                           v + c, v_stride, nk, first);
    if (r < n_rows) {
      with_count<MR - 1>(n_rows - r, [&](auto mr) {
        pv_rows<A, decltype(mr)::value, C, E>(o + r * o_stride + c, o_stride, alpha + r,
                                              p + r * p_stride, p_stride, v + c, v_stride, nk,
                                              first);
      });
      first = nullptr;
    }
  };
  std::size_t c = 0;
  for (; c + 2 * N <= dp; c += 2 * N) slice(c, std::integral_constant<std::size_t, 2>{});
  if (c < dp) slice(c, std::integral_constant<std::size_t, 1>{});
}

// One pass of pv_block over keys [0, nk): column slices of 2N outer, rows in groups of 4.
template <class A, class E = float>
inline void pv_pass(float* o, std::size_t o_stride, std::size_t n_rows, const float* alpha,
                    const float* p, std::size_t p_stride, const E* v, std::size_t v_stride,
                    std::size_t nk, std::size_t dp, sequential_prefetch* seq = nullptr) noexcept {
  constexpr std::size_t N = xsimd::batch<float, A>::size;
  const std::size_t r4 = n_rows / 4 * 4;
  std::size_t c = 0;
  for (; c + 2 * N <= dp; c += 2 * N) {
    for (std::size_t r = 0; r < r4; r += 4)
      pv_4x2<A, E>(o + r * o_stride + c, o_stride, alpha + r, p + r * p_stride, p_stride, v + c,
                   v_stride, nk, r == 0 && seq ? seq->take(nk * 2 * N * sizeof(E)) : nullptr);
    for (std::size_t r = r4; r < n_rows; ++r)
      pv_micro<A, 1, 2, E>(o + r * o_stride + c, o_stride, alpha + r, p + r * p_stride, p_stride,
                           v + c, v_stride, nk);
  }
  if (c < dp) {  // one batch of head_dim left
    for (std::size_t r = 0; r < r4; r += 4)
      pv_micro<A, 4, 1, E>(o + r * o_stride + c, o_stride, alpha + r, p + r * p_stride, p_stride,
                           v + c, v_stride, nk);
    for (std::size_t r = r4; r < n_rows; ++r)
      pv_micro<A, 1, 1, E>(o + r * o_stride + c, o_stride, alpha + r, p + r * p_stride, p_stride,
                           v + c, v_stride, nk);
  }
}

// O[r] = α_r·O[r] + Σ_{j<nk} P[r][j]·V[j] for r < n_rows (not inlined, as qk_block), in
// passes over groups of kc keys (0: all at once). Every pass stores O and the next reloads it
// with α = 1, so the sums are bitwise those of one pass; short passes make V stream row after row
// (decode reads it from memory), long ones keep a column slice of V in L1 for many rows
// (prefill). pf(j) is called once per key j, as its group starts.
template <class A, class E = float>
[[gnu::noinline]] void pv_block(float* o, std::size_t o_stride, std::size_t n_rows,
                                const float* alpha, const float* p, std::size_t p_stride,
                                const E* v, std::size_t v_stride, std::size_t nk, std::size_t dp,
                                std::size_t kc = 0, const float* ones = nullptr,
                                const row_prefetch& pf = {},
                                sequential_prefetch* seq = nullptr) noexcept {
  if (kc == 0 || kc >= nk || !ones) {
    for (std::size_t j = 0; j < nk; ++j) pf(j);
    pv_pass<A, E>(o, o_stride, n_rows, alpha, p, p_stride, v, v_stride, nk, dp, seq);
    return;
  }
  for (std::size_t j0 = 0; j0 < nk; j0 += kc) {
    const std::size_t n = std::min(kc, nk - j0);
    for (std::size_t j = j0; j < j0 + n; ++j) pf(j);
    pv_pass<A, E>(o, o_stride, n_rows, j0 == 0 ? alpha : ones, p + j0, p_stride, v + j0 * v_stride,
                  v_stride, n, dp);
  }
}

}  // namespace flipside::detail
