// The ICL-override benchmark: cells, prefix-shared evaluation, metrics, reports
// (include/flipside/eval/).
#pragma once

#include <flipside/eval/atomic_file.hpp>
#include <flipside/eval/cell.hpp>
#include <flipside/eval/cell_metrics.hpp>
#include <flipside/eval/cell_set.hpp>
#include <flipside/eval/file_identity.hpp>
#include <flipside/eval/hash.hpp>
#include <flipside/eval/json_text.hpp>
#include <flipside/eval/merge.hpp>
#include <flipside/eval/model_id.hpp>
#include <flipside/eval/results_codec.hpp>
#include <flipside/eval/results_reader.hpp>
#include <flipside/eval/results_writer.hpp>
#include <flipside/eval/resume.hpp>
#include <flipside/eval/shard.hpp>
#include <flipside/eval/wilson.hpp>
