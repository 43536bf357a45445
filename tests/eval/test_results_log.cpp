#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include <flipside/eval/results_codec.hpp>
#include <flipside/eval/results_reader.hpp>
#include <flipside/eval/results_writer.hpp>
#include <flipside/eval/resume.hpp>

#include "eval_support.hpp"

using namespace flipside;

TEST_CASE("a results line round-trips every field, with escaping and null for NaN") {
  cell_result c = eval_test::make_cell({"dir/m \"q\"|x\\y.gguf+lora:a@0.5", "sst2", "flip:100", 16,
                                        18446744073709551615ull, scoring_mode::generate, true},
                                       6, 2);
  c.classes = {"Négatif\n", "tab\there", "ctl\x01"};
  c.records[0].probs = {0.1, std::nan(""), 1e-300};
  c.records[1].predicted = out_of_set;
  c.records[1].output = "I don't know\"\n";
  c.records[2].gold = 2;
  c.shard = "1/3";
  c.plan = "abc";
  c.timing.seconds = 0.1 + 0.2;
  const std::string line = to_json_line(c);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);  // one physical line
  CHECK(line.find("null") != std::string::npos);
  simdjson::dom::parser parser;
  const cell_result back = parse_results_line(line.substr(0, line.size() - 1), parser);
  CHECK(back.key == c.key);
  CHECK(back.fp == c.fp);
  CHECK(back.classes == c.classes);
  CHECK(back.shard == "1/3");
  CHECK(back.plan == "abc");
  CHECK(back.timing.seconds == c.timing.seconds);  // 0.30000000000000004 exactly
  CHECK(back.timing.computed_tokens == c.timing.computed_tokens);
  REQUIRE(back.records.size() == c.records.size());
  CHECK(std::isnan(back.records[0].probs[1]));
  CHECK(back.records[0].probs[2] == 1e-300);
  CHECK(back.records[1] == c.records[1]);
  CHECK(back.records[2] == c.records[2]);
  CHECK(to_json_line(back) == line);  // canonical: re-encoding gives the same bytes
}

TEST_CASE("malformed results lines are refused with file, line and field") {
  simdjson::dom::parser parser;
  const std::string good = to_json_line(eval_test::make_cell({"m", "sst2", "gold", 4, 0}, 2, 1));
  std::string bad = good;
  bad.replace(bad.find("\"gold\":1"), 8, "\"gold\":7");
  CHECK_THROWS_WITH(parse_results_line(bad, parser, "r.jsonl", 3),
                    Catch::Contains("r.jsonl") && Catch::Contains("line 3") &&
                        Catch::Contains("records[1].gold"));
  std::string wrong_format = good;
  wrong_format.replace(wrong_format.find("results/1"), 9, "results/9");
  CHECK_THROWS_WITH(parse_results_line(wrong_format, parser), Catch::Contains("format"));
  CHECK_THROWS_AS(parse_results_line("{\"format\":\"flipside.results/1\"}", parser), format_error);
  CHECK_THROWS_AS(parse_results_line("not json", parser), format_error);
}

