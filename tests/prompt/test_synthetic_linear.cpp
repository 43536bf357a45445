// The paper's synthetic linear classification task (Algorithm 1).
#include <catch2/catch.hpp>

#include <sstream>

#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/prompt/synthetic_linear.hpp>

using namespace flipside;

namespace {
std::vector<std::int64_t> parse_point(const std::string& s) {
  std::vector<std::int64_t> x;
  std::stringstream in(s);
  std::string tok;
  while (std::getline(in, tok, ',')) x.push_back(std::stoll(tok));
  return x;
}
}  // namespace

TEST_CASE("linear task: labels follow a.x above a.p - balanced - in range - recorded draw") {
  linear_task_params prm;
  prm.dims = 4;
  prm.train_per_class = 64;
  prm.test_per_class = 16;
  const auto t = make_linear_task(prm);
  CHECK(t.coefficients == std::vector<std::int64_t>{439, 179, 874, 724});
  CHECK(t.pivot == std::vector<std::int64_t>{165, 412, 910, 522});
  CHECK(t.threshold == 1319451);
  CHECK(t.data.train[0].fields[0] == "688, 541, 580, 56");
  CHECK(t.data.train[0].label == 1);
  CHECK(t.data.class_counts(split::train) == std::vector<std::size_t>{64, 64});
  CHECK(t.data.class_counts(split::test) == std::vector<std::size_t>{16, 16});
  CHECK(t.data.task.label_words == std::vector<std::string>{"Foo", "Bar"});
  for (const auto* s : {&t.data.train, &t.data.test}) {
    for (const auto& e : *s) {
      const auto x = parse_point(e.fields[0]);
      REQUIRE(x.size() == 4);
      std::int64_t dot = 0;
      for (std::size_t i = 0; i < 4; ++i) {
        REQUIRE(x[i] >= 1);
        REQUIRE(x[i] <= 1000);
        dot += t.coefficients[i] * x[i];
      }
      REQUIRE(e.label == (dot > t.threshold ? 0 : 1));
    }
  }
  // Same seed, same task; another seed, another.
  CHECK(make_linear_task(prm).data.test[5].fields == t.data.test[5].fields);
  prm.seed = 1;
  CHECK(make_linear_task(prm).coefficients != t.coefficients);
}

TEST_CASE("linear task: prompts in the paper's format") {
  linear_task_params prm;
  prm.dims = 3;
  prm.train_per_class = 8;
  prm.test_per_class = 2;
  const auto t = make_linear_task(prm);
  const auto p =
      prompt_builder<>(t.data, split::test, {templates::paper(), label_policy::gold(), 2, 0})(0);
  CHECK(p.options == std::vector<std::string>{" Foo", " Bar"});
  CHECK(p.query.rfind("\n\nInput: ", 0) == 0);
  CHECK(std::count(p.query.begin(), p.query.end(), ',') == 2);
  CHECK(p.exemplars.size() == 4);
  CHECK_THROWS_AS(make_linear_task({0, 1, 1, 1, 1000, 0}), argument_error);
  linear_task_params rare;  // one coordinate, pivot near the top: "above" is rare but reachable
  rare.dims = 1;
  rare.max_draws = 3;
  CHECK_THROWS_WITH(make_linear_task(rare), Catch::Contains("too rare"));
}
