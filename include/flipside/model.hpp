// The transformer runtime: weights → blocks → attention, KV cache, logits
// (include/flipside/model/).
#pragma once
