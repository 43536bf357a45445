// Post-processing: the special tokens an encode with add_special puts around one sequence — HF
// TemplateProcessing's "single" template (e.g. "<s> $A" for Llama-2), Bert/RobertaProcessing
// ([CLS] $A [SEP]), GGUF's add_bos_token / add_eos_token. ByteLevel post-processing only trims
// offsets, which flipside does not report, so it adds nothing.
#pragma once

#include <vector>

#include <flipside/tokenizer/vocab.hpp>

namespace flipside::tok {

struct post_processor {
  std::vector<token_id> prefix;  // before the sequence
  std::vector<token_id> suffix;  // after it

  bool empty() const noexcept { return prefix.empty() && suffix.empty(); }
};

}  // namespace flipside::tok
