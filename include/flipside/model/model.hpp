// flipside::model — a loaded decoder-only language model: config, weights (memory-mapped where
// their type allows) and the forward pass.
//
//   auto m = flipside::model::load("Qwen2.5-0.5B-f16.gguf");      // or an HF directory
//   flipside::thread_pool pool(2);
//   auto cache = m.new_cache(1024);
//   auto r = m.forward(cache, prefix_ids, flipside::output_rows::none, {false, &pool});
//   const std::size_t n = cache.size();                          // remember the shared prefix
//   for (auto& q : queries) {
//     auto h = m.forward(cache, q, flipside::output_rows::last, {false, &pool});
//     m.token_logits(h.hidden_row(0), label_ids.data(), label_ids.size(), scores);
//     cache.truncate(n);                                          // back to the prefix
//   }
//
// LoRA adapters: `model::load("base.gguf+lora:adapter_dir@0.5")`, or load(path, {adapter_spec…})
// to merge them into the weights instead; an unmerged adapter's strength can be changed without
// reloading — `m.with_adapter_scale(0.25)` is a cheap copy sharing the weights.
//
// A copy of a kv_cache is an independent fork of it (evaluate a prefix once, copy it per
// continuation, run the continuations as one batch). The model itself is immutable after load;
// copies share the weights, and one model may be used from several threads with separate caches.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <flipside/attention/kv_cache.hpp>
#include <flipside/core/error.hpp>
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/safetensors_file.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/forward.hpp>
#include <flipside/model/gguf_config.hpp>
#include <flipside/model/hf_config.hpp>
#include <flipside/model/lora_adapter.hpp>
#include <flipside/model/lora_apply.hpp>
#include <flipside/model/model_spec.hpp>
#include <flipside/model/rope_frequencies.hpp>
#include <flipside/model/weights.hpp>
#include <flipside/parallel/thread_pool.hpp>

namespace flipside {

enum class model_format { gguf, huggingface };

class model {
 public:
  // Loads a .gguf file, or a Hugging Face model directory (config.json + *.safetensors, single or
  // sharded; a path to one of its .safetensors files also works). `quant` chooses how quantized
  // GGUF weights compute (weight_kernels.hpp): by default llama.cpp-style integer dot products for
  // products of few rows (decode) and exact dequantisation in f32 for prefill-sized ones; `integer`
  // or `exact` pins one of the two. A path that does not exist but reads as
  // `PATH+lora:ADAPTER[@SCALE]` loads PATH with that adapter (model_spec.hpp).
  static model load(const std::filesystem::path& path, quant_matmul quant = quant_matmul::by_rows) {
    if (!std::filesystem::exists(path)) {
      model_spec s = model_spec::parse(path.string());
      if (!s.adapters.empty()) return load(s.path, s.adapters, quant);
    }
    return load(path, std::vector<adapter_spec>{}, quant);
  }

  // The base model at `path` with LoRA adapters attached (unmerged) or merged, in order.
  static model load(const std::filesystem::path& path, const std::vector<adapter_spec>& adapters,
                    quant_matmul quant = quant_matmul::by_rows) {
    namespace fs = std::filesystem;
    if (!fs::exists(path)) throw error(path.string() + ": no such file or directory");
    auto impl = std::make_shared<impl_t>();
    impl->path = path.string();
    if (fs::is_directory(path) || path.extension() == ".safetensors" ||
        path.extension() == ".json") {
      const fs::path dir = fs::is_directory(path) ? path : path.parent_path();
      impl->format = model_format::huggingface;
      impl->state.config = load_hf_config(dir);
      impl->safetensors = std::make_unique<safetensors_file>(safetensors_file::open(path));
      const safetensors_file& st = *impl->safetensors;
      weight_source src;
      src.quant = quant;
      src.file = path.string();
      src.hf = true;
      src.find = [&st](const std::string& n) { return st.find_tensor(n); };
      const architecture_info& arch =
          architecture_or_throw(impl->state.config.architecture, src.file);
      if (arch.naming == hf_naming::gpt2)
        src.hf_prefix = st.find_tensor("transformer.wte.weight") ? "transformer." : "";
      else
        src.hf_prefix = "model.";
      impl->state.weights = bind_weights(impl->state.config, src);
    } else if (gguf_file::has_magic(path)) {
      impl->gguf = std::make_unique<gguf_file>(gguf_file::open(path));
      bind_gguf(*impl, quant);
    } else {
      throw format_error(path.string(), "file",
                         "neither a GGUF file nor a Hugging Face model directory");
    }
    return finish_load(std::move(impl), adapters);
  }

