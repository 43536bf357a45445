// Datasets for few-shot classification: loaders and task descriptions
// (include/flipside/data/).
#pragma once

#include <flipside/data/builtin_datasets.hpp>
#include <flipside/data/csv.hpp>
#include <flipside/data/custom_dataset.hpp>
#include <flipside/data/dataset.hpp>
#include <flipside/data/example.hpp>
#include <flipside/data/label_mapper.hpp>
#include <flipside/data/load_options.hpp>
#include <flipside/data/record_loader.hpp>
#include <flipside/data/task.hpp>
#include <flipside/data/text_encoding.hpp>
#include <flipside/data/text_file.hpp>
