// Prompt assembly: templates, exemplar sampling, label policies (gold/flipped/unrelated/random)
// (include/flipside/prompt/).
#pragma once

#include <flipside/prompt/assembled_prompt.hpp>
#include <flipside/prompt/exemplar_sampler.hpp>
#include <flipside/prompt/label_policy.hpp>
#include <flipside/prompt/label_words.hpp>
#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/prompt/random.hpp>
#include <flipside/prompt/synthetic_linear.hpp>
#include <flipside/prompt/task_registry.hpp>
#include <flipside/prompt/template.hpp>
#include <flipside/prompt/tokenized_prompt.hpp>