  // A GGUF image held in memory (a model the program builds itself, such as the built-in demo
  // models): parsed in place, not copied; the model keeps `image` alive. `name` stands for the
  // path in messages and in path().
  static model from_gguf_memory(std::shared_ptr<const std::vector<std::byte>> image,
                                std::string name, quant_matmul quant = quant_matmul::by_rows) {
    if (!image) throw argument_error("model::from_gguf_memory: no image");
    auto impl = std::make_shared<impl_t>();
    impl->path = std::move(name);
    impl->memory = image;
    impl->gguf = std::make_unique<gguf_file>(
        gguf_file::from_memory(image->data(), image->size(), impl->path));
    bind_gguf(*impl, quant);
    return finish_load(std::move(impl));
  }

 private:
  struct impl_t;

  static void bind_gguf(impl_t& impl, quant_matmul quant) {
    impl.format = model_format::gguf;
    const gguf_file& g = *impl.gguf;
    if (auto type = g.get_string("general.type"); type && *type != "model")
      throw unsupported_error(impl.path + ": general.type: a '" + *type + "' file is not a model");
    impl.state.config = gguf_model_config(g);
    weight_source src;
    src.quant = quant;
    src.file = impl.path;
    src.find = [&g](const std::string& n) { return g.find_tensor(n); };
    impl.state.weights = bind_weights(impl.state.config, src);
  }

  static model finish_load(std::shared_ptr<impl_t> impl,
                           const std::vector<adapter_spec>& adapters = {}) {
    model_state& s = impl->state;
    for (const adapter_spec& a : adapters) {
      const lora_adapter ad = load_lora_adapter(a.path, s.config);
      if (a.merge)
        merge_lora(s.weights, s.config, ad, a.scale);
      else
        add_lora_deltas(s.lora, s.config, ad, a.scale);
      impl->adapters.push_back(a);
    }
    if (s.config.positions == position_kind::rope) {
      // cos/sin of the first positions are tabulated once (at most 8192: 2 MB for d = 64).
      const auto cached =
          static_cast<std::size_t>(std::clamp<std::int64_t>(s.config.max_positions, 2048, 8192));
      s.rope = make_rope_table(s.config.rope, s.config.head_dim, cached);
      if (std::any_of(s.config.layers.begin(), s.config.layers.end(),
                      [](const layer_config& l) { return l.local_rope; }))
        s.rope_local = make_rope_table(s.config.rope_local, s.config.head_dim, cached);
      if (s.config.rope.scaling == rope_scaling_kind::longrope)
        s.rope_long = make_rope_table(s.config.rope, s.config.head_dim, cached, true);
    }
    return model(std::move(impl));
  }

 public:
  const model_config& config() const noexcept { return impl_->state.config; }
  const model_weights& weights() const noexcept { return impl_->state.weights; }
  const model_state& state() const noexcept { return impl_->state; }
  const std::string& path() const noexcept { return impl_->path; }
  model_format format() const noexcept { return impl_->format; }
  // The adapters attached at load, and the run-time strength of the unmerged ones.
  const std::vector<adapter_spec>& adapters() const noexcept { return impl_->adapters; }
  double adapter_scale() const noexcept { return adapter_scale_; }
  // A copy (sharing the weights) whose unmerged adapters act with strength g (0: the base).
  model with_adapter_scale(double g) const {
    model m = *this;
    m.adapter_scale_ = g;
    return m;
  }
  // The underlying files (one is null), e.g. for a tokenizer stored in the GGUF metadata.
  const gguf_file* gguf() const noexcept { return impl_->gguf.get(); }
  const safetensors_file* safetensors() const noexcept { return impl_->safetensors.get(); }

