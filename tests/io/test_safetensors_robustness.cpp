// safetensors reader on truncated, bit-flipped and hostile input: success or a flipside::error
// naming the file and field, never a crash or out-of-bounds read (ASan+UBSan in CI).
#include <flipside/io/safetensors_file.hpp>

#include <string>

#include <catch2/catch.hpp>

#include "hostile.hpp"
#include "io_test_util.hpp"
#include "shared_data.hpp"

using flipside::safetensors_file;
using flipside::test::exact_copy;
using flipside::test::outcome;
using flipside::test::try_parse;

namespace {

// 8-byte little-endian header length + header + data.
std::string st(const std::string& header, std::size_t data_bytes = 64) {
  std::string b;
  for (int i = 0; i < 8; ++i) b += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return b + header + std::string(data_bytes, '\0');
}

std::string expect_safetensors_rejected(const std::string& bytes) {
  std::string msg;
  auto copy = exact_copy(bytes.data(), bytes.size());
  CHECK(try_parse<safetensors_file>(copy.get(), bytes.size(), &msg) == outcome::rejected);
  return msg;
}

std::string file_string(const std::filesystem::path& p) {
  const auto b = flipside::test::read_bytes(p);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

TEST_CASE("safetensors robustness: truncation at every 1/64th and every header byte") {
  const std::string small =
      st(R"({"__metadata__":{"a":"b"},"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
         R"("y":{"dtype":"I8","shape":[3],"data_offsets":[16,19]}})",
         19);
  REQUIRE(try_parse<safetensors_file>(small.data(), small.size()) == outcome::loaded);
  for (std::size_t len = 0; len < small.size(); ++len) {
    INFO(len);
    auto c = exact_copy(small.data(), len);
    CHECK(try_parse<safetensors_file>(c.get(), len) == outcome::rejected);
  }
  FLIPSIDE_SHARED_OR_SKIP(golden, "golden/hf/llama/golden.safetensors");
  const std::string g = file_string(golden);
  for (std::size_t k = 0; k < 64; ++k) {
    const std::size_t len = g.size() * k / 64;
    INFO(len);
    auto c = exact_copy(g.data(), len);
    CHECK(try_parse<safetensors_file>(c.get(), len) == outcome::rejected);
  }
  CHECK(try_parse<safetensors_file>(g.data(), g.size()) == outcome::loaded);
}

TEST_CASE("safetensors robustness: random byte flips in the header (seeded)") {
  FLIPSIDE_SHARED_OR_SKIP(model, "golden/hf/gpt2/model.safetensors");
  const std::string g = file_string(model);
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= static_cast<std::uint64_t>(static_cast<unsigned char>(g[i])) << (8 * i);
  auto buf = exact_copy(g.data(), g.size());
  flipside::test::splitmix64 rng(3);
  int rejected = 0;
  const int iterations = 2000;
  for (int it = 0; it < iterations; ++it) {
    const std::size_t where = rng.below(8 + n);
    const unsigned char old = buf[where];
    buf[where] = rng.below(2) ? static_cast<unsigned char>(old ^ (1u << rng.below(8)))
                              : static_cast<unsigned char>(rng.next());
    INFO("iteration " << it << ", byte " << where);
    rejected += try_parse<safetensors_file>(buf.get(), g.size()) == outcome::rejected;
    buf[where] = old;
  }
  CHECK(rejected > iterations / 10);
}

TEST_CASE("safetensors robustness: hostile headers give errors naming the field") {
  using Catch::Contains;
  auto one = [](const std::string& entry, std::size_t data = 64) {
    return st("{\"t\":" + entry + "}", data);
  };
  CHECK_THAT(expect_safetensors_rejected(""), Contains("header length"));
  CHECK_THAT(expect_safetensors_rejected(std::string(8, '\xff')), Contains("header length"));
  CHECK_THAT(expect_safetensors_rejected(st("{}").substr(0, 9)), Contains("header length"));
  CHECK(try_parse<safetensors_file>(st("{}").data(), st("{}").size()) == outcome::loaded);
  CHECK_THAT(expect_safetensors_rejected(st("{\"t\":")), Contains("header") && Contains("JSON"));
  CHECK_THAT(expect_safetensors_rejected(st("[1,2]")), Contains("not a JSON object"));
  CHECK_THAT(expect_safetensors_rejected(one("7")), Contains("tensor 't' entry"));
  CHECK_THAT(expect_safetensors_rejected(one(R"({"shape":[1],"data_offsets":[0,4]})")),
             Contains("tensor 't' dtype"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F33","shape":[1],"data_offsets":[0,4]})")),
      Contains("unknown dtype 'F33'"));
  std::string msg;
  const auto u32 = one(R"({"dtype":"U32","shape":[1],"data_offsets":[0,4]})");
  CHECK_THROWS_AS(safetensors_file::from_memory(u32.data(), u32.size(), "m"),
                  flipside::unsupported_error);
  CHECK_THROWS_WITH(safetensors_file::from_memory(u32.data(), u32.size(), "m"),
                    Contains("'t'") && Contains("U32"));
  CHECK_THAT(expect_safetensors_rejected(one(R"({"dtype":"F32","data_offsets":[0,4]})")),
             Contains("tensor 't' shape"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})")),
      Contains("tensor 't' shape"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,4]})")),
      Contains("tensor 't' shape"));
  CHECK_THAT(expect_safetensors_rejected(
                 one(R"({"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,4]})")),
             Contains("overflow"));
  CHECK_THAT(
      expect_safetensors_rejected(one(
          R"({"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]})")),
      Contains("16 dimensions"));
  CHECK_THAT(expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[1]})")),
             Contains("tensor 't' data_offsets"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4,8]})")),
      Contains("data_offsets"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})")),
      Contains("data_offsets"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[1],"data_offsets":[64,68]})")),
      Contains("not inside the data section"));
  CHECK_THAT(
      expect_safetensors_rejected(one(
          R"({"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,18446744073709551615]})")),
      Contains("data_offsets"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})")),
      Contains("holds 4 bytes but shape and dtype need 8"));
  CHECK_THAT(
      expect_safetensors_rejected(one(R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})")),
      Contains("data_offsets"));
  CHECK_THAT(
      expect_safetensors_rejected(st(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})")),
      Contains("overlaps"));
  CHECK_THAT(
      expect_safetensors_rejected(st(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})")),
      Contains("duplicate"));
  CHECK_THAT(expect_safetensors_rejected(st(R"({"__metadata__":{"k":1}})")),
             Contains("__metadata__['k']"));
  CHECK_THAT(expect_safetensors_rejected(st(R"({"__metadata__":[]})")), Contains("__metadata__"));
  // Unaligned but in-bounds tensors are fine (views are byte pointers).
  const auto odd = st(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[3,7]}})", 7);
  CHECK(try_parse<safetensors_file>(odd.data(), odd.size()) == outcome::loaded);
}
