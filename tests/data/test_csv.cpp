#include <catch2/catch.hpp>

#include <flipside/data/csv.hpp>

using namespace flipside;

namespace {
std::vector<csv_record> parse_all(std::string_view text, csv_dialect d = csv_dialect::csv()) {
  csv_parser p(text, d);
  std::vector<csv_record> out;
  csv_record r;
  while (p.next(r)) out.push_back(r);
  return out;
}
}  // namespace

TEST_CASE("csv: quoted fields hold delimiters - doubled quotes and line breaks") {
  const auto recs = parse_all(
      "a,b,c\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\n"
      "2,\"two\nlines\",z\n"
      "\n"
      "3,,last");
  REQUIRE(recs.size() == 5);
  CHECK(recs[0].fields == std::vector<std::string>{"a", "b", "c"});
  CHECK(recs[0].line == 1);
  CHECK(recs[1].fields == std::vector<std::string>{"1", "x, y", "say \"hi\""});
  CHECK(recs[1].line == 2);
  CHECK(recs[2].fields == std::vector<std::string>{"2", "two\nlines", "z"});
  CHECK(recs[2].line == 3);
  CHECK(recs[3].blank);
  CHECK(recs[3].line == 5);  // the quoted line break counted
  CHECK(recs[4].fields == std::vector<std::string>{"3", "", "last"});
  CHECK(recs[4].line == 6);
  for (const auto& r : recs) CHECK(r.error.empty());
}

TEST_CASE("csv: a quote inside an unquoted field is a character") {
  const auto recs = parse_all("he said \"no\",1\n");
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].fields == std::vector<std::string>{"he said \"no\"", "1"});
}

TEST_CASE("csv: text after a closing quote is an error and parsing resumes on the next line") {
  const auto recs = parse_all("\"ok\",1\n\"bad\"x,2\n\"fine\",3\n");
  REQUIRE(recs.size() == 3);
  CHECK(recs[1].line == 2);
  CHECK(recs[1].error == "unexpected text after a closing quote");
  CHECK(recs[2].fields == std::vector<std::string>{"fine", "3"});
  CHECK(recs[2].line == 3);
}

TEST_CASE("csv: an unterminated quote is reported with the line it opened on") {
  const auto recs = parse_all("a,1\nb,\"never closed\nmore\n");
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].line == 2);
  CHECK(recs[1].error == "quoted field opened on line 2 is never closed");
}

TEST_CASE("tsv: no quoting - semicolon dialect") {
  const auto t = parse_all("\"quoted\" text\t1\nplain\t0", csv_dialect::tsv());
  REQUIRE(t.size() == 2);
  CHECK(t[0].fields == std::vector<std::string>{"\"quoted\" text", "1"});
  CHECK(t[1].fields == std::vector<std::string>{"plain", "0"});
  const auto s = parse_all("comment;isHate\n\"a; b\";0.5\n", csv_dialect{';', '"'});
  REQUIRE(s.size() == 2);
  CHECK(s[1].fields == std::vector<std::string>{"a; b", "0.5"});
}
