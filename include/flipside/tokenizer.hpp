// Tokenizers: byte-level BPE and SentencePiece BPE from tokenizer.json, GPT-2 files, GGUF
// (include/flipside/tokenizer/).
#pragma once
