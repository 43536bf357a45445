// The model-free rules of scoring: decision (argmax ties, NaN, renormalisation), label-option
// checks, contextual calibration on hand-computed examples, content-free prompts, generate-mode
// answer matching, compact KV forks.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/scoring.hpp>

using namespace flipside;

TEST_CASE("prediction is the argmax over options, ties to the lowest index") {
  CHECK(argmax_option({-3.0, -1.0, -2.0}) == 1);
  CHECK(argmax_option({-1.0, -1.0, -2.0}) == 0);
  CHECK(argmax_option({-2.0, -1.0, -1.0}) == 1);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(argmax_option({-inf, -inf}) == 0);
  CHECK(argmax_option({-inf, -5.0}) == 1);
  CHECK_THROWS_WITH(argmax_option({-1.0, std::nan("")}), Catch::Contains("option 1 has a NaN"));
}

TEST_CASE("label-set probabilities are a softmax of the decision scores") {
  // log-probs log 0.1, log 0.3 → 0.25, 0.75.
  const auto p = renormalise({std::log(0.1), std::log(0.3)});
  CHECK(p[0] == Approx(0.25).epsilon(1e-15));
  CHECK(p[1] == Approx(0.75).epsilon(1e-15));
  // Shift-invariant and stable for very negative scores.
  const auto q = renormalise({-10000.0 + std::log(0.1), -10000.0 + std::log(0.3)});
  CHECK(q[0] == Approx(0.25).epsilon(1e-12));
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(renormalise({-inf, -inf}) == std::vector<double>{0.5, 0.5});
  CHECK(renormalise({-inf, 0.0}) == std::vector<double>{0.0, 1.0});

  option_scores s;
  s.log_probs = {-4.0, -3.0, -9.0};
  s.n_tokens = {2, 1, 3};
  CHECK(decision_scores(s, option_aggregation::sum) == s.log_probs);
  CHECK(decision_scores(s, option_aggregation::mean) == std::vector<double>{-2.0, -3.0, -3.0});
  decide(s, decision_scores(s, option_aggregation::mean));
  CHECK(s.predicted == 0);
}

TEST_CASE("label options are checked, errors name the label") {
  CHECK_NOTHROW(check_label_options({{1}, {2, 3}}, {"a", "b"}, 10));
  CHECK_NOTHROW(check_label_options({{1}, {2, 3}}, {}, 10));
  CHECK_THROWS_WITH(check_label_options({{1}, {}}, {"Positive", ""}, 10),
                    Catch::Contains("label option 1 ('') tokenizes to no tokens"));
  CHECK_THROWS_WITH(check_label_options({{}, {1}}, {}, 10),
                    Catch::Contains("label option 0 tokenizes to no tokens"));
  CHECK_THROWS_WITH(check_label_options({{1}, {-1}}, {"Foo", "Bar"}, 10),
                    Catch::Contains("label option 1 ('Bar'): token -1 is outside"));
  CHECK_THROWS_WITH(check_label_options({{1}, {10}}, {}, 10),
                    Catch::Contains("token 10 is outside the vocabulary [0, 10)"));
  CHECK_THROWS_WITH(check_label_options({}, {}, 10), Catch::Contains("no label options"));
  CHECK_THROWS_WITH(check_label_options({{1}}, {"a", "b"}, 10),
                    Catch::Contains("2 label names for 1 options"));
}

TEST_CASE("contextual calibration: a hand-computed binary example") {
  // Content-free inputs ("N/A", "", "[MASK]") give label probabilities (0.7, 0.3), (0.5, 0.5),
  // (0.6, 0.4): p_cf = (0.6, 0.4), W = diag(1/0.6, 1/0.4).
  const auto cal = contextual_calibration::from_content_free(
      std::vector<std::vector<double>>{{0.7, 0.3}, {0.5, 0.5}, {0.6, 0.4}});
  CHECK(cal.p_cf()[0] == Approx(0.6).epsilon(1e-15));
  CHECK(cal.p_cf()[1] == Approx(0.4).epsilon(1e-15));
  // A query with p = (0.55, 0.45): uncalibrated → class 0. W·p = (0.91667, 1.125),
  // q = softmax(W·p) = (1, e^0.208333)/(1 + e^0.208333) = (0.448104, 0.551896) → class 1.
  const std::vector<double> p{0.55, 0.45};
  const auto w = cal.corrected(p);
  CHECK(w[0] == Approx(0.55 / 0.6).epsilon(1e-14));
  CHECK(w[1] == Approx(0.45 / 0.4).epsilon(1e-14));
  const auto q = cal.calibrated(p);
  CHECK(q[0] == Approx(0.44810423273176886).epsilon(1e-12));
  CHECK(q[1] == Approx(0.5518957672682311).epsilon(1e-12));
  CHECK(cal.predict(p) == 1);

  option_scores s;
  s.log_probs = {std::log(0.55), std::log(0.45)};
  s.n_tokens = {1, 2};
  decide(s, s.log_probs);
  CHECK(s.predicted == 0);
  const option_scores c = cal.apply(s);
  CHECK(c.predicted == 1);
  CHECK(c.probs[1] == Approx(0.5518957672682311).epsilon(1e-12));
  CHECK(c.log_probs == s.log_probs);
}

