// The generic JSONL / CSV / TSV loader and the line formats, on small files written by the test:
// field mappings, label mappings, malformed lines (error with file:line, or skipped and counted).
#include <catch2/catch.hpp>

#include <flipside/data/builtin_datasets.hpp>
#include <flipside/data/custom_dataset.hpp>
#include <flipside/data/record_loader.hpp>

#include "temp_files.hpp"

using namespace flipside;

namespace {
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("jsonl: text fields - string/number/bool labels") {
  const auto p =
      test::write_file("pairs.jsonl",
                       "{\"q\": \"first?\", \"a\": \"yes\", \"y\": 1}\n"
                       "\n"
                       "{\"q\": \"second?\", \"a\": \"no\", \"y\": 0, \"extra\": [1,2]}\n"
                       "{\"y\": true, \"q\": \" padded \", \"a\": \"x\"}\n");
  field_mapping m;
  m.text_fields = {"q", "a"};
  m.label_field = "y";
  m.label_values = {"0", "1"};
  load_stats st;
  m.label_values = {"0", "true"};  // bools read as "true"/"false"
  CHECK_THROWS_WITH(read_records(p, m, 2, st),
                    Catch::Contains("pairs.jsonl: line 1: unknown label '1'"));
  m.label_values = {"0", "1"};
  load_options lenient;
  lenient.lenient = true;
  load_stats st2;
  const auto ex = read_records(p, m, 2, st2, lenient);
  REQUIRE(ex.size() == 2);
  CHECK(ex[0].fields == std::vector<std::string>{"first?", "yes"});
  CHECK(ex[0].label == 1);
  CHECK(ex[1].line == 3);
  CHECK(st2.blank == 1);
  CHECK(st2.malformed == 1);
  REQUIRE(st2.problems.size() == 1);
  CHECK(st2.problems[0].find("pairs.jsonl: line 4: unknown label 'true'") != std::string::npos);
}

TEST_CASE("jsonl: malformed lines name file and line") {
  const auto p = test::write_file("bad.jsonl",
                                  "{\"text\": \"ok\", \"label\": \"pos\"}\n"
                                  "{\"text\": \"no label\"}\n"
                                  "{\"text\": 5, \"label\": \"neg\"}\n"
                                  "not json at all\n"
                                  "[1, 2]\n"
                                  "{\"text\": \"  \", \"label\": \"neg\"}\n"
                                  "{\"text\": \"fine\", \"label\": \"neg\"}\n");
  field_mapping m;
  m.text_fields = {"text"};
  m.label_field = "label";
  m.label_values = {"neg", "pos"};
  load_stats st;
  CHECK(error_of([&] {
          read_records(p, m, 2, st);
        }).find("bad.jsonl: line 2: missing label field 'label'") != std::string::npos);
  load_options len;
  len.lenient = true;
  load_stats s2;
  const auto ex = read_records(p, m, 2, s2, len);
  REQUIRE(ex.size() == 2);
  CHECK(ex[1].line == 7);
  CHECK(s2.records == 7);
  CHECK(s2.malformed == 5);
  REQUIRE(s2.problems.size() == 5);
  CHECK(s2.problems[1].find("line 3: field 'text' is not a string") != std::string::npos);
  CHECK(s2.problems[2].find("line 4: invalid JSON") != std::string::npos);
  CHECK(s2.problems[3].find("line 5: not a JSON object") != std::string::npos);
  CHECK(s2.problems[4].find("line 6: empty text field 'text'") != std::string::npos);
}

TEST_CASE("csv: header - column names - quoted multi-line record - threshold labels") {
  const auto p = test::write_file("scores.csv",
                                  "id,score,text\n"
                                  "1,0.8,\"great, really\"\n"
                                  "2,0.2,\"spans\ntwo lines\"\n"
                                  "3,0.5,edge\n"
                                  "4,abc,bad score\n");
  field_mapping m;
  m.format = record_format::csv;
  m.text_fields = {"text"};
  m.label_field = "score";
  m.threshold = 0.5;
  load_stats st;
  CHECK(error_of([&] {
          read_records(p, m, 2, st);
        }).find("scores.csv: line 6: unknown label 'abc'") != std::string::npos);
  load_options len;
  len.lenient = true;
  load_stats s2;
  const auto ex = read_records(p, m, 2, s2, len);
  REQUIRE(ex.size() == 3);
  CHECK(ex[0].label == 1);
  CHECK(ex[0].fields[0] == "great, really");
  CHECK(ex[1].label == 0);
  CHECK(ex[1].fields[0] == "spans\ntwo lines");
  CHECK(ex[2].line == 5);
  CHECK(ex[2].label == 1);  // 0.5 ≥ 0.5
  m.text_fields = {"body"};
  CHECK(error_of([&] { read_records(p, m, 2, st); }) ==
        p.string() + ": header: no column named 'body'");
}

TEST_CASE("tsv: no header - columns by number - too few fields - ignored labels") {
  const auto p = test::write_file("plain.tsv",
                                  "good movie\tpos\n"
                                  "bad movie\tneg\n"
                                  "so-so\tmixed\n"
                                  "no label column\n");
  field_mapping m;
  m.format = record_format::tsv;
  m.header = false;
  m.text_fields = {"0"};
  m.label_field = "1";
  m.label_values = {"neg", "pos"};
  m.ignored_values = {"mixed"};
  load_stats st;
  CHECK(error_of([&] {
          read_records(p, m, 2, st);
        }).find("plain.tsv: line 4: 1 fields, expected at least 2") != std::string::npos);
  load_options len;
  len.lenient = true;
  load_stats s2;
  const auto ex = read_records(p, m, 2, s2, len);
  REQUIRE(ex.size() == 2);
  CHECK(ex[0].label == 1);
  CHECK(ex[1].label == 0);
  CHECK(s2.filtered == 1);
  CHECK(s2.malformed == 1);
  m.text_fields = {"first"};
  CHECK_THROWS_AS(read_records(p, m, 2, st), argument_error);
}

TEST_CASE("strict UTF-8 files: an invalid line is malformed - with its number") {
  const auto p = test::write_file("mixed.jsonl",
                                  "{\"t\": \"ok\", \"l\": 0}\n"
                                  "{\"t\": \"caf\xE9\", \"l\": 1}\n");
  field_mapping m;
  m.text_fields = {"t"};
  m.label_field = "l";
  load_stats st;
  CHECK(error_of([&] { read_records(p, m, 2, st); }).find("mixed.jsonl: line 2: invalid UTF-8") !=
        std::string::npos);
  // The same file read as latin-1-when-not-UTF-8 is converted instead.
  m.encoding = text_encoding::utf8_or_latin1;
  load_stats s2;
  const auto ex = read_records(p, m, 2, s2);
  REQUIRE(ex.size() == 2);
  CHECK(ex[1].fields[0] == "caf\xC3\xA9");
}

TEST_CASE("line formats of the built-in tasks: malformed lines name file and line") {
  const auto dir = test::scratch_dir() / "builtin";
  test::write_file("builtin/sst2/stsa.binary.train", "1 good\n0 bad\n2 unknown label\nnospace\n");
  test::write_file("builtin/sst2/stsa.binary.dev", "1 fine\n");
  test::write_file("builtin/sst2/stsa.binary.test", "0 meh\n");
  CHECK(error_of([&] {
          load_builtin_dataset("sst2", dir);
        }).find("stsa.binary.train: line 3: unknown label '2' (expected one of: 0, 1)") !=
        std::string::npos);
  load_options len;
  len.lenient = true;
  const auto d = load_builtin_dataset("sst2", dir, len);
  CHECK(d.train.size() == 2);
  CHECK(d.stats.malformed == 2);
  REQUIRE(d.stats.problems.size() == 2);
  CHECK(d.stats.problems[1].find("stsa.binary.train: line 4: expected '<label> <sentence>'") !=
        std::string::npos);

  // TREC in latin-1, as originally published.
  test::write_file("builtin/trec/train.txt", "LOC:city Which caf\xE9 ?\nNUM:date When ?\n");
  test::write_file("builtin/trec/test.txt", "BOGUS question\n");
  CHECK(error_of([&] {
          load_builtin_dataset("trec", dir);
        }).find("test.txt: line 1: expected 'COARSE:fine question'") != std::string::npos);
  const auto t = load_builtin_dataset("trec", dir, len);
  REQUIRE(t.train.size() == 2);
  CHECK(t.train[0].fields[0] == "Which caf\xC3\xA9 ?");
  CHECK(t.train[0].label == 4);  // LOC

  // FP: the label is after the last '@'; neutral is filtered, not malformed.
  test::write_file("builtin/fp/Sentences_AllAgree.txt",
                   "mail me @ home@positive\nflat@neutral\nno label here\nbad@negative\n");
  const auto f = load_builtin_dataset("fp", dir, len);
  CHECK(f.stats.filtered == 1);
  CHECK(f.stats.malformed == 1);
  CHECK(f.train.size() + f.test.size() == 2);
  CHECK(f.train[0].fields[0] == "mail me @ home");
}

TEST_CASE("qqp: GLUE TSV with a header") {
  test::write_file("qqp/train.tsv",
                   "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
                   "0\t1\t2\tHow do I cook rice?\tHow to cook rice?\t1\n"
                   "1\t3\t4\tWhat is \"AI\"?\tWho won?\t0\n");
  test::write_file("qqp/dev.tsv",
                   "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
                   "2\t5\t6\tA?\tB?\t0\n");
  const auto d = load_builtin_dataset("qqp", test::scratch_dir());
  REQUIRE(d.train.size() == 2);
  CHECK(d.train[1].fields == std::vector<std::string>{"What is \"AI\"?", "Who won?"});
  CHECK(d.class_counts(split::train) == std::vector<std::size_t>{1, 1});
  CHECK(d.test.size() == 1);
  CHECK(d.task.label_words == std::vector<std::string>{"Not a duplicate", "Duplicate"});
}

TEST_CASE("custom dataset: one file is split by the documented holdout rule") {
  std::string body;
  for (int i = 0; i < 12; ++i)
    body += "{\"s\": \"s" + std::to_string(i) + "\", \"c\": " + std::to_string(i % 2) + "}\n";
  const auto p = test::write_file("custom.jsonl", body);
  field_mapping m;
  m.text_fields = {"s"};
  m.label_field = "c";
  const task_info t{"mine", {"zero", "one"}, {"Zero", "One"}, {"s"}};
  const auto d = load_custom_dataset(t, m, {p, {}, {}});
  // class 0: s0 s2 s4 s6 s8 s10 → 5th (s8) to test; class 1: s1 … s11 → s9 to test.
  REQUIRE(d.test.size() == 2);
  CHECK(d.test[0].fields[0] == "s8");
  CHECK(d.test[1].fields[0] == "s9");
  CHECK(d.train.size() == 10);
  CHECK(d.split_rule.find("every 5th example of each class") != std::string::npos);
  const task_info wrong{"mine", {"zero", "one"}, {"Zero", "One"}, {"a", "b"}};
  CHECK_THROWS_AS(load_custom_dataset(wrong, m, {p, {}, {}}), argument_error);
  const auto d2 = load_custom_dataset(t, m, {p, {}, p});
  CHECK(d2.train.size() == 12);
  CHECK(d2.test.size() == 12);
}
