// GGUF writer: llama.cpp's files written back byte for byte, every metadata type round-tripped,
// alignment honoured, bad tensors refused.
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/gguf_writer.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "io_test_util.hpp"
#include "shared_data.hpp"

using flipside::dtype;
using flipside::gguf_file;
using flipside::gguf_type;
using flipside::gguf_value;
using flipside::gguf_writer;

namespace {

std::string copy_through_writer(const gguf_file& f) {
  gguf_writer w;
  w.copy_metadata(f);
  for (const auto& t : f.tensors()) w.add_tensor(t);
  return w.to_string();
}

void check_same_content(const gguf_file& a, const gguf_file& b) {
  REQUIRE(a.metadata().size() == b.metadata().size());
  for (std::size_t i = 0; i < a.metadata().size(); ++i) {
    CHECK(a.metadata()[i].key == b.metadata()[i].key);
    CHECK(a.metadata()[i].value == b.metadata()[i].value);
  }
  REQUIRE(a.tensors().size() == b.tensors().size());
  for (std::size_t i = 0; i < a.tensors().size(); ++i) {
    const auto& x = a.tensors()[i];
    const auto& y = b.tensors()[i];
    CHECK(x.name == y.name);
    CHECK(x.type == y.type);
    CHECK(x.shape == y.shape);
    CHECK(flipside::test::same_bytes(x, y));
  }
}

}  // namespace

TEST_CASE("gguf_writer: llama.cpp's golden files are reproduced byte for byte") {
  FLIPSIDE_SHARED_OR_SKIP(gdir, "golden/gguf");
  FLIPSIDE_SHARED_OR_SKIP(qdir, "golden/gguf-quant");
  std::vector<std::filesystem::path> files;
  for (const char* m : {"llama", "llama3", "qwen2", "gpt2"}) {
    files.push_back(gdir / m / "model-f32.gguf");
    files.push_back(gdir / m / "model-q4_k_m.gguf");
  }
  files.push_back(qdir / "quant-types.gguf");
  files.push_back(qdir / "qwen2" / "model-q6_k.gguf");
  for (const auto& p : files) {
    INFO(p);
    const auto original = gguf_file::open(p);
    const std::string written = copy_through_writer(original);
    const auto bytes = flipside::test::read_bytes(p);
    REQUIRE(written.size() == bytes.size());
    CHECK(std::memcmp(written.data(), bytes.data(), bytes.size()) == 0);
    const auto again = gguf_file::from_memory(written.data(), written.size(), "rewritten");
    check_same_content(original, again);
  }
}

