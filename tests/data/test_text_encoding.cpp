#include <catch2/catch.hpp>

#include <flipside/data/text_encoding.hpp>
#include <flipside/data/text_file.hpp>

#include "temp_files.hpp"

using namespace flipside;

TEST_CASE("is_valid_utf8 follows RFC 3629") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xC3\xA9"));             // é
  CHECK(is_valid_utf8("\xE2\x82\xAC"));            // €
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));        // 😀 (4 bytes)
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));        // U+10FFFF
  CHECK_FALSE(is_valid_utf8("caf\xE9"));           // latin-1 é
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong 3-byte
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  CHECK_FALSE(is_valid_utf8("\x80"));              // lone continuation
  CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("latin1_to_utf8 maps each byte to the code point of the same value") {
  CHECK(latin1_to_utf8("abc") == "abc");
  CHECK(latin1_to_utf8("caf\xE9") == "caf\xC3\xA9");
  CHECK(latin1_to_utf8("\xA3\xFF\x80") == "\xC2\xA3\xC3\xBF\xC2\x80");
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const auto u = latin1_to_utf8(all);
  CHECK(is_valid_utf8(u));
  CHECK(u.size() == 128 + 2 * 128);
}

TEST_CASE("repair_utf8 replaces each invalid byte with U+FFFD") {
  std::string s = "a\xE9z\xE2\x82";
  CHECK(repair_utf8(s) == 3);
  CHECK(s == "a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD");
  std::string ok = "fine \xE2\x82\xAC";
  CHECK(repair_utf8(ok) == 0);
  CHECK(ok == "fine \xE2\x82\xAC");
}

TEST_CASE("read_text_file decodes latin-1 files - drops a BOM and normalises CRLF") {
  const auto latin = test::write_file("latin.txt", "DESC:def What is a caf\xE9 ?\r\nsecond\r\n");
  const auto f = read_text_file(latin, text_encoding::utf8_or_latin1);
  CHECK(f.decoded_as_latin1);
  CHECK(f.text == "DESC:def What is a caf\xC3\xA9 ?\nsecond\n");
  CHECK(f.bad_lines.empty());

  const auto utf = test::write_file("utf.txt", "\xEF\xBB\xBFna\xC3\xAFve\nline two");
  const auto g = read_text_file(utf, text_encoding::utf8_or_latin1);
  CHECK_FALSE(g.decoded_as_latin1);
  CHECK(g.text == "na\xC3\xAFve\nline two");

  // Strict UTF-8: the bad line is recorded (and repaired so that parsing can go on).
  const auto h = read_text_file(latin, text_encoding::utf8);
  REQUIRE(h.bad_lines == std::vector<std::size_t>{1});
  CHECK(h.line_is_bad(1));
  CHECK_FALSE(h.line_is_bad(2));
  CHECK(is_valid_utf8(h.text));

  // Forced latin-1 converts even valid UTF-8 bytes.
  const auto l = read_text_file(utf, text_encoding::latin1);
  CHECK(l.text == latin1_to_utf8("na\xC3\xAFve\nline two"));
}

TEST_CASE("read_text_file names the file it cannot open") {
  try {
    read_text_file(test::scratch_dir() / "missing.txt", text_encoding::utf8);
    FAIL("no exception");
  } catch (const format_error& e) {
    CHECK(std::string(e.what()).find("missing.txt: open: ") != std::string::npos);
  }
}

TEST_CASE("for_each_line numbers lines from 1 and accepts a last line without newline") {
  std::vector<std::pair<std::size_t, std::string>> got;
  for_each_line("a\n\nc", [&](std::size_t n, std::string_view l) { got.emplace_back(n, l); });
  REQUIRE(got.size() == 3);
  CHECK(got[0] == std::make_pair(std::size_t{1}, std::string("a")));
  CHECK(got[1] == std::make_pair(std::size_t{2}, std::string("")));
  CHECK(got[2] == std::make_pair(std::size_t{3}, std::string("c")));
  got.clear();
  for_each_line("x\n", [&](std::size_t n, std::string_view l) { got.emplace_back(n, l); });
  CHECK(got.size() == 1);
  CHECK(trim("  \t a b \r\n") == "a b");
}
