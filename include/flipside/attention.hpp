// Attention with compile-time policies: mask, softmax algorithm, arch, KV storage type
// (include/flipside/attention/).
#pragma once
