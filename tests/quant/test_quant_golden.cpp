// Quantisation blocks against ggml itself: ../shared/golden/gguf-quant/quant-types.gguf (one
// [8, 512] tensor per ggml type, written by llama.cpp) and quant-types-dequant.safetensors (ggml's
// dequantisation, activation quantisation and dot products of those tensors; see its README).
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/safetensors_file.hpp>
#include <flipside/quant.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "quant_test_util.hpp"
#include "shared_data.hpp"

using flipside::dtype;
using flipside::gguf_file;
using flipside::safetensors_file;
using flipside::tensor_view;
namespace quant = flipside::quant;
namespace test = flipside::test;

namespace {

struct golden_type {
  const char* name;  // ggml_type_name
  dtype type;
};

// Every supported block type, plus the plain half types.
const golden_type supported_types[] = {
    {"f16", dtype::f16},       {"bf16", dtype::bf16},     {"q4_0", dtype::q4_0},
    {"q4_1", dtype::q4_1},     {"q5_0", dtype::q5_0},     {"q5_1", dtype::q5_1},
    {"q8_0", dtype::q8_0},     {"q2_K", dtype::q2_k},     {"q3_K", dtype::q3_k},
    {"q4_K", dtype::q4_k},     {"q5_K", dtype::q5_k},     {"q6_K", dtype::q6_k},
    {"iq4_nl", dtype::iq4_nl}, {"iq4_xs", dtype::iq4_xs},
};

struct golden {
  gguf_file gguf;
  safetensors_file st;
  static golden open(const std::filesystem::path& dir) {
    return {gguf_file::open(dir / "quant-types.gguf"),
            safetensors_file::open(dir / "quant-types-dequant.safetensors")};
  }
  const tensor_view& t(const std::string& name) const { return st.tensor(name); }
};

}  // namespace

TEST_CASE("quant: the GGUF tensors are the golden quantized bytes") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  const auto g = golden::open(dir);
  for (const auto& gt : supported_types) {
    INFO(gt.name);
    const tensor_view& w = g.gguf.tensor(gt.name);
    CHECK(w.type == gt.type);
    REQUIRE(w.shape == std::vector<std::int64_t>{8, 512});
    REQUIRE_NOTHROW(quant::check_weight(w));
    const tensor_view& q = g.t(std::string(gt.name) + ".q");
    REQUIRE(q.nbytes == w.nbytes);
    CHECK(std::memcmp(q.data, w.data, w.nbytes) == 0);
  }
}

TEMPLATE_LIST_TEST_CASE("quant: dequantisation is bitwise ggml's for every supported type",
                        "[quant]", flipside::simd::compiled_archs) {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  const auto g = golden::open(dir);
  for (const auto& gt : supported_types) {
    INFO(gt.name);
    const tensor_view& w = g.gguf.tensor(gt.name);
    const auto expected = test::floats(g.t(std::string(gt.name) + ".dequant"));
    const std::size_t rb = quant::row_bytes(w.type, 512);
    std::vector<float> out(512);
    std::vector<float> ref(512);
    for (int r = 0; r < 8; ++r) {
      INFO("row " << r);
      quant::dequantize_row<TestType>(w.type, w.data + r * rb, out.data(), 512);
      CHECK(test::bitwise_equal(out.data(), expected.data() + 512 * r, 512));
    }
    // The whole tensor at once (runs of blocks across rows).
    std::vector<float> all(8 * 512);
    quant::dequantize_row<TestType>(w.type, w.data, all.data(), all.size());
    CHECK(test::bitwise_equal(all.data(), expected.data(), all.size()));
  }
}

TEST_CASE("quant: weight quantisers are byte-identical to ggml's reference") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  const auto g = golden::open(dir);
  const auto src = test::floats(g.t("src_f32"));
  for (const char* name : {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "f16", "bf16"}) {
    INFO(name);
    const tensor_view& expected = g.t(std::string(name) + ".q");
    const dtype t = g.gguf.tensor(name).type;
    std::vector<std::uint8_t> out(expected.nbytes);
    quant::quantize_row(t, src.data(), out.data(), src.size());
    CHECK(std::memcmp(out.data(), expected.data, out.size()) == 0);
  }
}