TEST_CASE("contextual calibration: three classes, and the content-free point maps to uniform") {
  // p_cf = mean of (0.5,0.3,0.2), (0.6,0.2,0.2), (0.4,0.4,0.2) = (0.5, 0.3, 0.2).
  const auto cal = contextual_calibration::from_content_free(
      std::vector<std::vector<double>>{{0.5, 0.3, 0.2}, {0.6, 0.2, 0.2}, {0.4, 0.4, 0.2}});
  // p = (0.2, 0.3, 0.5): W·p = (0.4, 1.0, 2.5), softmax = (0.091006, 0.165824, 0.743170).
  const auto q = cal.calibrated({0.2, 0.3, 0.5});
  CHECK(q[0] == Approx(0.0910059815611443).epsilon(1e-12));
  CHECK(q[1] == Approx(0.165823709950553).epsilon(1e-12));
  CHECK(q[2] == Approx(0.7431703084883028).epsilon(1e-12));
  // The bias itself is undone: p = p_cf gives W·p = (1, 1, 1) → uniform.
  for (double x : cal.calibrated(cal.p_cf())) CHECK(x == Approx(1.0 / 3).epsilon(1e-12));
  // p_cf is renormalised when given directly.
  CHECK(contextual_calibration({2.0, 6.0}).p_cf() == std::vector<double>{0.25, 0.75});
  CHECK_THROWS_WITH(contextual_calibration({0.5, 0.0}), Catch::Contains("label option 1"));
  CHECK_THROWS_WITH(cal.calibrated({0.5, 0.5}), Catch::Contains("2 label probabilities"));
  CHECK_THROWS_WITH(contextual_calibration::from_content_free(
                        std::vector<std::vector<double>>{{0.5, 0.5}, {1.0}}),
                    Catch::Contains("content-free input 1"));
}

TEST_CASE("contextual calibration: the reference code's averaging of raw probability mass") {
  // Raw content-free probabilities p(label | prompt): (0.07, 0.03), (0.2, 0.2), (0.3, 0.2).
  // Reference code: mean (0.19, 0.14333…), renormalised → p_cf = (0.57, 0.43). Averaging the
  // renormalised probabilities instead ((0.7, 0.3), (0.5, 0.5), (0.6, 0.4)) gives (0.6, 0.4).
  auto scores = [](double shift) {
    std::vector<option_scores> v(3);
    const double raw[3][2] = {{0.07, 0.03}, {0.2, 0.2}, {0.3, 0.2}};
    for (std::size_t k = 0; k < 3; ++k) {
      v[k].log_probs = {shift + std::log(raw[k][0]), shift + std::log(raw[k][1])};
      v[k].n_tokens = {1, 1};
      v[k].normalised = true;
      decide(v[k], v[k].log_probs);
    }
    return v;
  };
  const auto mass = contextual_calibration::from_content_free_mass(scores(0.0));
  CHECK(mass.p_cf()[0] == Approx(0.57).epsilon(1e-14));
  CHECK(mass.p_cf()[1] == Approx(0.43).epsilon(1e-14));
  const auto renorm = contextual_calibration::from_content_free(scores(0.0));
  CHECK(renorm.p_cf()[0] == Approx(0.6).epsilon(1e-14));
  // p = (0.55, 0.45): W·p = (0.55/0.57, 0.45/0.43) = (0.964912…, 1.046512…) → class 1.
  const auto w = mass.corrected({0.55, 0.45});
  CHECK(w[0] == Approx(0.9649122807017545).epsilon(1e-13));
  CHECK(w[1] == Approx(1.0465116279069768).epsilon(1e-13));
  CHECK(mass.predict({0.55, 0.45}) == 1);
  // Log space: probabilities of e^-2000 (underflow to 0 in double) give the same p_cf.
  const auto tiny = contextual_calibration::from_content_free_mass(scores(-2000.0));
  CHECK(tiny.p_cf()[0] == Approx(0.57).epsilon(1e-12));
  auto un = scores(0.0);
  un[1].normalised = false;
  CHECK_THROWS_WITH(contextual_calibration::from_content_free_mass(un),
                    Catch::Contains("content-free input 1 was scored unnormalised"));
}

