// The transformer runtime: weights → blocks → attention, KV cache, logits
// (include/flipside/model/).
#pragma once
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/hf_config.hpp>
#include <flipside/model/rope_frequencies.hpp>
