// `flipside synth`: writes a random-weight model of a real model's shape as a GGUF file, for
// benchmarks that need the cost of a real model without downloading one (its answers are
// meaningless). It holds no tokenizer: give `flipside run` one with --tokenizer.
//
//   flipside synth --shape qwen2.5-0.5b --type f16 --out qwen-shape.gguf
#include <cstdio>
#include <memory>
#include <string>

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
  sub.add_option("--type", a->type, "Matrix type: f32, f16 or bf16")->capture_default_str();
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
    if (a->type == "f32")
      o.matrix_type = dtype::f32;
    else if (a->type == "f16")
      o.matrix_type = dtype::f16;
    else if (a->type == "bf16")
      o.matrix_type = dtype::bf16;
    else
      throw argument_error("--type must be f32, f16 or bf16, not '" + a->type + "'");
    write_synthetic_gguf(c, a->out, o);
    std::printf("wrote %s: random weights, %s shape, %s matrices (not a trained model)\n",
                a->out.c_str(), c.name.c_str(), a->type.c_str());
  });
}

const flipside::cli::command_registrar registrar{
    "synth", "Write a random-weight model of a real shape (for benchmarks)", setup_synth};

}  // namespace