TEST_CASE("gguf_writer: every metadata type round-trips, extremes included") {
  gguf_writer w;
  w.set("u8", std::uint8_t{255});
  w.set("i8", std::int8_t{-128});
  w.set("u16", std::uint16_t{65535});
  w.set("i16", std::int16_t{-32768});
  w.set("u32", std::numeric_limits<std::uint32_t>::max());
  w.set("i32", std::numeric_limits<std::int32_t>::min());
  w.set("u64", std::numeric_limits<std::uint64_t>::max());
  w.set("i64", std::numeric_limits<std::int64_t>::min());
  w.set("f32", -0.1f);
  w.set("f64", 1e-300);
  w.set("f32.inf", std::numeric_limits<float>::infinity());
  w.set("bool.t", true);
  w.set("bool.f", false);
  w.set("str", "héllo \"world\"\n\0 end");
  w.set("str.empty", "");
  w.set("arr.u8", std::vector<std::uint8_t>{0, 1, 255});
  w.set("arr.i8", std::vector<std::int8_t>{-1, 127});
  w.set("arr.u16", std::vector<std::uint16_t>{7});
  w.set("arr.i16", std::vector<std::int16_t>{-7, 7});
  w.set("arr.u32", std::vector<std::uint32_t>{1, 2, 3});
  w.set("arr.i32", std::vector<std::int32_t>{-1, 0, 1});
  w.set("arr.u64", std::vector<std::uint64_t>{std::numeric_limits<std::uint64_t>::max()});
  w.set("arr.i64", std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::max(), -5});
  w.set("arr.f32", std::vector<float>{0.5f, -2.25f});
  w.set("arr.f64", std::vector<double>{3.141592653589793});
  w.set("arr.bool", std::vector<bool>{true, false, true});
  w.set("arr.str", std::vector<std::string>{"a", "", "ccc"});
  w.set("arr.empty", std::vector<std::int32_t>{});
  w.set("u32", std::uint32_t{42});  // replaces in place
  const std::string bytes = w.to_string();
  const auto f = gguf_file::from_memory(bytes.data(), bytes.size(), "types");
  REQUIRE(f.metadata().size() == w.metadata().size());
  for (std::size_t i = 0; i < f.metadata().size(); ++i) {
    INFO(w.metadata()[i].key);
    CHECK(f.metadata()[i].key == w.metadata()[i].key);
    CHECK(f.metadata()[i].value == w.metadata()[i].value);
  }
  CHECK(f.metadata()[4].key == "u32");
  CHECK(f.require_u32("u32") == 42);
  CHECK(f.find("u8")->type() == gguf_type::u8);
  CHECK(f.find("bool.t")->type() == gguf_type::boolean);
  CHECK(f.require<std::uint8_t>("u8") == 255);
  CHECK(f.require<std::int8_t>("i8") == -128);
  CHECK(f.require_u64("u64") == std::numeric_limits<std::uint64_t>::max());
  CHECK(f.require_i64("i64") == std::numeric_limits<std::int64_t>::min());
  CHECK(f.require_f32("f32") == -0.1f);
  CHECK(f.require_f64("f64") == 1e-300);
  CHECK(std::isinf(f.require_f32("f32.inf")));
  CHECK(f.require_bool("bool.t"));
  CHECK_FALSE(f.require_bool("bool.f"));
  CHECK(f.require_string("str") == std::string("héllo \"world\"\n"));  // const char* stops at NUL
  CHECK(f.require_string("str.empty").empty());
  CHECK(f.require_array<int>("arr.u8") == std::vector<int>{0, 1, 255});
  CHECK(f.require_array<float>("arr.f32") == std::vector<float>{0.5f, -2.25f});
  CHECK(f.require_array<bool>("arr.bool") == std::vector<bool>{true, false, true});
  CHECK(f.require_array<std::string>("arr.str") == std::vector<std::string>{"a", "", "ccc"});
  CHECK(*f.get_string_array("arr.str") == std::vector<std::string>{"a", "", "ccc"});
  CHECK(f.require_array<std::int32_t>("arr.empty").empty());
  CHECK(f.find("arr.empty")->element_type() == gguf_type::i32);
  // Range and kind checks name the key.
  CHECK_THROWS_WITH(f.get_u32("u64"), Catch::Contains("'u64'") || Catch::Contains("u64"));
  CHECK_THROWS_AS(f.get_u32("i32"), flipside::format_error);  // negative
  CHECK_THROWS_AS(f.get_array<std::uint8_t>("arr.i8"), flipside::format_error);
  CHECK_THROWS_WITH(f.get_string_array("arr.u8"), Catch::Contains("arr.u8"));
  CHECK_THROWS_AS(f.get_bool("u8"), flipside::format_error);
  CHECK_THROWS_AS(f.get_string("arr.str"), flipside::format_error);
  CHECK(f.require<std::int64_t>("u32") == 42);
  CHECK(f.find("arr.str")->to_string() == "[3 x string: \"a\", \"\", \"ccc\"]");
  // Display: the shortest decimal that reads back as the same value.
  CHECK(gguf_value(1e-5f).to_string() == "1e-05");
  CHECK(gguf_value(500000.0f).to_string() == "500000");
  CHECK(gguf_value(0.1).to_string() == "0.1");
  CHECK(gguf_value(std::numeric_limits<double>::quiet_NaN()).to_string() == "nan");
  CHECK(gguf_value(true).to_string() == "true");
  CHECK(gguf_value(std::int8_t{-5}).to_string() == "-5");
  // An f64 beyond float's range is "out of range" for get<float>, not undefined behaviour.
  CHECK_FALSE(gguf_value(1e300).get<float>().has_value());
  CHECK(gguf_value(1e300).get<double>() == 1e300);
}

