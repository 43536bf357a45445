// The transformer runtime (include/flipside/model/): configs (HF config.json, GGUF metadata),
// architectures and tensor names, weights bound from memory-mapped files, the batched forward pass
// over per-sequence KV caches, unembedding (full or label rows only), GGUF export and random
// models of real shapes; LoRA adapters (PEFT and GGUF), merged or applied at run time.
#pragma once
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/forward.hpp>
#include <flipside/model/gguf_config.hpp>
#include <flipside/model/gguf_export.hpp>
#include <flipside/model/hf_config.hpp>
#include <flipside/model/lora_adapter.hpp>
#include <flipside/model/lora_apply.hpp>
#include <flipside/model/lora_delta.hpp>
#include <flipside/model/lora_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/model_spec.hpp>
#include <flipside/model/rope_frequencies.hpp>
#include <flipside/model/synthetic.hpp>
#include <flipside/model/tensor_plan.hpp>
#include <flipside/model/weight_kernels.hpp>
#include <flipside/model/weights.hpp>
