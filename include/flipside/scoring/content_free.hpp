// Content-free prompts for contextual calibration (calibration.hpp; Zhao et al. 2021): the same
// prompt — instruction, exemplars in the same order with the same shown labels, output cue — with
// the query's input replaced by an input that carries no content. Its prefix is the original
// prompt's prefix, so a content-free query shares the exemplars' KV cache with the real queries.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/prompt/assembled_prompt.hpp>
#include <flipside/prompt/template.hpp>

namespace flipside {

// The paper's three content-free inputs.
inline std::vector<std::string> default_content_free_inputs() { return {"N/A", "", "[MASK]"}; }

// `p` asked about `input` instead of its eval example: every one of the task's n_fields input
// fields (2 for premise/hypothesis tasks) becomes `input`. `t` must be the template p was built
// with. The result has no gold class and no flipped target.
inline assembled_prompt content_free_prompt(const assembled_prompt& p, const prompt_template& t,
                                            const std::string& input, std::size_t n_fields = 1) {
  if (n_fields == 0) throw argument_error("content_free_prompt: n_fields must be at least 1");
  assembled_prompt q = p;
  // The query block starts with the exemplar separator when a prefix precedes it
  // (prompt_builder.hpp), so the content-free query differs from the real one only in its input.
  q.query = (p.prefix.empty() ? std::string() : t.exemplar_separator) +
            t.render_query(std::vector<std::string>(n_fields, input));
  q.gold = -1;
  q.flipped_target = -1;
  return q;
}

}  // namespace flipside
