// Template rendering, byte for byte.
#include <catch2/catch.hpp>

#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/prompt/template.hpp>

using namespace flipside;

TEST_CASE("the paper's template renders exemplars - queries and options") {
  const auto t = templates::paper();
  CHECK(t.render_exemplar({"a great film"}, "Positive Sentiment") ==
        "Input: a great film\nOutput: Positive Sentiment");
  CHECK(t.render_query({"dull"}) == "Input: dull\nOutput:");
  CHECK(t.option("Negative Sentiment") == " Negative Sentiment");
  // Pair tasks: the two sentences on separate lines.
  CHECK(t.render_query({"A man sleeps.", "A person rests."}) ==
        "Input: A man sleeps.\nA person rests.\nOutput:");
  CHECK(t.spec() == "Input: {input}\nOutput: {label}");
}

TEST_CASE("named and user templates") {
  CHECK(templates::qa().render_exemplar({"x"}, "y") == "Q: x\nA: y");
  CHECK(templates::question_answer().render_exemplar({"x"}, "y") == "Question: x\nAnswer: y");
  const auto arrow = templates::arrow();
  CHECK(arrow.render_exemplar({"x"}, "y") == "x -> y");
  CHECK(arrow.render_query({"x"}) == "x ->");
  CHECK(arrow.option("y") == " y");

  const auto u = parse_template("Review: {input}\nSentiment:\t {label}.");
  CHECK(u.input_prefix == "Review: ");
  CHECK(u.output_cue == "\nSentiment:");
  CHECK(u.label_lead == "\t ");
  CHECK(u.label_suffix == ".");
  CHECK(u.render_exemplar({"fun"}, "good") == "Review: fun\nSentiment:\t good.");
  CHECK(parse_template(u.spec()).spec() == u.spec());

  const auto tight = parse_template("<{input}>{label}");
  CHECK(tight.label_lead.empty());
  CHECK(tight.render_exemplar({"a"}, "b") == "<a>b");

  CHECK(template_named("paper").spec() == templates::paper().spec());
  CHECK(template_named("qa").spec() == "Q: {input}\nA: {label}");
  CHECK(template_named("Text: {input}\\nLabel: {label}").render_exemplar({"t"}, "l") ==
        "Text: t\nLabel: l");
  CHECK(unescape("a\\tb\\\\n\\x") == "a\tb\\n\\x");
}

TEST_CASE("malformed templates are rejected with the reason") {
  CHECK_THROWS_WITH(parse_template("no placeholders"), Catch::Contains("no {input}"));
  CHECK_THROWS_WITH(parse_template("{input} only"), Catch::Contains("no {label}"));
  CHECK_THROWS_WITH(parse_template("{label} {input}"), Catch::Contains("after {input}"));
  CHECK_THROWS_WITH(parse_template("{input} {input} {label}"), Catch::Contains("{input} twice"));
  CHECK_THROWS_WITH(parse_template("{input} {label} {label}"), Catch::Contains("{label} twice"));
  CHECK_THROWS_WITH(template_named("fancy"), Catch::Contains("unknown template 'fancy'"));
}

TEST_CASE("assemble_prompt: full prompt byte for byte - with exemplar offsets") {
  const std::vector<example> train{
      {{"a delight"}, 1, 1}, {{"a bore"}, 0, 2}, {{"pure joy"}, 1, 3}, {{"a mess"}, 0, 4}};
  const example query{{"fine acting"}, 1, 9};
  auto t = templates::paper();
  const std::vector<std::string> words{"Negative Sentiment", "Positive Sentiment"};
  const auto p = assemble_prompt(t, words, train, {2, 1, 3, 0}, {1, 1, 0, 1}, query);
  CHECK(p.prefix ==
        "Input: pure joy\nOutput: Positive Sentiment\n\n"
        "Input: a bore\nOutput: Positive Sentiment\n\n"
        "Input: a mess\nOutput: Negative Sentiment\n\n"
        "Input: a delight\nOutput: Positive Sentiment");
  CHECK(p.query == "\n\nInput: fine acting\nOutput:");
  CHECK(p.options == std::vector<std::string>{" Negative Sentiment", " Positive Sentiment"});
  CHECK(p.full_text(0) == p.prefix + "\n\nInput: fine acting\nOutput: Negative Sentiment");
  CHECK(p.gold == 1);
  CHECK(p.flipped_target == 0);
  REQUIRE(p.exemplars.size() == 4);
  CHECK(p.num_flipped() == 1);
  CHECK(p.exemplars[1].flipped());
  CHECK(p.exemplars[1].train_index == 1);
  for (const auto& e : p.exemplars) {
    CHECK(p.prefix.substr(e.begin, 7) == "Input: ");
    CHECK(p.prefix.substr(e.label_begin, e.end - e.label_begin) ==
          p.options[static_cast<std::size_t>(e.shown_class)]);
    CHECK((p.prefix + p.query).substr(e.end, 9) == "\n\nInput: ");
  }
  CHECK(p.exemplars.back().end == p.prefix.size());

  t.instruction = "Classify the sentiment.";
  const auto q = assemble_prompt(t, words, train, {0}, {1}, query);
  CHECK(q.text() ==
        "Classify the sentiment.\n\nInput: a delight\nOutput: Positive Sentiment\n\n"
        "Input: fine acting\nOutput:");
  CHECK(q.exemplars[0].begin == std::string("Classify the sentiment.\n\n").size());

  const auto zero = assemble_prompt(templates::paper(), words, train, {}, {}, query);
  CHECK(zero.prefix.empty());
  CHECK(zero.text() == "Input: fine acting\nOutput:");
  CHECK_THROWS_AS(assemble_prompt(t, words, train, {0}, {}, query), argument_error);
  CHECK_THROWS_AS(assemble_prompt(t, words, train, {0}, {2}, query), argument_error);
}