TEST_CASE("gguf_writer: tensors of every ggml type, alignment and padding") {
  for (std::uint32_t align : {32u, 64u, 1u}) {
    INFO(align);
    gguf_writer w;
    if (align != 32) w.set("general.alignment", align);
    std::vector<dtype> types;
    for (std::uint32_t id = 0; id < 40; ++id) {
      if (flipside::detail::is_ggml_type(id)) types.push_back(static_cast<dtype>(id));
    }
    REQUIRE(types.size() >= 30);
    std::uint64_t seed = 1;
    for (auto t : types) {
      const auto tr = *flipside::traits_of(t);
      const std::int64_t cols = static_cast<std::int64_t>(tr.block_size) * 2;
      std::vector<std::byte> data(*flipside::bytes_for(t, 3 * cols));
      for (auto& b : data)
        b = static_cast<std::byte>((seed = seed * 6364136223846793005ull + 1) >> 56);
      w.add_tensor(std::string(tr.name), t, {3, cols}, std::move(data));
    }
    const float scalar = 2.5f;
    w.add_tensor("scalar", dtype::f32, {}, &scalar, 4);
    w.add_tensor("empty", dtype::f16, {0, 8}, nullptr, 0);
    const std::string bytes = w.to_string();
    const auto f = gguf_file::from_memory(bytes.data(), bytes.size(), "types");
    CHECK(f.alignment() == align);
    CHECK(f.data_offset() % align == 0);
    REQUIRE(f.tensors().size() == types.size() + 2);
    for (std::size_t i = 0; i < types.size(); ++i) {
      const auto& t = f.tensors()[i];
      CHECK(t.type == types[i]);
      CHECK(t.shape[0] == 3);
      CHECK(static_cast<std::size_t>(t.data - f.file_data() - f.data_offset()) % align == 0);
    }
    CHECK(f.tensor("scalar").shape == std::vector<std::int64_t>{1});  // ggml has no 0-d tensors
    CHECK(flipside::test::element<float>(f.tensor("scalar"), 0) == 2.5f);
    CHECK(f.tensor("empty").nbytes == 0);
    CHECK(bytes.size() % align == 0);
  }
}

TEST_CASE("gguf_writer: refuses tensors and metadata llama.cpp could not read") {
  gguf_writer w;
  std::vector<std::byte> buf(4096);
  CHECK_THROWS_AS(w.add_tensor("a", dtype::f32, {2, 3}, buf.data(), 20), flipside::argument_error);
  CHECK_THROWS_WITH(w.add_tensor("q", dtype::q8_0, {2, 40}, buf.data(), 34),
                    Catch::Contains("'q'") && Catch::Contains("block size 32"));
  CHECK_THROWS_AS(w.add_tensor("five", dtype::f32, {1, 1, 1, 1, 1}, buf.data(), 4),
                  flipside::argument_error);
  CHECK_THROWS_AS(w.add_tensor(std::string(64, 'x'), dtype::f32, {1}, buf.data(), 4),
                  flipside::argument_error);
  CHECK_THROWS_AS(w.add_tensor("u8", dtype::u8, {1}, buf.data(), 1), flipside::argument_error);
  CHECK_THROWS_AS(w.add_tensor("neg", dtype::f32, {-1}, buf.data(), 0), flipside::argument_error);
  w.add_tensor(std::string(63, 'x'), dtype::f32, {1}, buf.data(), 4);
  CHECK_THROWS_AS(w.add_tensor(std::string(63, 'x'), dtype::f32, {1}, buf.data(), 4),
                  flipside::argument_error);
  CHECK_THROWS_AS(w.set("general.alignment", std::uint32_t{3}), flipside::argument_error);
  CHECK_THROWS_AS(w.set("general.alignment", std::uint64_t{64}), flipside::argument_error);
  CHECK_THROWS_AS(w.set("", 1), flipside::argument_error);
  CHECK(w.erase("nope") == false);
  w.set("k", 1);
  CHECK(w.erase("k"));
  CHECK(w.metadata().empty());
}

TEST_CASE("gguf_writer: writes files atomically") {
  flipside::test::temp_dir tmp("gguf-write");
  gguf_writer w;
  w.set("general.architecture", "llama");
  const std::int32_t ids[3] = {1, 2, 3};
  w.add_tensor("ids", dtype::i32, {3}, ids, sizeof ids);
  w.write(tmp.path / "m.gguf");
  const auto f = gguf_file::open(tmp.path / "m.gguf");
  CHECK(f.path() == (tmp.path / "m.gguf").string());
  CHECK(flipside::test::element<std::int32_t>(f.tensor("ids"), 2) == 3);
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.path),
                      std::filesystem::directory_iterator()) == 1);  // no temp file left
  CHECK_THROWS_AS(w.write(tmp.path / "no-such-dir" / "m.gguf"), flipside::error);
}
