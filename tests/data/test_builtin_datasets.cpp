// Every built-in loader on every file of ../shared/data. The expected counts per class were
// computed independently of flipside (Python's csv/json modules, awk) when the test was written.
#include <catch2/catch.hpp>

#include <flipside/data/builtin_datasets.hpp>

#include "shared_data.hpp"

using namespace flipside;
using counts = std::vector<std::size_t>;

namespace {
void check_clean(const dataset& d) {
  CHECK(d.stats.malformed == 0);
  CHECK(d.stats.problems.empty());
  CHECK(d.stats.kept == d.train.size() + d.dev.size() + d.test.size());
  for (auto s : {split::train, split::dev, split::test}) {
    for (const auto& e : d.get(s)) {
      REQUIRE(e.fields.size() == d.task.field_names.size());
      for (const auto& f : e.fields) REQUIRE_FALSE(f.empty());
      REQUIRE(e.label >= 0);
      REQUIRE(static_cast<std::size_t>(e.label) < d.task.num_classes());
    }
  }
  d.task.validate();
}
}  // namespace

TEST_CASE("builtin: sst2 (stsa.binary train/dev/test)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("sst2", dir);
  check_clean(d);
  CHECK(d.class_counts(split::train) == counts{3310, 3610});
  CHECK(d.class_counts(split::dev) == counts{428, 444});
  CHECK(d.class_counts(split::test) == counts{912, 909});
  CHECK(d.train[0].fields[0] ==
        "a stirring , funny and finally transporting re-imagining of beauty and the beast and "
        "1930s horror films");
  CHECK(d.train[0].label == 1);
  CHECK(d.train[0].line == 1);
  CHECK(d.test[0].fields[0] == "no movement , no yuks , not much of anything .");
  CHECK(d.test[0].label == 0);
  CHECK(d.task.label_words == std::vector<std::string>{"Negative Sentiment", "Positive Sentiment"});
}

TEST_CASE("builtin: subj (TSV train/test)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("subj", dir);
  check_clean(d);
  CHECK(d.class_counts(split::train) == counts{4484, 4516});
  CHECK(d.class_counts(split::test) == counts{516, 484});
  CHECK(d.dev.empty());
  CHECK(d.train[0].fields[0] ==
        "john connor \\( nick stahl \\) is living in the streets as a hacker");
  CHECK(d.train[0].label == 1);
  CHECK(d.task.label_words ==
        std::vector<std::string>{"Subjective Sentence", "Objective Sentence"});
}

TEST_CASE("builtin: trec (coarse classes - latin-1 origin)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("trec", dir);
  check_clean(d);
  // ABBR ENTY DESC HUM LOC NUM
  CHECK(d.class_counts(split::train) == counts{86, 1250, 1162, 1223, 835, 896});
  CHECK(d.class_counts(split::test) == counts{9, 94, 138, 65, 81, 113});
  CHECK(d.train[0].fields[0] == "How did serfdom develop in and then leave Russia ?");
  CHECK(d.train[0].label == 2);  // DESC
  // Line 66 holds the one non-ASCII character (already U+FFFD in this copy).
  CHECK(d.train[65].line == 66);
  CHECK(d.train[65].fields[0] ==
        "Which city has the oldest relationship as a sister\xEF\xBF\xBD"
        "city with Los Angeles ?");
  CHECK(d.task.label_words.size() == 6);
  CHECK(d.task.label_words[2] == "Description and Abstract Concept");
}

TEST_CASE("builtin: fp (sentence-at-label lines - neutral dropped - holdout split)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("fp", dir);
  check_clean(d);
  CHECK(d.stats.records == 2264);
  CHECK(d.stats.filtered == 1391);  // neutral
  // 303 negative, 570 positive; every 5th of each class → test.
  CHECK(d.class_counts(split::train) == counts{243, 456});
  CHECK(d.class_counts(split::test) == counts{60, 114});
  CHECK(d.train[0].label == 1);
  const auto first_neg =
      std::find_if(d.train.begin(), d.train.end(), [](const example& e) { return e.label == 0; });
  CHECK(first_neg->fields[0] ==
        "Jan. 6 -- Ford is struggling in the face of slowing truck and SUV sales and a surfeit of "
        "up-to-date , gotta-have cars .");
  const auto first_test_neg =
      std::find_if(d.test.begin(), d.test.end(), [](const example& e) { return e.label == 0; });
  CHECK(first_test_neg->fields[0].rfind("( ADPnews ) - Feb 3 , 2010 - Finland-based steel maker "
                                        "Rautaruukki",
                                        0) == 0);
}