  // An empty cache for one sequence of up to `capacity` positions; E = float (exact), or a 16-bit
  // storage type to halve the cache's memory and read traffic.
  template <class E = float>
  kv_cache<E> new_cache(std::size_t capacity) const {
    const auto& c = config();
    return kv_cache<E>(static_cast<std::size_t>(c.n_layers), capacity,
                       static_cast<std::size_t>(c.n_kv_heads),
                       static_cast<std::size_t>(c.head_dim));
  }

  // Batched forward: each sequence appends its tokens to its own cache (see forward.hpp).
  template <class E>
  forward_result forward(const std::vector<sequence_step<E>>& batch,
                         const forward_options& opt = {}) const {
    forward_options o = opt;
    o.adapter_scale = static_cast<float>(opt.adapter_scale * adapter_scale_);
    return flipside::forward<E>(impl_->state, batch, o);
  }

  // One sequence.
  template <class E>
  forward_result forward(kv_cache<E>& cache, const std::vector<std::int32_t>& tokens,
                         output_rows outputs = output_rows::last,
                         const forward_options& opt = {}) const {
    std::vector<sequence_step<E>> batch{{&cache, tokens.data(), tokens.size(), outputs}};
    return forward(batch, opt);
  }

  // Full-vocabulary logits of `rows` final hidden states: out [rows, vocab].
  void logits(const float* hidden, std::size_t rows, float* out,
              thread_pool* pool = nullptr) const {
    detail::forward_pass<float>::unembed(unembedding(), hidden, rows, out,
                                         static_cast<std::size_t>(config().hidden_size),
                                         static_cast<std::size_t>(config().vocab_size), pool,
                                         static_cast<float>(config().final_softcap));
  }

  // Logits of selected tokens only: out[i] = hidden · W_out[ids[i]] — bitwise equal to the same
  // entries of logits(). Label scoring reads 2–6 rows of W_out instead of all of them.
  void token_logits(const float* hidden, const std::int32_t* ids, std::size_t n, float* out) const {
    const auto V = config().vocab_size;
    for (std::size_t i = 0; i < n; ++i)
      if (ids[i] < 0 || ids[i] >= V)
        throw argument_error("token_logits: token " + std::to_string(ids[i]) +
                             " is outside the vocabulary");
    unembedding().dot_rows(hidden, ids, n, out);
    if (config().final_softcap > 0)
      detail::forward_pass<float>::soft_cap(out, n, static_cast<float>(config().final_softcap));
  }

  // The output projection W_out [vocab, hidden] (token_embd when tied), in its file's type.
  const matrix_weight& unembedding() const noexcept { return weights().output; }

  // Greedy decoding: the prompt, then up to max_new argmax tokens (ties → lowest id, like
  // torch.argmax); stops early after `stop` if it is ≥ 0. Returns the new tokens only.
  template <class E = float>
  std::vector<std::int32_t> generate_greedy(const std::vector<std::int32_t>& prompt,
                                            std::size_t max_new, thread_pool* pool = nullptr,
                                            std::int32_t stop = -1) const {
    if (prompt.empty()) throw argument_error("generate: empty prompt");
    auto cache = new_cache<E>(prompt.size() + max_new);
    std::vector<std::int32_t> out;
    std::vector<std::int32_t> step = prompt;
    const std::size_t V = static_cast<std::size_t>(config().vocab_size);
    for (std::size_t i = 0; i < max_new; ++i) {
      auto r = forward(cache, step, output_rows::last, {true, pool});
      const float* lg = r.logits_row(0);
      const auto next = static_cast<std::int32_t>(std::max_element(lg, lg + V) - lg);
      out.push_back(next);
      if (next == stop) break;
      step.assign(1, next);
    }
    return out;
  }

 private:
  struct impl_t {
    std::string path;
    model_format format = model_format::gguf;
    std::unique_ptr<gguf_file> gguf;
    std::unique_ptr<safetensors_file> safetensors;
    std::shared_ptr<const void> memory;  // from_gguf_memory: the image the gguf_file reads
    model_state state;
    std::vector<adapter_spec> adapters;
  };

  explicit model(std::shared_ptr<const impl_t> impl) : impl_(std::move(impl)) {}

  std::shared_ptr<const impl_t> impl_;
  double adapter_scale_ = 1.0;
};

}  // namespace flipside
