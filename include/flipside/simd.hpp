// SIMD primitives: xsimd kernels with scalar references beside them (include/flipside/simd/).
#pragma once
#include <flipside/simd/arch.hpp>
