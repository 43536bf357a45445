// A user's own dataset: a task description plus JSONL / CSV / TSV files and a field mapping.
#pragma once

#include <filesystem>
#include <string>

#include <flipside/data/dataset.hpp>
#include <flipside/data/record_loader.hpp>

namespace flipside {

struct dataset_files {
  std::filesystem::path train;  // required
  std::filesystem::path dev;    // optional
  std::filesystem::path test;   // optional: when absent, train is split by holdout_split()
};

inline dataset load_custom_dataset(task_info task, const field_mapping& mapping,
                                   const dataset_files& files, const load_options& opt = {}) {
  task.validate();
  if (mapping.text_fields.size() != task.field_names.size()) {
    throw argument_error("task '" + task.name + "': " + std::to_string(task.field_names.size()) +
                         " input fields but the mapping names " +
                         std::to_string(mapping.text_fields.size()));
  }
  if (files.train.empty()) throw argument_error("task '" + task.name + "': no train file");
  dataset d;
  d.task = std::move(task);
  const std::size_t n = d.task.num_classes();
  auto train = read_records(files.train, mapping, n, d.stats, opt);
  if (!files.dev.empty()) d.dev = read_records(files.dev, mapping, n, d.stats, opt);
  if (!files.test.empty()) {
    d.train = std::move(train);
    d.test = read_records(files.test, mapping, n, d.stats, opt);
    d.split_rule = "train: " + files.train.string() + ", test: " + files.test.string();
  } else {
    holdout_split(train, n, opt.holdout_every, d.train, d.test);
    d.split_rule = files.train.string() + "; test = every " + std::to_string(opt.holdout_every) +
                   "th example of each class in file order, train = the rest";
  }
  if (!files.dev.empty()) d.split_rule += ", dev: " + files.dev.string();
  return d;
}

}  // namespace flipside
