// flipside logits --model PATH --tokens IN.safetensors --out OUT.safetensors [--threads N]
//
// Reads the I32 tensor `tokens` [B, T] (each row an independent sequence; a 1-D [T] is one
// sequence), runs the rows as one batch and writes the F32 tensor `logits` [B, T, V].
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/io/safetensors_file.hpp>
#include <flipside/io/safetensors_writer.hpp>
#include <flipside/model/model.hpp>
#include <flipside/parallel/thread_pool.hpp>

#include "command.hpp"

namespace {

struct logits_args {
  std::string model, tokens, out;
  std::size_t threads = 0;
};

void run_logits(const logits_args& a) {
  const auto in = flipside::safetensors_file::open(a.tokens);
  const flipside::tensor_view* t = in.find_tensor("tokens");
  if (!t) throw flipside::format_error(a.tokens, "tokens", "no tensor named 'tokens'");
  if (t->type != flipside::dtype::i32)
    throw flipside::format_error(a.tokens, "tokens",
                                 "expected I32, found " + flipside::dtype_name(t->type));
  if (t->shape.size() != 1 && t->shape.size() != 2)
    throw flipside::format_error(a.tokens, "tokens", "expected shape [B, T] or [T]");
  const std::size_t B = t->shape.size() == 2 ? static_cast<std::size_t>(t->shape[0]) : 1;
  const std::size_t T = static_cast<std::size_t>(t->shape.back());
  std::vector<std::int32_t> ids(B * T);
  std::memcpy(ids.data(), t->data, ids.size() * sizeof(std::int32_t));

  const auto m = flipside::model::load(a.model);
  flipside::thread_pool pool(a.threads);
  std::vector<flipside::kv_cache<float>> caches;
  caches.reserve(B);
  std::vector<flipside::sequence_step<float>> batch;
  for (std::size_t b = 0; b < B; ++b) {
    caches.push_back(m.new_cache(T));
    batch.push_back({&caches.back(), ids.data() + b * T, T, flipside::output_rows::all});
  }
  auto r = m.forward(batch, {true, &pool});
  const auto V = static_cast<std::int64_t>(m.config().vocab_size);
  flipside::safetensors_writer w;
  w.add_tensor("logits", flipside::dtype::f32,
               {static_cast<std::int64_t>(B), static_cast<std::int64_t>(T), V}, r.logits.data(),
               r.logits.size() * sizeof(float));
  w.write(a.out);
}

void setup_logits(CLI::App& sub) {
  auto a = std::make_shared<logits_args>();
  sub.add_option("--model", a->model, "a .gguf file or a Hugging Face model directory")->required();
  sub.add_option("--tokens", a->tokens, "safetensors file holding I32 `tokens` [B, T]")->required();
  sub.add_option("--out", a->out, "output safetensors file (F32 `logits` [B, T, V])")->required();
  sub.add_option("--threads", a->threads, "threads (0: one per core)");
  sub.callback([a] { run_logits(*a); });
}

const flipside::cli::command_registrar reg{"logits",
                                           "Run token sequences through a model and "
                                           "write the logits of every position",
                                           setup_logits};

}  // namespace
