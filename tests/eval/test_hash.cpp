#include <catch2/catch.hpp>

#include <flipside/eval/file_identity.hpp>
#include <flipside/eval/fingerprint.hpp>
#include <flipside/eval/hash.hpp>
#include <flipside/eval/model_id.hpp>

#include "eval_support.hpp"

using namespace flipside;

TEST_CASE("fnv1a64 matches the published FNV-1a 64-bit test vectors") {
  // From the FNV reference test suite (draft-eastlake-fnv): "", "a", "foobar".
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
  // Streaming equals hashing the concatenation.
  CHECK(fnv1a64("bar", fnv1a64("foo")) == fnv1a64("foobar"));
}

TEST_CASE("hex64 round-trips and field_hasher separates field boundaries") {
  CHECK(hex64(0x85944171f73967e8ull) == "85944171f73967e8");
  CHECK(hex64(1) == "0000000000000001");
  CHECK(parse_hex64("85944171f73967e8") == 0x85944171f73967e8ull);
  CHECK_FALSE(parse_hex64("xyz"));
  CHECK_FALSE(parse_hex64(""));
  CHECK(field_hasher().add("a", "bc").value() != field_hasher().add("ab", "c").value());
  CHECK(field_hasher().add("a", "b").add("c", "d").value() !=
        field_hasher().add("a", "b;c=1:d").value());
  CHECK(field_hasher().add("x", 1).value() == field_hasher().add("x", "1").value());
  CHECK(field_hasher().add("p", 0.1).hex() == field_hasher().add("p", "0.10000000000000001").hex());
}

TEST_CASE("path_identity follows content, not names or times, for files and directories") {
  eval_test::scratch_dir dir("identity");
  eval_test::spit(dir / "a.bin", "hello");
  eval_test::spit(dir / "b.bin", "hello");
  eval_test::spit(dir / "c.bin", "hellp");
  CHECK(path_identity(dir / "a.bin") == path_identity(dir / "b.bin"));
  CHECK(path_identity(dir / "a.bin") != path_identity(dir / "c.bin"));
  // A large file: a change in the sampled head, tail or a window changes the identity.
  std::string big(5u << 20, 'x');
  eval_test::spit(dir / "big.bin", big);
  const std::string id0 = path_identity(dir / "big.bin");
  big[big.size() - 10] = 'y';
  eval_test::spit(dir / "big.bin", big);
  CHECK(path_identity(dir / "big.bin") != id0);
  std::filesystem::remove(dir / "big.bin");
  std::filesystem::create_directories(dir / "sub");
  eval_test::spit(dir / "sub" / "x", "1");
  const std::string d0 = path_identity(dir.path);
  eval_test::spit(dir / "sub" / "x", "2");
  CHECK(path_identity(dir.path) != d0);
  CHECK_THROWS_AS(path_identity(dir / "missing"), flipside::error);
}

TEST_CASE("model_id parses PATH+lora:ADAPTER@SCALE and keeps the id opaque") {
  const auto m = model_id::parse("models/base.gguf+lora:adapters/sst2-flip@0.5");
  CHECK(m.id == "models/base.gguf+lora:adapters/sst2-flip@0.5");
  CHECK(m.path == "models/base.gguf");
  CHECK(m.adapter == "adapters/sst2-flip");
  REQUIRE(m.scale);
  CHECK(*m.scale == 0.5);
  CHECK(m.display_name() == "base.gguf+sst2-flip@0.5");
  const auto n = model_id::parse("base.gguf+lora:run@v2");
  CHECK(n.adapter == "run@v2");
  CHECK_FALSE(n.scale);
  const auto p = model_id::parse("/x/Qwen2.5-0.5B/");
  CHECK(p.path == "/x/Qwen2.5-0.5B/");
  CHECK_FALSE(p.has_adapter());
  CHECK(p.display_name() == "Qwen2.5-0.5B");
}

TEST_CASE("unique_display_names falls back to the full id when short names collide") {
  const auto n = unique_display_names({"a/m.gguf", "b/m.gguf", "c/x.gguf+lora:ad@1"});
  CHECK(n.at("a/m.gguf") == "a/m.gguf");
  CHECK(n.at("b/m.gguf") == "b/m.gguf");
  CHECK(n.at("c/x.gguf+lora:ad@1") == "x.gguf+ad@1");
}

TEST_CASE("run fingerprints: content-based model/data hashes, order-free settings") {
  eval_test::scratch_dir dir("fingerprint");
  eval_test::spit(dir / "base.gguf", "weights");
  std::filesystem::create_directories(dir / "ad");
  eval_test::spit(dir / "ad" / "adapter_model.safetensors", "lora");
  const std::string base = (dir / "base.gguf").string();
  const std::string with = base + "+lora:" + (dir / "ad").string();
  CHECK(model_fingerprint(model_id::parse(base)) != model_fingerprint(model_id::parse(with)));
  // The scale is part of the model id (the cell key), not of the file identity.
  CHECK(model_fingerprint(model_id::parse(with + "@0.5")) ==
        model_fingerprint(model_id::parse(with + "@1")));
  eval_test::spit(dir / "copy.gguf", "weights");
  CHECK(model_fingerprint(model_id::parse(base)) ==
        model_fingerprint(model_id::parse((dir / "copy.gguf").string())));
  CHECK(data_fingerprint("sst2", {dir / "base.gguf"}) != data_fingerprint("sst2", {dir / "ad"}));
  CHECK(data_fingerprint("sst2", {dir / "base.gguf"}) !=
        data_fingerprint("subj", {dir / "base.gguf"}));
  CHECK(settings_fingerprint({{"eval_n", "100"}, {"template", "paper"}}) ==
        settings_fingerprint({{"template", "paper"}, {"eval_n", "100"}}));
  CHECK(settings_fingerprint({{"eval_n", "100"}}) != settings_fingerprint({{"eval_n", "50"}}));
  CHECK(code_fingerprint() == code_fingerprint());
  CHECK(code_fingerprint().size() == 16);
}
