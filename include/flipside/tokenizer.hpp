// Tokenizers: byte-level BPE and SentencePiece BPE from tokenizer.json, GPT-2 files, GGUF
// (include/flipside/tokenizer/). Start with flipside::load_tokenizer(path) and
// flipside::tokenizer (tokenizer/tokenizer.hpp).
#pragma once

#include <flipside/tokenizer/added_tokens.hpp>
#include <flipside/tokenizer/assemble.hpp>
#include <flipside/tokenizer/bpe.hpp>
#include <flipside/tokenizer/byte_level.hpp>
#include <flipside/tokenizer/decoder.hpp>
#include <flipside/tokenizer/flat_map.hpp>
#include <flipside/tokenizer/json_fields.hpp>
#include <flipside/tokenizer/load.hpp>
#include <flipside/tokenizer/load_gguf.hpp>
#include <flipside/tokenizer/load_gpt2.hpp>
#include <flipside/tokenizer/load_tokenizer_json.hpp>
#include <flipside/tokenizer/normalizer.hpp>
#include <flipside/tokenizer/patterns.hpp>
#include <flipside/tokenizer/post_processor.hpp>
#include <flipside/tokenizer/pre_tokenizer.hpp>
#include <flipside/tokenizer/spm.hpp>
#include <flipside/tokenizer/tokenizer.hpp>
#include <flipside/tokenizer/unicode.hpp>
#include <flipside/tokenizer/utf8.hpp>
#include <flipside/tokenizer/vocab.hpp>
#include <flipside/tokenizer/word_cache.hpp>
