// Quantized weight formats (GGUF block types): dequantisation, quantisation, dot products
// (include/flipside/quant/).
#pragma once

#include <flipside/quant/act_quant.hpp>
#include <flipside/quant/blocks.hpp>
#include <flipside/quant/decode.hpp>
#include <flipside/quant/dequantize.hpp>
#include <flipside/quant/dot_f32.hpp>
#include <flipside/quant/gemm.hpp>
#include <flipside/quant/gemv.hpp>
#include <flipside/quant/half.hpp>
#include <flipside/quant/linear.hpp>
#include <flipside/quant/prefetch.hpp>
#include <flipside/quant/quantize.hpp>
#include <flipside/quant/reference.hpp>
#include <flipside/quant/row_streams.hpp>
#include <flipside/quant/strategy.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/quant/vec_dot.hpp>
#include <flipside/quant/vec_dot_reference.hpp>
