// flipside: everything. Include a layer's header (e.g. <flipside/attention.hpp>) to compile less.
//
// Data flow, one layer per folder:
//   text → tokenizer → prompt (policies) → tokens (shared exemplar prefix + query)
//   → model (weights → blocks → attention, KV cache shared across a prefix)
//   → last hidden state → scoring (label rows of the unembedding only) → eval (metrics, reports)
#pragma once

#include <flipside/attention.hpp>
#include <flipside/core.hpp>
#include <flipside/data.hpp>
#include <flipside/demo.hpp>
#include <flipside/eval.hpp>
#include <flipside/io.hpp>
#include <flipside/model.hpp>
#include <flipside/parallel.hpp>
#include <flipside/prompt.hpp>
#include <flipside/quant.hpp>
#include <flipside/scoring.hpp>
#include <flipside/simd.hpp>
#include <flipside/tokenizer.hpp>
#include <flipside/version.hpp>
