// Every GGUF and safetensors file under ../shared/golden opens (the llama.cpp vocabulary copies,
// damaged in transit, must fail cleanly instead), and the gguf-quant logits files have the layout
// their README states.
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/mapped_file.hpp>
#include <flipside/io/safetensors_file.hpp>

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "io_test_util.hpp"
#include "shared_data.hpp"

using flipside::dtype;
using flipside::gguf_file;
using flipside::safetensors_file;
using flipside::test::element;

TEST_CASE("golden sweep: every .gguf and .safetensors file under golden/ opens") {
  FLIPSIDE_SHARED_OR_SKIP(root, "golden");
  int gguf = 0, st = 0, vocab_rejected = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const auto ext = e.path().extension();
    INFO(e.path());
    if (ext == ".gguf") {
      ++gguf;
      if (e.path().parent_path().filename() == "llamacpp-vocab") {
        try {
          gguf_file::open(e.path());
        } catch (const flipside::format_error&) {
          ++vocab_rejected;
        }
        continue;
      }
      const auto f = gguf_file::open(e.path());
      CHECK(f.contains("general.architecture"));
      CHECK_FALSE(f.tensors().empty());
    } else if (ext == ".safetensors") {
      ++st;
      const auto f = safetensors_file::open(e.path());
      CHECK_FALSE(f.tensors().empty());
    }
  }
  CHECK(gguf == 16 + 1 + 12 + 9);  // golden/gguf, quant-types, gguf-quant models, vocab files
  CHECK(st == 8 * 2 + 1 + 4 + 1 + 2 * 2);
  WARN(vocab_rejected << " of 9 llamacpp-vocab GGUF files are damaged (rejected)");
}

TEST_CASE("golden sweep: gguf-quant llamacpp-logits.safetensors layout (README section 2)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  for (const char* m : {"llama", "qwen2"}) {
    INFO(m);
    const auto f = safetensors_file::open(dir / m / "llamacpp-logits.safetensors");
    CHECK(f.tensor("tokens").shape == std::vector<std::int64_t>{2, 40});
    CHECK(f.tensor("gen_prompt").shape == std::vector<std::int64_t>{16});
    for (const char* q : {"f32", "q8_0", "q4_0", "q4_k_m", "q5_k_m", "q6_k", "q4_0_pure"}) {
      INFO(q);
      const auto& l = f.tensor(std::string("logits_") + q);
      CHECK(l.type == dtype::f32);
      CHECK(l.shape == std::vector<std::int64_t>{2, 40, 1024});
      CHECK(f.tensor(std::string("greedy_") + q).shape == std::vector<std::int64_t>{12});
      if (std::string(q) != "f32") {
        CHECK(f.tensor(std::string("logits_") + q + "_dequant").shape == l.shape);
      }
    }
    // Token ids are in the vocabulary (1024).
    for (int i = 0; i < 80; ++i) {
      const auto id = element<std::int32_t>(f.tensor("tokens"), i);
      CHECK((id >= 0 && id < 1024));
    }
    for (int i = 0; i < 16; ++i) {
      const auto id = element<std::int32_t>(f.tensor("gen_prompt"), i);
      CHECK((id >= 0 && id < 1024));
    }
    CHECK(f.get_metadata("report").has_value());
  }
}

TEST_CASE("mapped_file: maps, moves, handles empty files and names the path in errors") {
  flipside::test::temp_dir tmp("mapped");
  std::ofstream(tmp.path / "abc.bin", std::ios::binary) << "abc";
  { std::ofstream(tmp.path / "empty.bin"); }
  flipside::mapped_file m(tmp.path / "abc.bin");
  REQUIRE(m.size() == 3);
  const std::byte* p = m.data();
  CHECK(static_cast<char>(p[2]) == 'c');
  flipside::mapped_file moved(std::move(m));
  CHECK(moved.data() == p);  // same mapping: views taken before a move stay valid
  CHECK(m.size() == 0);      // NOLINT(bugprone-use-after-move): moved-from is empty
  m = std::move(moved);
  CHECK(m.data() == p);
  const flipside::mapped_file e(tmp.path / "empty.bin");
  CHECK(e.empty());
  CHECK(e.data() == nullptr);
  CHECK_THROWS_WITH(flipside::mapped_file(tmp.path / "missing.bin"),
                    Catch::Contains("missing.bin") && Catch::Contains("No such file"));
  CHECK_THROWS_WITH(flipside::mapped_file(tmp.path), Catch::Contains("not a regular file"));
}
