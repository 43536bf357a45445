// Model and tensor files: GGUF, safetensors, HF config.json (readers and writers)
// (include/flipside/io/).
#pragma once

#include <flipside/io/gguf_file.hpp>
#include <flipside/io/gguf_value.hpp>
#include <flipside/io/gguf_writer.hpp>
#include <flipside/io/mapped_file.hpp>
#include <flipside/io/safetensors_dtype.hpp>
#include <flipside/io/safetensors_file.hpp>
#include <flipside/io/safetensors_writer.hpp>
