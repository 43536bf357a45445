// The built-in tasks: the datasets of Wei et al. 2023 ("Larger language models do in-context
// learning differently", arXiv 2303.03846) — SST-2, SUBJ, TREC, FP, ETHOS, RTE, QQP — plus CB,
// AG News and Rotten Tomatoes, each with its class names, the paper's label words, its file
// format(s) and its splits. Files are expected in <data_dir>/<name>/ (the layout of
// ../shared/data).
//
// | task   | files                              | splits                                        |
// | sst2   | stsa.binary.{train,dev,test}       | as published                                  |
// | subj   | {train,test}.csv (TSV)             | as published                                  |
// | trec   | {train,test}.txt                   | as published                                  |
// | fp     | Sentences_AllAgree.txt             | holdout (neutral dropped, as in the paper)    |
// | ethos  | Ethos_Dataset_Binary.csv           | holdout (isHate ≥ 0.5 = hate speech)          |
// | rte    | {train,val}.jsonl                  | val is the test split (test labels unpublished) |
// | cb     | {train,val}.jsonl                  | val is the test split (test.jsonl is unlabelled)
// | | agnews | test.csv                           | holdout (the only published file here)        |
// | rt     | rt-polarity.{neg,pos}              | holdout                                       |
// | qqp    | {train,dev}.tsv (GLUE)             | dev is the test split                         |
// "holdout" is holdout_split(): within each class, in file order, every 5th example → test.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/dataset.hpp>
#include <flipside/data/label_mapper.hpp>
#include <flipside/data/load_options.hpp>
#include <flipside/data/record_loader.hpp>

namespace flipside {

inline const std::vector<std::string>& builtin_task_names() {
  static const std::vector<std::string> names{"sst2", "subj", "trec",   "fp", "ethos",
                                              "rte",  "cb",   "agnews", "rt", "qqp"};
  return names;
}

// Class names, the paper's label words (Wei et al. 2023, appendix; CB, AG News: ours) and fields.
inline task_info builtin_task(std::string_view name) {
  const std::vector<std::string> sentence{"sentence"};
  const std::vector<std::string> pair{"premise", "hypothesis"};
  if (name == "sst2" || name == "rt") {
    return {std::string(name),
            {"negative", "positive"},
            {"Negative Sentiment", "Positive Sentiment"},
            sentence};
  }
  if (name == "subj") {
    return {"subj",
            {"subjective", "objective"},
            {"Subjective Sentence", "Objective Sentence"},
            sentence};
  }
  if (name == "trec") {
    return {"trec",
            {"ABBR", "ENTY", "DESC", "HUM", "LOC", "NUM"},
            {"Abbreviation", "Entity", "Description and Abstract Concept", "Human Being",
             "Location", "Numeric Value"},
            {"question"}};
  }
  if (name == "fp") return {"fp", {"negative", "positive"}, {"Negative", "Positive"}, sentence};
  if (name == "ethos") {
    return {"ethos",
            {"not hate speech", "hate speech"},
            {"Not Hate Speech", "Hate Speech"},
            {"comment"}};
  }
  if (name == "rte") {
    return {"rte", {"entailment", "not_entailment"}, {"Entails", "Does not entail"}, pair};
  }
  if (name == "cb") {
    return {"cb",
            {"entailment", "contradiction", "neutral"},
            {"Entails", "Contradicts", "Neutral"},
            pair};
  }
  if (name == "agnews") {
    return {"agnews",
            {"World", "Sports", "Business", "Sci/Tech"},
            {"World", "Sports", "Business", "Technology"},
            {"title", "description"}};
  }
  if (name == "qqp") {
    return {"qqp",
            {"not_duplicate", "duplicate"},
            {"Not a duplicate", "Duplicate"},
            {"question1", "question2"}};
  }
  std::string known;
  for (const auto& n : builtin_task_names()) known += (known.empty() ? "" : ", ") + n;
  throw argument_error("unknown task '" + std::string(name) + "' (built-in: " + known + ")");
}

namespace detail {

// "<label> <sentence>" (SST-2 as distributed with "Calibrate Before Use").
inline bool parse_label_first(std::string_view line, std::vector<std::string>& fields,
                              std::string& label, std::string& error) {
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos) {
    error = "expected '<label> <sentence>'";
    return false;
  }
  label = std::string(line.substr(0, sp));
  fields = {std::string(line.substr(sp + 1))};
  return true;
}

// "COARSE:fine question" (TREC); the class is the coarse label.
inline bool parse_trec(std::string_view line, std::vector<std::string>& fields, std::string& label,
                       std::string& error) {
  const auto sp = line.find(' ');
  const auto colon = line.find(':');
  if (sp == std::string_view::npos || colon == std::string_view::npos || colon > sp) {
    error = "expected 'COARSE:fine question'";
    return false;
  }
  label = std::string(line.substr(0, colon));
  fields = {std::string(line.substr(sp + 1))};
  return true;
}

// "sentence@label" (Financial PhraseBank); the label follows the last '@'.
inline bool parse_at_label(std::string_view line, std::vector<std::string>& fields,
                           std::string& label, std::string& error) {
  const auto at = line.rfind('@');
  if (at == std::string_view::npos) {
    error = "expected 'sentence@label'";
    return false;
  }
  label = std::string(line.substr(at + 1));
  fields = {std::string(line.substr(0, at))};
  return true;
}

inline std::filesystem::path task_dir(const std::filesystem::path& data_dir,
                                      std::string_view name) {
  const auto sub = data_dir / std::string(name);
  return std::filesystem::is_directory(sub) ? sub : data_dir;
}

inline void holdout(dataset& d, std::vector<example> all, const load_options& opt,
                    const std::string& files) {
  holdout_split(all, d.task.num_classes(), opt.holdout_every, d.train, d.test);
  d.split_rule = files + "; test = every " + std::to_string(opt.holdout_every) +
                 "th example of each class in file order, train = the rest";
}

}  // namespace detail

