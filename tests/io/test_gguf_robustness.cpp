// GGUF reader on truncated, bit-flipped and deliberately hostile input: every case must end in
// success or a flipside::error naming the file (and, where it matters, the field) — never a crash,
// an out-of-bounds read (the suite runs under ASan+UBSan in CI) or a huge allocation.
#include <flipside/io/gguf_file.hpp>

#include <string>

#include <catch2/catch.hpp>

#include "hostile.hpp"
#include "io_test_util.hpp"
#include "shared_data.hpp"

using flipside::gguf_file;
using flipside::test::exact_copy;
using flipside::test::outcome;
using flipside::test::raw_bytes;
using flipside::test::try_parse;

namespace {

// A small GGUF exercising every value type, a string array, and f32 / q8_0 / q4_K tensors, built
// byte by byte (independently of gguf_writer).
raw_bytes kitchen_sink() {
  raw_bytes r;
  r.b = "GGUF";
  r.u32(3).u64(3).u64(15);
  r.str("general.architecture").u32(8).str("llama");
  r.str("k.u8").u32(0).u8(200);
  r.str("k.i8").u32(1).u8(0x80);
  r.str("k.u16").u32(2).put(65535, 2);
  r.str("k.i16").u32(3).put(0x8000, 2);
  r.str("k.u32").u32(4).u32(123456);
  r.str("k.i32").u32(5).u32(0xFFFFFFFF);
  r.str("k.f32").u32(6).f32(0.25f);
  r.str("k.bool").u32(7).u8(1);
  r.str("k.u64").u32(10).put(1ull << 40, 8);
  r.str("k.i64").u32(11).put(~0ull, 8);
  r.str("k.f64").u32(12).put(0x3FF0000000000000ull, 8);
  r.str("k.arr.str").u32(9).u32(8).u64(40);
  for (int i = 0; i < 40; ++i) r.str("tok" + std::to_string(i));
  r.str("k.arr.i32").u32(9).u32(5).u64(3).u32(1).u32(2).u32(3);
  r.str("general.alignment").u32(4).u32(32);
  // tensors: f32 [2][8], q8_0 [2][32], q4_K [1][256]
  r.str("a.f32").u32(2).u64(8).u64(2).u32(0).u64(0);
  r.str("b.q8_0").u32(2).u64(32).u64(2).u32(8).u64(64);
  r.str("c.q4_k").u32(1).u64(256).u32(12).u64(160);
  r.pad(32);
  for (int i = 0; i < 64; ++i) r.u8(static_cast<std::uint8_t>(i));  // a.f32
  r.zeros(68).pad(32);                                              // b.q8_0
  r.zeros(144).pad(32);                                             // c.q4_k
  return r;
}

// Bytes of the file needed by its tensors (a prefix at least this long may legitimately load).
std::size_t needed(const gguf_file& f) {
  std::size_t n = f.data_offset();
  for (const auto& t : f.tensors()) {
    n = std::max(n, static_cast<std::size_t>(t.data - f.file_data()) + t.nbytes);
  }
  return n;
}

void check_truncations(const std::string& bytes, bool every_header_byte) {
  const auto full = gguf_file::from_memory(bytes.data(), bytes.size(), "hostile");
  const std::size_t need = needed(full);
  auto check = [&](std::size_t len) {
    INFO("prefix of " << len << " / " << bytes.size() << " bytes");
    auto copy = exact_copy(bytes.data(), len);
    const auto r = try_parse<gguf_file>(copy.get(), len);
    CHECK((r == outcome::loaded) == (len >= need));
  };
  for (std::size_t k = 0; k <= 64; ++k) check(bytes.size() * k / 64);
  if (every_header_byte) {
    for (std::size_t len = 0; len < full.data_offset(); ++len) check(len);
  }
}

void check_byte_flips(std::string bytes, std::size_t region, int iterations, std::uint64_t seed) {
  flipside::test::splitmix64 rng(seed);
  auto buf = exact_copy(bytes.data(), bytes.size());
  int rejected = 0;
  for (int it = 0; it < iterations; ++it) {
    const int n_flips = 1 + static_cast<int>(rng.below(3));
    std::size_t where[3];
    unsigned char old[3];
    for (int j = 0; j < n_flips; ++j) {
      where[j] = rng.below(region);
      old[j] = buf[where[j]];
      buf[where[j]] = rng.below(2) ? static_cast<unsigned char>(old[j] ^ (1u << rng.below(8)))
                                   : static_cast<unsigned char>(rng.next());
    }
    INFO("iteration " << it);
    rejected += try_parse<gguf_file>(buf.get(), bytes.size()) == outcome::rejected;
    for (int j = n_flips; j-- > 0;) buf[where[j]] = old[j];
  }
  CHECK(rejected > iterations / 10);  // flips in a header are mostly fatal
}

std::string expect_rejected(const std::string& bytes) {
  std::string msg;
  auto copy = exact_copy(bytes.data(), bytes.size());
  CHECK(try_parse<gguf_file>(copy.get(), bytes.size(), &msg) == outcome::rejected);
  return msg;
}

}  // namespace

