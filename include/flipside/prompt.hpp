// Prompt assembly: templates, exemplar sampling, label policies (gold/flipped/unrelated/random)
// (include/flipside/prompt/).
#pragma once
