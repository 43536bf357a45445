// Cache hints, the one place that spells the compiler's prefetch builtin: kernels outside simd/
// (attention, quant, model) name what they hint, not how. A hint never faults and changes no
// result, so where the builtin is missing the hint is simply dropped.
#pragma once

namespace flipside::simd {

// The cache line holding p, towards every cache level, to be read soon (x86 prefetcht0).
inline void prefetch_read(const void* p) noexcept {
#if defined(__GNUC__)
  __builtin_prefetch(p, 0, 3);
#else
  (void)p;
#endif
}

// The cache line holding p, to be written soon (x86 prefetchw where the target has it).
inline void prefetch_write(const void* p) noexcept {
#if defined(__GNUC__)
  __builtin_prefetch(p, 1, 3);
#else
  (void)p;
#endif
}

}  // namespace flipside::simd
