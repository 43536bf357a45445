// Model and tensor files: GGUF, safetensors, HF config.json (readers and writers)
// (include/flipside/io/).
#pragma once
