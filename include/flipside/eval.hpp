// The ICL-override benchmark: cells, prefix-shared evaluation, metrics, reports
// (include/flipside/eval/).
#pragma once
