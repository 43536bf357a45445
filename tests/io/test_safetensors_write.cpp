// safetensors writer: HF files round-trip through it, every dtype, metadata escaping, padding.
#include <flipside/io/safetensors_file.hpp>
#include <flipside/io/safetensors_writer.hpp>

#include <cstring>
#include <string>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include "io_test_util.hpp"
#include "shared_data.hpp"

using flipside::dtype;
using flipside::safetensors_file;
using flipside::safetensors_writer;

TEST_CASE("safetensors_writer: HF model files round-trip with identical content") {
  FLIPSIDE_SHARED_OR_SKIP(root, "golden/hf");
  for (const char* m : {"llama", "gpt2", "qwen2"}) {
    INFO(m);
    const auto a = safetensors_file::open(root / m / "model.safetensors");
    safetensors_writer w;
    for (const auto& [k, v] : a.metadata()) w.set_metadata(k, v);
    for (const auto& t : a.tensors()) w.add_tensor(t);
    const std::string bytes = w.to_string();
    const auto b = safetensors_file::from_memory(bytes.data(), bytes.size(), "rewritten");
    CHECK(b.metadata() == a.metadata());
    REQUIRE(b.tensors().size() == a.tensors().size());
    for (std::size_t i = 0; i < a.tensors().size(); ++i) {
      const auto& x = a.tensors()[i];
      const auto& y = b.tensors()[i];
      CHECK(x.name == y.name);
      CHECK(x.type == y.type);
      CHECK(x.shape == y.shape);
      CHECK(flipside::test::same_bytes(x, y));
    }
  }
}

TEST_CASE("safetensors_writer: every dtype, scalars, empty tensors, escaped names and metadata") {
  safetensors_writer w;
  w.set_metadata("format", "pt");
  w.set_metadata("quote\"back\\slash", "line\nbreak\ttab \x01 ünïcödé");
  const dtype types[] = {dtype::f32, dtype::f16, dtype::bf16, dtype::f64, dtype::i64,
                         dtype::i32, dtype::i16, dtype::i8,   dtype::u8,  dtype::boolean};
  std::vector<std::byte> buf(8 * 6);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::byte>(i * 37);
  for (auto t : types) {
    const auto n = *flipside::bytes_for(t, 6);
    w.add_tensor("t." + flipside::dtype_name(t), t, {2, 3}, buf.data(), n);
  }
  const double pi = 3.14159;
  w.add_tensor("scalar", dtype::f64, {}, &pi, 8);
  w.add_tensor("empty", dtype::f32, {0, 5}, nullptr, 0);
  w.add_tensor("we\"ird\nname", dtype::u8, {1}, std::vector<std::byte>{std::byte{7}});
  const std::string bytes = w.to_string();

  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  CHECK(n % 8 == 0);  // header padded so the data section is 8-aligned
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE_FALSE(parser.parse(bytes.data() + 8, n).get(root));

  const auto f = safetensors_file::from_memory(bytes.data(), bytes.size(), "all");
  CHECK(f.get_metadata("quote\"back\\slash") == std::string("line\nbreak\ttab \x01 ünïcödé"));
  for (auto t : types) {
    const auto& v = f.tensor("t." + flipside::dtype_name(t));
    CHECK(v.type == t);
    CHECK(v.shape == std::vector<std::int64_t>{2, 3});
    CHECK(std::memcmp(v.data, buf.data(), v.nbytes) == 0);
  }
  CHECK(f.tensor("scalar").shape.empty());
  CHECK(flipside::test::element<double>(f.tensor("scalar"), 0) == pi);
  CHECK(f.tensor("empty").nbytes == 0);
  CHECK(flipside::test::element<std::uint8_t>(f.tensor("we\"ird\nname"), 0) == 7);
}

TEST_CASE("safetensors_writer: refuses what safetensors cannot hold") {
  safetensors_writer w;
  std::vector<std::byte> buf(64);
  CHECK_THROWS_WITH(w.add_tensor("q", dtype::q8_0, {32}, buf.data(), 34),
                    Catch::Contains("'q'") && Catch::Contains("safetensors"));
  CHECK_THROWS_AS(w.add_tensor("a", dtype::f32, {3}, buf.data(), 8), flipside::argument_error);
  CHECK_THROWS_AS(w.add_tensor("__metadata__", dtype::f32, {1}, buf.data(), 4),
                  flipside::argument_error);
  CHECK_THROWS_AS(w.add_tensor("bad\xff", dtype::f32, {1}, buf.data(), 4),
                  flipside::argument_error);
  CHECK_THROWS_AS(w.set_metadata("k", "\xc3"), flipside::argument_error);
  w.add_tensor("a", dtype::f32, {1}, buf.data(), 4);
  CHECK_THROWS_AS(w.add_tensor("a", dtype::f32, {1}, buf.data(), 4), flipside::argument_error);
}

TEST_CASE("safetensors_writer: writes a file the reader maps") {
  flipside::test::temp_dir tmp("st-write");
  safetensors_writer w;
  const std::int32_t ids[4] = {5, 6, 7, 8};
  w.add_tensor("tokens", dtype::i32, {2, 2}, ids, sizeof ids);
  w.write(tmp.path / "x.safetensors");
  const auto f = safetensors_file::open(tmp.path / "x.safetensors");
  CHECK(flipside::test::element<std::int32_t>(f.tensor("tokens"), 3) == 8);
  CHECK(f.metadata().empty());
}