TEMPLATE_LIST_TEST_CASE(
    "quant: activation quantisers (q8_0, q8_1, q8_K) are byte-identical to ggml's", "[quant]",
    flipside::simd::compiled_archs) {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  const auto g = golden::open(dir);
  const auto act = test::floats(g.t("act_f32"));
  for (const auto& gt : supported_types) {
    if (!quant::has_integer_dot(gt.type)) continue;  // f16 / bf16
    const dtype at = quant::vec_dot_type(gt.type);
    INFO(gt.name << " activations as " << flipside::dtype_name(at));
    const tensor_view& expected = g.t(std::string(gt.name) + ".act_q");
    const std::size_t rb = quant::row_bytes(at, 512);
    REQUIRE(expected.nbytes == 2 * rb);
    std::vector<std::uint8_t> out(2 * rb);
    for (int r = 0; r < 2; ++r)
      quant::quantize_activations<TestType>(at, act.data() + 512 * r, out.data() + rb * r, 512);
    CHECK(std::memcmp(out.data(), expected.data, out.size()) == 0);
    // And its dequantisation is ggml's act_dequant.
    const auto act_deq = test::floats(g.t(std::string(gt.name) + ".act_dequant"));
    std::vector<float> back(1024);
    quant::dequantize_row(at, out.data(), back.data(), 1024);
    CHECK(test::bitwise_equal(back.data(), act_deq.data(), 1024));
  }
}

TEMPLATE_LIST_TEST_CASE("quant: integer dot products match ggml's exact dot to 2e-6", "[quant]",
                        flipside::simd::compiled_archs) {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  const auto g = golden::open(dir);
  for (const auto& gt : supported_types) {
    if (!quant::has_integer_dot(gt.type)) continue;
    INFO(gt.name);
    const tensor_view& w = g.gguf.tensor(gt.name);
    const tensor_view& aq = g.t(std::string(gt.name) + ".act_q");
    const auto exact = test::doubles(g.t(std::string(gt.name) + ".dot_f64"));
    const auto generic = test::floats(g.t(std::string(gt.name) + ".vec_dot_generic"));
    const std::size_t rb = quant::row_bytes(w.type, 512), ab = aq.nbytes / 2;
    double scale = 0;
    for (double v : exact) scale = std::max(scale, std::fabs(v));
    for (int r = 0; r < 8; ++r) {
      for (int c = 0; c < 2; ++c) {
        INFO("row " << r << " activation " << c);
        const void* wr = w.data + r * rb;
        const void* ar = aq.data + c * ab;
        const float s = quant::vec_dot<TestType>(w.type, wr, ar, 512);
        CHECK(std::fabs(s - exact[2 * r + c]) <= 2e-6 * scale);
        // The scalar reference is ggml's generic C loop, operation for operation.
        const float s_ref = quant::vec_dot<quant::reference_arch>(w.type, wr, ar, 512);
        CHECK(test::bitwise_equal(&s_ref, &generic[2 * r + c], 1));
      }
    }
  }
}

TEST_CASE("quant: unsupported GGUF types give an error naming the tensor") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/gguf-quant");
  const auto g = golden::open(dir);
  for (const char* name : {"iq3_xxs", "iq3_s", "iq2_s", "tq1_0", "tq2_0"}) {
    INFO(name);
    const tensor_view& w = g.gguf.tensor(name);
    CHECK_THROWS_AS(quant::check_weight(w), flipside::unsupported_error);
    CHECK_THROWS_WITH(quant::check_weight(w), Catch::Contains(std::string("'") + name + "'") &&
                                                  Catch::Contains("unsupported type"));
    std::vector<float> out(512);
    CHECK_THROWS_AS(quant::dequantize_row(w.type, w.data, out.data(), 512),
                    flipside::unsupported_error);
  }
}