TEST_CASE("content-free prompts keep the exemplars and replace the query's input") {
  const prompt_template t = templates::paper();
  auto ex = [](std::string text, int label) {
    example e;
    e.fields = {std::move(text)};
    e.label = label;
    return e;
  };
  const std::vector<example> train{ex("good film", 1), ex("bad film", 0)};
  const assembled_prompt p =
      assemble_prompt(t, {"Negative", "Positive"}, train, {0, 1}, {1, 0}, ex("a fine movie", 1));
  CHECK(default_content_free_inputs() == std::vector<std::string>{"N/A", "", "[MASK]"});
  const assembled_prompt cf = content_free_prompt(p, t, "N/A");
  CHECK(cf.prefix == p.prefix);
  // Only the input differs from the real query: the separator after the exemplars stays.
  CHECK(p.query == "\n\nInput: a fine movie\nOutput:");
  CHECK(cf.query == "\n\nInput: N/A\nOutput:");
  CHECK(cf.options == p.options);
  CHECK(cf.gold == -1);
  CHECK(content_free_prompt(p, t, "").query == "\n\nInput: \nOutput:");
  CHECK(content_free_prompt(p, t, "[MASK]", 2).query == "\n\nInput: [MASK]\n[MASK]\nOutput:");
  // Zero-shot: no prefix, so no separator.
  const assembled_prompt z =
      assemble_prompt(t, {"Negative", "Positive"}, train, {}, {}, ex("a fine movie", 1));
  REQUIRE(z.prefix.empty());
  CHECK(content_free_prompt(z, t, "N/A").query == "Input: N/A\nOutput:");
}

TEST_CASE("generate mode: the answer is cut at the stop string, trimmed, matched exactly") {
  CHECK(extract_answer(" Positive Sentiment\n\nInput: x") == "Positive Sentiment");
  CHECK(extract_answer("  Foo \r\nBar") == "Foo");
  CHECK(extract_answer("\tFoo\t") == "Foo");
  CHECK(extract_answer("\nFoo") == "");  // the answer ends at the first newline, even a leading one
  CHECK(extract_answer(" Foo -> Bar", " ->") == "Foo");
  CHECK(extract_answer(" Foo\nBar", "") == "Foo\nBar");
  const std::vector<std::string> labels{"Negative Sentiment", " Positive Sentiment", "Foo"};
  CHECK(match_label("Positive Sentiment", labels) == 1);  // labels are trimmed too
  CHECK(match_label("Negative Sentiment", labels) == 0);
  CHECK(match_label("positive sentiment", labels) == no_label_match);   // case-sensitive
  CHECK(match_label("Positive", labels) == no_label_match);             // no partial credit
  CHECK(match_label("Positive  Sentiment", labels) == no_label_match);  // inner spaces count
  CHECK(match_label("Foo.", labels) == no_label_match);
  CHECK(match_label("", labels) == no_label_match);
  CHECK(match_label("Foo", {"Foo", "Foo"}) == 0);  // duplicates: the first
  answer_tally t;
  for (int l : {0, no_label_match, 1, no_label_match}) t.add(l);
  CHECK(t.answers == 4);
  CHECK(t.out_of_set == 2);
  CHECK(t.out_of_set_rate() == 0.5);
}

TEMPLATE_TEST_CASE("compact forks copy the kept positions bit for bit", "", float,
                   detail::f16_storage, detail::bf16_storage) {
  kv_cache<TestType> c(3, 50, 2, 8);
  std::vector<float> k(40 * 16), v(40 * 16);
  for (std::size_t i = 0; i < k.size(); ++i) {
    k[i] = std::sin(0.37f * float(i)) * 3.0f;
    v[i] = std::cos(0.11f * float(i)) - 0.5f;
  }
  for (std::size_t l = 0; l < 3; ++l) c.layer(l).append(k.data(), v.data(), 40);
  const kv_cache<TestType> f = fork_prefix(c, 25, 30);
  CHECK(f.size() == 25);
  CHECK(f.capacity() == 30);
  for (std::size_t l = 0; l < 3; ++l) {
    CHECK(std::memcmp(f.layer(l).keys(), c.layer(l).keys(), 25 * 16 * sizeof(TestType)) == 0);
    CHECK(std::memcmp(f.layer(l).values(), c.layer(l).values(), 25 * 16 * sizeof(TestType)) == 0);
  }
  CHECK(c.size() == 40);
  CHECK_THROWS_WITH(fork_prefix(c, 41, 50), Catch::Contains("from a cache of 40"));
  CHECK_THROWS_WITH(fork_prefix(c, 20, 10), Catch::Contains("capacity 10 < 20"));
}