TEST_CASE(
    "resume after a crash at every byte of the last line: earlier cells intact, no duplicates") {
  eval_test::scratch_dir dir("crash");
  const auto path = dir / "results.jsonl";
  const auto keys = eval_test::small_grid();
  {
    results_writer w(path, results_open::create);
    for (int i = 0; i < 5; ++i) w.append(eval_test::make_cell(keys[i], 10, i));
  }
  const std::string full = eval_test::slurp(path);
  const std::size_t last_start = full.rfind('\n', full.size() - 2) + 1;
  const std::string last_line = full.substr(last_start);
  for (std::size_t cut = last_start + 1; cut < full.size(); cut += 7) {
    // A kill -9 during the 5th append leaves a prefix of its line (or its line without '\n').
    eval_test::spit(path, full.substr(0, cut));
    const results_log log = read_results(path);
    REQUIRE(log.cells.size() == 4);
    CHECK(log.recovered());
    CHECK(log.dropped_line == 5);
    CHECK(log.valid_bytes == last_start);
    CHECK(log.recovery_message().find("line 5") != std::string::npos);
  }
  // Resuming: the writer drops the torn tail, the 5th cell is computed again and appended.
  eval_test::spit(path, full.substr(0, full.size() - 40));
  {
    results_writer w(path, results_open::append);
    CHECK(w.existing().cells.size() == 4);
    CHECK(w.existing().recovered());
    const auto done = finished_cells(w.existing(), [](const cell_key& k) {
      return std::optional<fingerprint>(eval_test::fp_for(k));
    });
    CHECK(done.size() == 4);
    CHECK_FALSE(done.count(keys[4].canonical()));
    for (int i = 0; i < 6; ++i)
      if (!done.count(keys[i].canonical())) w.append(eval_test::make_cell(keys[i], 10, i));
  }
  const results_log after = read_results(path);
  CHECK_FALSE(after.recovered());
  REQUIRE(after.cells.size() == 6);
  for (int i = 0; i < 6; ++i) CHECK(after.cells[i].key == keys[i]);
  CHECK(eval_test::slurp(path).substr(0, last_start) == full.substr(0, last_start));
  CHECK(after.cells[4].same_evaluation(eval_test::make_cell(keys[4], 10, 4)));
}

TEST_CASE(
    "a garbled complete last line is dropped; a garbled line before intact lines is an error") {
  const auto a = to_json_line(eval_test::make_cell({"m", "sst2", "gold", 4, 0}, 3, 1));
  const auto b = to_json_line(eval_test::make_cell({"m", "sst2", "gold", 4, 1}, 3, 2));
  const results_log log = parse_results(a + b + std::string("{\"format\":\0\0}\n", 14), "x.jsonl");
  CHECK(log.cells.size() == 2);
  CHECK(log.dropped_line == 3);
  CHECK(log.valid_bytes == a.size() + b.size());
  CHECK_THROWS_WITH(parse_results(a + "garbage\n" + b, "x.jsonl"),
                    Catch::Contains("x.jsonl") && Catch::Contains("line 2"));
  // Blank lines are tolerated; an empty file is an empty log.
  CHECK(parse_results(a + "\n" + b).cells.size() == 2);
  CHECK(parse_results("").cells.empty());
}

TEST_CASE("resume refuses lines whose fingerprint differs from the current run") {
  const auto keys = eval_test::small_grid();
  results_log log = parse_results(to_json_line(eval_test::make_cell(keys[0], 4, 2)) +
                                      to_json_line(eval_test::make_cell(keys[1], 4, 2)),
                                  "out/results.jsonl");
  auto changed_model = [&](const cell_key& k) -> std::optional<fingerprint> {
    fingerprint fp = eval_test::fp_for(k);
    if (k == keys[1]) fp.model = "another file";
    return fp;
  };
  CHECK_THROWS_WITH(finished_cells(log, changed_model),
                    Catch::Contains("line 2") && Catch::Contains("different model fingerprint"));
  // Cells outside the current grid are not checked and count as finished.
  const auto done = finished_cells(log, [&](const cell_key& k) -> std::optional<fingerprint> {
    if (k == keys[1]) return std::nullopt;
    return eval_test::fp_for(k);
  });
  CHECK(done.size() == 2);
}

TEST_CASE("results_writer: create refuses existing results, a second writer is locked out") {
  eval_test::scratch_dir dir("writer");
  const auto path = dir / "results.jsonl";
  results_writer w(path, results_open::create);
  w.append(eval_test::make_cell({"m", "sst2", "gold", 4, 0}, 2, 1));
  CHECK_THROWS_WITH(results_writer(path, results_open::append), Catch::Contains("another process"));
  CHECK(read_results(path).cells.size() == 1);
  CHECK(read_results(dir / "absent.jsonl").cells.empty());
  eval_test::spit(dir / "old.jsonl", "x\n");
  CHECK_THROWS_WITH(results_writer(dir / "old.jsonl", results_open::create),
                    Catch::Contains("already holds results"));
  results_writer o(dir / "old.jsonl", results_open::overwrite);
  CHECK(eval_test::slurp(dir / "old.jsonl").empty());
}
