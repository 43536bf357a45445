// `flipside synth`: writes a random-weight model of a real model's shape as a GGUF file, for
// benchmarks that need the cost of a real model without downloading one (its answers are
// meaningless). It holds no tokenizer: give `flipside run` one with --tokenizer.
//
//   flipside synth --shape qwen2.5-0.5b --type q8_0 --out qwen-shape-q8_0.gguf
//
// Block types quantize the same f32 values row by row with ggml's rules (quant/quantize.hpp),
// matrices only, like llama.cpp's Q8_0 / Q4_0 files (model/synthetic.hpp).
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <flipside/model/synthetic.hpp>

#include "command.hpp"

namespace {

struct synth_args {
  std::string shape = "qwen2.5-0.5b";
  std::string type = "f16";
  std::string out;
  std::uint64_t seed = 1;
};

void setup_synth(CLI::App& sub) {
  auto a = std::make_shared<synth_args>();
  sub.add_option("--shape", a->shape, "qwen2.5-0.5b or smollm2-135m")->capture_default_str();
  sub.add_option("--type", a->type, "Matrix type: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0 or q5_1")
      ->capture_default_str();
  sub.add_option("--out", a->out, "GGUF file to write")->required();
  sub.add_option("--seed", a->seed, "Weight seed")->capture_default_str();
  sub.callback([a] {
    using namespace flipside;
    model_config c;
    if (a->shape == "qwen2.5-0.5b")
      c = qwen25_05b_config();
    else if (a->shape == "smollm2-135m")
      c = smollm2_135m_config();
    else
      throw argument_error("--shape must be qwen2.5-0.5b or smollm2-135m, not '" + a->shape + "'");
    synthetic_options o;
    o.seed = a->seed;
    const std::map<std::string, dtype> types{
        {"f32", dtype::f32},   {"f16", dtype::f16},   {"bf16", dtype::bf16}, {"q8_0", dtype::q8_0},
        {"q4_0", dtype::q4_0}, {"q4_1", dtype::q4_1}, {"q5_0", dtype::q5_0}, {"q5_1", dtype::q5_1}};
    const auto t = types.find(a->type);
    if (t == types.end())
      throw argument_error("--type must be f32, f16, bf16, q8_0, q4_0, q4_1, q5_0 or q5_1, not '" +
                           a->type + "'");
    o.matrix_type = t->second;
    write_synthetic_gguf(c, a->out, o);
    std::printf("wrote %s: random weights, %s shape, %s matrices (not a trained model)\n",
                a->out.c_str(), c.name.c_str(), a->type.c_str());
  });
}

const flipside::cli::command_registrar registrar{
    "synth", "Write a random-weight model of a real shape (for benchmarks)", setup_synth};

}  // namespace
