// Quantized weight formats (GGUF block types): dequantisation, quantisation, dot products
// (include/flipside/quant/).
#pragma once