TEST_CASE("builtin: ethos (semicolon-separated CSV with quotes - isHate at least 0.5)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("ethos", dir);
  check_clean(d);
  CHECK(d.stats.records == 998);
  CHECK(d.class_counts(split::train) == counts{452, 347});
  CHECK(d.class_counts(split::test) == counts{113, 86});
  // The quoted comment with four ';' inside, label exactly 0.5 → hate speech.
  bool found = false;
  for (const auto* s : {&d.train, &d.test}) {
    for (const auto& e : *s) {
      if (e.line == 420) {
        found = true;
        CHECK(e.fields[0] ==
              "Every female-dominated job: low skill; minimal education required; not much "
              "physical exertion; indoors; tightly controlled hours.");
        CHECK(e.label == 1);
      }
    }
  }
  CHECK(found);
}

TEST_CASE("builtin: rte (JSONL pairs - val is the test split)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("rte", dir);
  check_clean(d);
  CHECK(d.class_counts(split::train) == counts{1249, 1241});
  CHECK(d.class_counts(split::test) == counts{146, 131});
  CHECK(d.train[0].fields ==
        std::vector<std::string>{"No Weapons of Mass Destruction Found in Iraq Yet.",
                                 "Weapons of Mass Destruction Found in Iraq."});
  CHECK(d.train[0].label == 1);  // not_entailment
  CHECK(d.task.label_words == std::vector<std::string>{"Entails", "Does not entail"});
}

TEST_CASE("builtin: cb (JSONL pairs - 3 classes)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("cb", dir);
  check_clean(d);
  // entailment, contradiction, neutral
  CHECK(d.class_counts(split::train) == counts{115, 119, 16});
  CHECK(d.class_counts(split::test) == counts{23, 28, 5});
  CHECK(d.train[0].fields[1] == "the language was peeled down");
  CHECK(d.train[0].label == 0);
}

TEST_CASE("builtin: agnews (quoted CSV - 1-based classes - holdout split)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("agnews", dir);
  check_clean(d);
  CHECK(d.class_counts(split::train) == counts{1520, 1520, 1520, 1520});
  CHECK(d.class_counts(split::test) == counts{380, 380, 380, 380});
  CHECK(d.train[0].fields[0] == "Fears for T N pension after talks");
  CHECK(d.train[0].fields[1] ==
        "Unions representing workers at Turner   Newall say they are 'disappointed' after talks "
        "with stricken parent firm Federal Mogul.");
  CHECK(d.train[0].label == 2);  // Business
  CHECK(d.train[0].line == 2);
  const auto first_world_test =
      std::find_if(d.test.begin(), d.test.end(), [](const example& e) { return e.label == 0; });
  CHECK(first_world_test->fields[0] == "Venezuela Prepares for Chavez Recall Vote");
}

TEST_CASE("builtin: rt (one file per class - holdout split)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("rt", dir);
  check_clean(d);
  CHECK(d.class_counts(split::train) == counts{4000, 4000});
  CHECK(d.class_counts(split::test) == counts{1000, 1000});
  CHECK(d.train[0].fields[0] ==
        "smart and alert , thirteen conversations about one thing is a small gem .");
  CHECK(d.train[0].label == 0);
}

TEST_CASE("builtin: unknown names and missing directories are clear errors") {
  CHECK_THROWS_WITH(builtin_task("sst5"),
                    Catch::Contains("unknown task 'sst5'") && Catch::Contains("sst2, subj, trec"));
  try {
    load_builtin_dataset("sst2", "/nonexistent/flipside-data");
    FAIL("no exception");
  } catch (const format_error& e) {
    CHECK(std::string(e.what()).find("stsa.binary.train: open:") != std::string::npos);
  }
  for (const auto& n : builtin_task_names()) builtin_task(n).validate();
}
