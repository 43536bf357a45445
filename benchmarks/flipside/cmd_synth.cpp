// `flipside synth`: writes a random-weight model of a real model's shape as a GGUF file, for
// benchmarks that need the cost of a real model without downloading one (its answers are
// meaningless). It holds no tokenizer: give `flipside run` one with --tokenizer.
//
//   flipside synth --shape qwen2.5-0.5b --type q8_0 --out qwen-shape-q8_0.gguf
//
// f32/f16/bf16 come from write_synthetic_gguf; q8_0 quantizes the same f32 values row by row
// with ggml's Q8_0 rule (quant/quantize.hpp), matrices only, like llama.cpp's Q8_0 files.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <flipside/io/gguf_writer.hpp>
#include <flipside/model/synthetic.hpp>
#include <flipside/quant/quantize.hpp>

#include "command.hpp"

namespace {

struct synth_args {
  std::string shape = "qwen2.5-0.5b";
  std::string type = "f16";
  std::string out;
  std::uint64_t seed = 1;
};

void write_q8_0(const flipside::model_config& cfg, const std::string& out,
                const flipside::synthetic_options& o) {
  using namespace flipside;
  model_config c = cfg;
  c.validate("synthetic config");
  const architecture_info& arch = architecture_or_throw(c.architecture, "synthetic config");
  gguf_writer w;
  set_gguf_metadata(w, c, dtype::f16);           // the exporter knows float file types only
  w.set("general.file_type", std::uint32_t{7});  // llama.cpp's LLAMA_FTYPE_MOSTLY_Q8_0
  for (const planned_tensor& p : tensor_plan(c)) {
    if (p.role == tensor_role::rope_freqs)
      throw unsupported_error("synth: rope frequency factors are not written in q8_0 mode");
    const std::vector<float> v = detail::synthetic_values(p, o);
    std::vector<std::byte> bytes;
    dtype t = dtype::f32;
    if (p.matrix() && p.shape[1] % 32 == 0) {
      t = dtype::q8_0;
      const auto rows = static_cast<std::size_t>(p.shape[0]);
      const auto cols = static_cast<std::size_t>(p.shape[1]);
      std::vector<quant::block_q8_0> blocks(rows * cols / 32);
      for (std::size_t r = 0; r < rows; ++r)
        quant::quantize_row_q8_0(v.data() + r * cols, blocks.data() + r * (cols / 32), cols);
      bytes.resize(blocks.size() * sizeof(quant::block_q8_0));
      std::memcpy(bytes.data(), blocks.data(), bytes.size());
    } else {
      bytes = detail::to_bytes(v, dtype::f32);
    }
    using R = tensor_role;
    const bool q = p.role == R::attn_q || p.role == R::attn_q_bias;
    const bool k = p.role == R::attn_k || p.role == R::attn_k_bias;
    if (arch.gguf_rope == rope_layout::interleaved && (q || k)) {
      const std::size_t row = bytes.size() / static_cast<std::size_t>(p.shape[0]);
      bytes = permute_rows_for_interleaved_rope(
          bytes.data(), static_cast<std::size_t>(q ? c.n_heads : c.n_kv_heads),
          static_cast<std::size_t>(c.head_dim), row);
    }
    w.add_tensor(gguf_tensor_name(p.role, p.layer), t, p.shape, std::move(bytes));
  }
  w.write(out);
}

void setup_synth(CLI::App& sub) {
  auto a = std::make_shared<synth_args>();
  sub.add_option("--shape", a->shape, "qwen2.5-0.5b or smollm2-135m")->capture_default_str();
  sub.add_option("--type", a->type, "Matrix type: f32, f16, bf16 or q8_0")->capture_default_str();
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
    if (a->type == "q8_0") {
      write_q8_0(c, a->out, o);
    } else {
      if (a->type == "f32")
        o.matrix_type = dtype::f32;
      else if (a->type == "f16")
        o.matrix_type = dtype::f16;
      else if (a->type == "bf16")
        o.matrix_type = dtype::bf16;
      else
        throw argument_error("--type must be f32, f16, bf16 or q8_0, not '" + a->type + "'");
      write_synthetic_gguf(c, a->out, o);
    }
    std::printf("wrote %s: random weights, %s shape, %s matrices (not a trained model)\n",
                a->out.c_str(), c.name.c_str(), a->type.c_str());
  });
}

const flipside::cli::command_registrar registrar{
    "synth", "Write a random-weight model of a real shape (for benchmarks)", setup_synth};

}  // namespace
