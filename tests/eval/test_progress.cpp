#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include <flipside/eval/progress.hpp>

namespace {

// Everything written to a temporary FILE*.
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[512];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("progress without a terminal prints plain lines every 10 % or every interval") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  double now = 0;
  flipside::progress_reporter p(100, 0, f, 0, {}, [&] { return now; });
  CHECK_FALSE(p.is_tty());
  for (int i = 0; i < 100; ++i) {
    now += 0.5;  // 0.5 s per cell: 10 cells (10 %) come every 5 s, before the 10 s interval
    p.advance(1, 1000);
  }
  p.finish();
  const std::string out = contents(f);
  CHECK(out.find('\r') == std::string::npos);
  CHECK(count(out, "progress: ") == 10);  // at 10, 20, …, 100 cells; finish() adds no repeat
  CHECK(count(out, "100/100 cells") == 1);
  CHECK(out.find("progress: 10/100 cells (10.0 %)  2000 tok/s  elapsed 5s  ETA 45s\n") !=
        std::string::npos);
  CHECK(out.find("100/100 cells (100.0 %)") != std::string::npos);
  std::fclose(f);

  // Slow cells: the interval triggers first.
  f = std::tmpfile();
  now = 0;
  flipside::progress_reporter slow(1000, 0, f, 0, {}, [&] { return now; });
  for (int i = 0; i < 10; ++i) {
    now += 4;
    slow.advance();
  }
  CHECK(count(contents(f), "progress: ") == 3);  // at 12, 24 and 36 s… of 40 s: 12, 24, 36
  slow.finish();  // 10/1000 is not on a line yet: the final line is printed
  CHECK(count(contents(f), "progress: 10/1000 cells") == 1);
  std::fclose(f);
}

TEST_CASE("progress on a terminal redraws one line with a bar, resumed cells not counted as fast") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  double now = 0;
  flipside::progress_reporter p(10, 4, f, 1, {}, [&] { return now; });
  CHECK(p.is_tty());
  now = 60;
  p.advance(1, 600);
  const std::string after_one = p.status();
  // 1 cell in 60 s this session, 5 left → ETA 5 min; 4 cells were done before the resume.
  CHECK(after_one == "5/10 cells (50.0 %)  10 tok/s  elapsed 1m00s  ETA 5m00s");
  p.finish();
  const std::string out = contents(f);
  CHECK(out.find("\r[############............] 5/10 cells") != std::string::npos);
  CHECK(out.back() == '\n');
  CHECK(count(out, "\n") == 1);
  std::fclose(f);
  CHECK(flipside::progress_reporter::format_duration(3725) == "1h02m");
  CHECK(flipside::progress_reporter::format_duration(9.4) == "9s");
}
