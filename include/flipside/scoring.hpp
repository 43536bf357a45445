// Label-logit scoring over the label tokens only, calibration and generate mode
// (include/flipside/scoring/).
#pragma once

#include <flipside/scoring/answer_match.hpp>
#include <flipside/scoring/calibration.hpp>
#include <flipside/scoring/content_free.hpp>
#include <flipside/scoring/generate.hpp>
#include <flipside/scoring/kv_fork.hpp>
#include <flipside/scoring/label_options.hpp>
#include <flipside/scoring/label_scorer.hpp>
#include <flipside/scoring/option_scores.hpp>
#include <flipside/scoring/policies.hpp>
