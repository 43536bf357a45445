// Attention with compile-time policies: mask, softmax algorithm, arch, KV storage type
// (include/flipside/attention/).
#pragma once
#include <flipside/attention/attention.hpp>
#include <flipside/attention/kv_cache.hpp>
#include <flipside/attention/params.hpp>
#include <flipside/attention/policies.hpp>
#include <flipside/attention/reference.hpp>
