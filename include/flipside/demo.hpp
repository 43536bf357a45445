// The built-in demonstration (include/flipside/demo/): hand-built GPT-2-architecture models with an
// analytically known override behaviour, their byte-level BPE vocabulary, and the demo sentiment
// task — what `flipside run` evaluates when no model is given. Not pretrained language models.
#pragma once

#include <flipside/demo/demo_model.hpp>
#include <flipside/demo/demo_task.hpp>
#include <flipside/demo/demo_vocabulary.hpp>
