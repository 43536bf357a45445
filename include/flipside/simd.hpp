// SIMD primitives: xsimd kernels with scalar references beside them (include/flipside/simd/).
#pragma once
#include <flipside/simd/activation.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/axpy.hpp>
#include <flipside/simd/convert.hpp>
#include <flipside/simd/dot.hpp>
#include <flipside/simd/gemm.hpp>
#include <flipside/simd/gemm_kernel.hpp>
#include <flipside/simd/gemv.hpp>
#include <flipside/simd/half.hpp>
#include <flipside/simd/int8_dot.hpp>
#include <flipside/simd/no_contract.hpp>
#include <flipside/simd/norm.hpp>
#include <flipside/simd/prefetch.hpp>
#include <flipside/simd/rope.hpp>
#include <flipside/simd/softmax.hpp>