// Loads a built-in task from <data_dir>/<name>/ (or from data_dir itself when it holds the files).
inline dataset load_builtin_dataset(std::string_view name, const std::filesystem::path& data_dir,
                                    const load_options& opt = {}) {
  dataset d;
  d.task = builtin_task(name);
  const auto dir = detail::task_dir(data_dir, name);
  const auto& fields = d.task.field_names;
  auto& st = d.stats;
  const label_mapper ids({"0", "1"});

  if (name == "sst2") {
    const auto read = [&](const char* file) {
      return read_line_records(dir / file, text_encoding::utf8, ids, fields, st, opt,
                               detail::parse_label_first);
    };
    d.train = read("stsa.binary.train");
    d.dev = read("stsa.binary.dev");
    d.test = read("stsa.binary.test");
    d.split_rule = "train: stsa.binary.train, dev: stsa.binary.dev, test: stsa.binary.test";
  } else if (name == "subj") {
    field_mapping m;
    m.format = record_format::tsv;
    m.header = false;
    m.text_fields = {"0"};
    m.label_field = "1";
    d.train = read_records(dir / "train.csv", m, 2, st, opt);
    d.test = read_records(dir / "test.csv", m, 2, st, opt);
    d.split_rule = "train: train.csv, test: test.csv";
  } else if (name == "trec") {
    const label_mapper coarse(d.task.class_names);
    const auto read = [&](const char* file) {
      return read_line_records(dir / file, text_encoding::utf8_or_latin1, coarse, fields, st, opt,
                               detail::parse_trec);
    };
    d.train = read("train.txt");
    d.test = read("test.txt");
    d.split_rule = "train: train.txt, test: test.txt";
  } else if (name == "fp") {
    const label_mapper pn({"negative", "positive"}, {"neutral"});
    auto all = read_line_records(dir / "Sentences_AllAgree.txt", text_encoding::utf8_or_latin1, pn,
                                 fields, st, opt, detail::parse_at_label);
    detail::holdout(d, std::move(all), opt, "Sentences_AllAgree.txt (neutral dropped)");
  } else if (name == "ethos") {
    field_mapping m;
    m.format = record_format::csv;
    m.delimiter = ';';
    m.text_fields = {"comment"};
    m.label_field = "isHate";
    m.threshold = 0.5;
    auto all = read_records(dir / "Ethos_Dataset_Binary.csv", m, 2, st, opt);
    detail::holdout(d, std::move(all), opt, "Ethos_Dataset_Binary.csv (isHate >= 0.5 = hate)");
  } else if (name == "rte" || name == "cb") {
    field_mapping m;
    m.text_fields = {"premise", "hypothesis"};
    m.label_field = "label";
    m.label_values = d.task.class_names;
    d.train = read_records(dir / "train.jsonl", m, d.task.num_classes(), st, opt);
    d.test = read_records(dir / "val.jsonl", m, d.task.num_classes(), st, opt);
    d.split_rule = "train: train.jsonl, test: val.jsonl (the published test set is unlabelled)";
  } else if (name == "agnews") {
    field_mapping m;
    m.format = record_format::csv;
    m.text_fields = {"Title", "Description"};
    m.label_field = "Class Index";
    m.label_values = {"1", "2", "3", "4"};
    auto all = read_records(dir / "test.csv", m, 4, st, opt);
    detail::holdout(d, std::move(all), opt, "test.csv");
  } else if (name == "rt") {
    // One sentence per line, the class given by the file. The original rt-polarity files are
    // Windows/latin-1 encoded.
    std::vector<example> all;
    const auto read = [&](const char* file, const char* cls) {
      auto part = read_line_records(dir / file, text_encoding::utf8_or_latin1, ids, fields, st, opt,
                                    [cls](std::string_view line, std::vector<std::string>& f,
                                          std::string& label, std::string&) {
                                      f = {std::string(line)};
                                      label = cls;
                                      return true;
                                    });
      all.insert(all.end(), part.begin(), part.end());
    };
    read("rt-polarity.neg", "0");
    read("rt-polarity.pos", "1");
    detail::holdout(d, std::move(all), opt,
                    "rt-polarity.neg (negative), rt-polarity.pos (positive)");
  } else if (name == "qqp") {
    // GLUE's QQP: id, qid1, qid2, question1, question2, is_duplicate; tab-separated, no quoting.
    field_mapping m;
    m.format = record_format::tsv;
    m.text_fields = {"question1", "question2"};
    m.label_field = "is_duplicate";
    d.train = read_records(dir / "train.tsv", m, 2, st, opt);
    d.test = read_records(dir / "dev.tsv", m, 2, st, opt);
    d.split_rule = "train: train.tsv, test: dev.tsv (GLUE test labels are unpublished)";
  }
  return d;
}

}  // namespace flipside