TEST_CASE("gguf robustness: the kitchen-sink file is valid and typed as built") {
  const auto r = kitchen_sink();
  const auto f = gguf_file::from_memory(r.b.data(), r.b.size(), "sink");
  CHECK(f.metadata().size() == 15);
  CHECK(f.require<int>("k.i8") == -128);
  CHECK(f.require<int>("k.i16") == -32768);
  CHECK(f.require_i32("k.i32") == -1);
  CHECK(f.require_i64("k.i64") == -1);
  CHECK(f.require_f64("k.f64") == 1.0);
  CHECK(f.get_string_array("k.arr.str")->size() == 40);
  CHECK(f.tensor("b.q8_0").nbytes == 68);
  CHECK(f.tensor("c.q4_k").shape == std::vector<std::int64_t>{256});
}

TEST_CASE("gguf robustness: truncation at every 1/64th and every header byte") {
  check_truncations(kitchen_sink().b, true);
}

TEST_CASE("gguf robustness: truncation of the golden files at every 1/64th") {
  FLIPSIDE_SHARED_OR_SKIP(q, "golden/gguf-quant/quant-types.gguf");
  FLIPSIDE_SHARED_OR_SKIP(m, "golden/gguf/gpt2/model-q4_k_m.gguf");
  for (const auto& p : {q, m}) {
    const auto b = flipside::test::read_bytes(p);
    check_truncations(std::string(reinterpret_cast<const char*>(b.data()), b.size()), false);
  }
}

TEST_CASE("gguf robustness: random byte flips in headers (seeded)") {
  const auto sink = kitchen_sink().b;
  const auto f = gguf_file::from_memory(sink.data(), sink.size());
  check_byte_flips(sink, f.data_offset(), 3000, 1);
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf");
  for (const char* m : {"llama/model-f32.gguf", "gpt2/model-q4_k_m.gguf"}) {
    const auto b = flipside::test::read_bytes(dir / m);
    const std::string s(reinterpret_cast<const char*>(b.data()), b.size());
    const auto g = gguf_file::from_memory(s.data(), s.size());
    check_byte_flips(s, g.data_offset(), 1500, 2);
  }
}

TEST_CASE("gguf robustness: absurd values in every length, count, dimension and offset field") {
  const auto base = kitchen_sink();
  const std::uint64_t absurd[] = {
      ~0ull,         1ull << 63,        (1ull << 63) - 1, 1ull << 32, (1ull << 32) - 1,
      base.b.size(), base.b.size() + 1, 1ull << 40};
  int rejected = 0, total = 0;
  for (std::size_t at : base.u64_fields) {
    for (std::uint64_t v : absurd) {
      auto r = base;
      r.set_u64(at, v);
      INFO("u64 field at byte " << at << " = " << v);
      auto copy = exact_copy(r.b.data(), r.b.size());
      rejected += try_parse<gguf_file>(copy.get(), r.b.size()) == outcome::rejected;
      ++total;
    }
  }
  CHECK(rejected == total);  // every such field is load-bearing
}

