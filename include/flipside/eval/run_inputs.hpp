// What a `flipside run` evaluates: its models (files, or the built-in demonstration models) with
// their tokenizers, and its tasks with the eval examples chosen — each with the fingerprint its
// cells carry.
//
// Model ids: a GGUF file, a Hugging Face model directory, or a demo model ("demo-prior",
// "demo-balanced", "demo-context", "demo:ALPHA,GAMMA"; include/flipside/demo/demo_model.hpp).
// The tokenizer is the model's own (GGUF metadata, or the directory's tokenizer.json) unless the
// run names one. Task names: the built-in datasets (data/builtin_datasets.hpp), linear[:N], and
// "demo" (the demo models' word task, no files needed).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/dataset.hpp>
#include <flipside/demo/demo_model.hpp>
#include <flipside/demo/demo_task.hpp>
#include <flipside/eval/eval_subset.hpp>
#include <flipside/eval/fingerprint.hpp>
#include <flipside/eval/hash.hpp>
#include <flipside/eval/model_id.hpp>
#include <flipside/eval/run_settings.hpp>
#include <flipside/model/model.hpp>
#include <flipside/prompt/task_registry.hpp>
#include <flipside/tokenizer/load.hpp>
#include <flipside/tokenizer/load_gguf.hpp>

namespace flipside {

inline bool is_demo_model(const std::string& id) { return find_demo_strength(id).has_value(); }

// The model fingerprint of a cell, computed without loading the model (a sampled content hash of
// the file or directory; for a demo model, of its GGUF image).
inline std::string run_model_fingerprint(const std::string& id) {
  if (const auto s = find_demo_strength(id)) {
    const std::vector<std::byte> image = demo_model_gguf(*s);
    field_hasher h;
    h.add("demo-image",
          std::string_view(reinterpret_cast<const char*>(image.data()), image.size()));
    return h.hex();
  }
  return model_fingerprint(model_id::parse(id));
}

struct run_model {
  std::string id;
  model weights;
  tokenizer tok;
  std::string fingerprint;
  std::string description;  // one line for the log
  bool demo = false;
};

inline run_model load_run_model(const std::string& id, const run_settings& st) {
  const auto strength = find_demo_strength(id);
  model weights = strength ? load_demo_model(*strength) : model::load(id);
  run_model r{id, weights, {}, run_model_fingerprint(id), {}, strength.has_value()};
  if (strength) {
    r.description = id +
                    ": built-in demonstration model (hand-set weights, NOT a pretrained LLM; " +
                    strength->summary + ")";
  } else {
    const auto& c = weights.config();
    r.description = id + ": " + c.architecture + ", " + std::to_string(c.n_layers) +
                    " layers, hidden " + std::to_string(c.hidden_size) + ", vocab " +
                    std::to_string(c.vocab_size);
  }
  if (!st.tokenizer.empty()) {
    r.tok = load_tokenizer(st.tokenizer);
  } else if (const gguf_file* g = weights.gguf()) {
    if (!g->get_string("tokenizer.ggml.model"))
      throw error(id +
                  ": the GGUF file holds no tokenizer (tokenizer.ggml.model); give one with "
                  "--tokenizer");
    r.tok = tokenizer_from_gguf(*g);
  } else {
    namespace fs = std::filesystem;
    const fs::path base = model_id::parse(id).path;  // a LoRA adapter keeps its base's tokenizer
    const fs::path dir = fs::is_directory(base) ? base : base.parent_path();
    r.tok = load_tokenizer(dir.string());
  }
  return r;
}

struct run_task {
  std::string name;
  dataset data;
  std::string fingerprint;
  std::vector<std::size_t> eval_indices;  // into data.get(settings.eval_split)
};

inline run_task load_run_task(const std::string& name, const run_settings& st) {
  run_task t;
  t.name = name;
  if (name == demo_task_name) {
    t.data = demo_task();
    field_hasher h;
    for (const auto& w : demo_sentiment_words()) h.add(w.text, w.valence);
    t.fingerprint = data_fingerprint(name, {}) + h.hex();
  } else {
    load_options opt;
    opt.lenient = st.lenient;
    t.data = load_task(name, st.data_dir, opt, st.linear_seed);
    const bool synthetic = name == "linear" || name.rfind("linear:", 0) == 0;
    t.fingerprint = synthetic ? data_fingerprint(name + "@" + std::to_string(st.linear_seed), {})
                              : data_fingerprint(name, {st.data_dir / name});
  }
  const auto& eval = t.data.get(st.eval_split);
  if (eval.empty())
    throw error("task '" + name + "': the " + to_string(st.eval_split) + " split is empty");
  t.eval_indices = select_eval_examples(eval, t.data.task.num_classes(), st.eval_n, st.eval_seed);
  return t;
}

}  // namespace flipside
