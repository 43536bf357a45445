// A rounding barrier against floating-point contraction.
//
// GCC contracts `a * b + c` into one fused multiply-add whenever the target has FMA (its default
// is -ffp-contract=fast, across statements and through inlined intrinsics), which skips the
// rounding of the product. Bitwise reproductions of code compiled without FMA — ggml's reference
// quantisers live in ggml-base, which gets no -march flags — must keep that rounding:
// `round_here(a * b) + c` hands the product over as a finished value, so it can no longer be fused
// into the addition. The barrier emits no instruction.
#pragma once

namespace flipside::simd {

inline float round_here(float x) noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __asm__("" : "+x"(x));
#elif defined(__GNUC__) && defined(__aarch64__)
  __asm__("" : "+w"(x));
#else
  volatile float v = x;
  x = v;
#endif
  return x;
}

}  // namespace flipside::simd