TEST_CASE("gguf robustness: malformed headers give errors naming the field") {
  using Catch::Contains;
  auto head = [](std::uint32_t version, std::uint64_t nt, std::uint64_t nkv) {
    raw_bytes r;
    r.b = "GGUF";
    r.u32(version).u64(nt).u64(nkv);
    return r;
  };
  CHECK_THAT(expect_rejected(""), Contains("magic"));
  CHECK_THAT(expect_rejected("GGUX" + head(3, 0, 0).b.substr(4)), Contains("not a GGUF file"));
  CHECK_THAT(expect_rejected(head(1, 0, 0).b), Contains("v1"));
  CHECK_THAT(expect_rejected(head(0x03000000, 0, 0).b), Contains("big-endian"));
  CHECK_THAT(expect_rejected(head(4, 0, 0).b), Contains("version"));
  CHECK_THAT(expect_rejected(head(3, 0, 1ull << 62).b), Contains("n_kv"));
  CHECK_THAT(expect_rejected(head(3, 1ull << 62, 0).b), Contains("n_tensors"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).u64(~0ull).zeros(16).b), Contains("metadata[0] key"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("k").u32(13).u32(0).b),
             Contains("'k' type") && Contains("unknown value type 13"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("k").u32(9).u32(9).u64(1).u32(4).u64(0).b),
             Contains("nested"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("k").u32(9).u32(4).u64(1ull << 62).b),
             Contains("'k' length"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("k").u32(9).u32(8).u64(2).str("a").u64(99).b),
             Contains("'k'[1]"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("k").u32(9).u32(77).u64(0).b),
             Contains("element type"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("k").u32(7).u8(2).b), Contains("bool"));
  CHECK_THAT(expect_rejected(head(3, 0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(1).b),
             Contains("duplicate key"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("general.alignment").u32(10).u64(32).b),
             Contains("general.alignment") && Contains("u32"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("general.alignment").u32(4).u32(0).b),
             Contains("power of two"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("general.alignment").u32(4).u32(48).b),
             Contains("power of two"));
  CHECK_THAT(expect_rejected(head(3, 0, 1).str("k\n\x01").u32(99).b), Contains("k\\x0a\\x01"));

  // Tensor infos. A valid tail (one f32 [4] tensor) is appended where the info itself is valid.
  auto tensor = [&](const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type,
                    std::uint64_t offset) {
    auto r = head(3, 1, 0);
    r.str(name).u32(static_cast<std::uint32_t>(ne.size()));
    for (auto d : ne) r.u64(d);
    r.u32(type).u64(offset).pad(32).zeros(64);
    return r.b;
  };
  CHECK(try_parse<gguf_file>(tensor("ok", {4}, 0, 0).data(), tensor("ok", {4}, 0, 0).size()) ==
        outcome::loaded);
  CHECK_THAT(expect_rejected(tensor("t", {1, 1, 1, 1, 1}, 0, 0)), Contains("'t' n_dims"));
  CHECK_THAT(expect_rejected(tensor("t", {1ull << 40, 1ull << 40}, 0, 0)), Contains("'t' ne[1]"));
  CHECK_THAT(expect_rejected(tensor("t", {1ull << 63}, 0, 0)), Contains("'t' ne[0]"));
  CHECK_THAT(expect_rejected(tensor("t", {4}, 31, 0)), Contains("'t' type") && Contains("31"));
  CHECK_THAT(expect_rejected(tensor("t", {4}, 1000, 0)), Contains("'t' type"));
  CHECK_THAT(expect_rejected(tensor("t", {40, 2}, 8, 0)),
             Contains("'t'") && Contains("not a multiple of q8_0's block size 32"));
  CHECK_THAT(expect_rejected(tensor("t", {4}, 0, 16)), Contains("'t' offset"));
  CHECK_THAT(expect_rejected(tensor("t", {4}, 0, 64)), Contains("'t' data"));
  CHECK_THAT(expect_rejected(tensor("t", {4}, 0, ~0ull - 31)), Contains("'t' data"));
  CHECK_THAT(expect_rejected(tensor("t", {1ull << 30, 1ull << 30}, 0, 0)), Contains("'t' data"));
  {
    auto r = head(3, 2, 0);
    r.str("a").u32(1).u64(16).u32(0).u64(0);
    r.str("b").u32(1).u64(8).u32(0).u64(32);
    r.pad(32).zeros(128);
    CHECK_THAT(expect_rejected(r.b), Contains("'b' data") && Contains("overlaps tensor 'a'"));
  }
  {
    auto r = head(3, 2, 0);
    r.str("a").u32(1).u64(4).u32(0).u64(0);
    r.str("a").u32(1).u64(4).u32(0).u64(32);
    r.pad(32).zeros(64);
    CHECK_THAT(expect_rejected(r.b), Contains("duplicate tensor name"));
  }
  {  // tensor infos end exactly at the end of the file: no room for the data section
    auto r = head(3, 1, 0);
    r.str("a").u32(1).u64(4).u32(0).u64(0);
    CHECK_THAT(expect_rejected(r.b), Contains("data section"));
  }
  {  // no tensors and no padding: valid (a vocabulary-only file may end after its metadata)
    auto r = head(3, 0, 1).str("general.architecture").u32(8).str("x");
    CHECK(try_parse<gguf_file>(r.b.data(), r.b.size()) == outcome::loaded);
  }
}

TEST_CASE("gguf robustness: files that cannot be opened are named") {
  flipside::test::temp_dir tmp("gguf-open");
  CHECK_THROWS_WITH(gguf_file::open(tmp.path / "none.gguf"),
                    Catch::Contains("none.gguf") && Catch::Contains("cannot open"));
  CHECK_THROWS_WITH(gguf_file::open(tmp.path), Catch::Contains("not a regular file"));
  { std::ofstream(tmp.path / "empty.gguf"); }
  CHECK_THROWS_WITH(gguf_file::open(tmp.path / "empty.gguf"), Catch::Contains("empty.gguf: magic"));
}
