// `flipside info --model PATH` — what a model file holds: format, architecture, the
// hyper-parameters its metadata (GGUF) or config.json (HF directory) states, tensor count, a dtype
// histogram and the parameter count. PATH is a .gguf file, a Hugging Face model directory
// (config.json + model.safetensors or a sharded index), a .safetensors file or an index.json;
// `PATH+lora:ADAPTER[@SCALE]` also describes the LoRA adapter, checked against the base.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/safetensors_file.hpp>
#include <flipside/model/lora_adapter.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/model_spec.hpp>

#include "command.hpp"

namespace {

namespace fs = std::filesystem;

std::string with_commas(std::uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string human_bytes(std::uint64_t n) {
  char buf[32];
  if (n >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(n) / (1ull << 30));
  else if (n >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1ull << 20));
  else if (n >= (1ull << 10))
    std::snprintf(buf, sizeof buf, "%.2f KiB", static_cast<double>(n) / (1ull << 10));
  else
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  return buf;
}

void row(const std::string& key, const std::string& value) {
  std::printf("  %-40s %s\n", key.c_str(), value.c_str());
}

// Tensor count, dtype histogram (count and bytes per type) and parameter count.
void print_tensor_summary(const std::vector<flipside::tensor_view>& tensors) {
  struct tally {
    std::size_t count = 0;
    std::uint64_t bytes = 0;
  };
  std::map<std::string, tally> by_type;
  std::uint64_t params = 0, bytes = 0;
  for (const auto& t : tensors) {
    auto& e = by_type[flipside::dtype_name(t.type)];
    ++e.count;
    e.bytes += t.nbytes;
    params += static_cast<std::uint64_t>(t.numel());
    bytes += t.nbytes;
  }
  std::printf("tensors:      %zu (%s)\n", tensors.size(), human_bytes(bytes).c_str());
  std::printf("dtypes:\n");
  for (const auto& [name, e] : by_type) {
    row(name, std::to_string(e.count) + " tensors, " + human_bytes(e.bytes));
  }
  std::printf("parameters:   %s\n", with_commas(params).c_str());
}

void describe_gguf(const fs::path& path) {
  const auto f = flipside::gguf_file::open(path);
  const std::string arch = f.get_string("general.architecture").value_or("");
  std::printf("model:        %s\n", path.string().c_str());
  std::printf("format:       GGUF v%u (alignment %zu, %zu metadata keys)\n", f.version(),
              f.alignment(), f.metadata().size());
  std::printf("architecture: %s\n", arch.empty() ? "(general.architecture missing)" : arch.c_str());
  if (auto name = f.get_string("general.name")) std::printf("name:         %s\n", name->c_str());
  std::printf("hyper-parameters (GGUF metadata):\n");
  for (const auto& kv : f.metadata()) {
    const bool own = !arch.empty() && kv.key.compare(0, arch.size() + 1, arch + ".") == 0;
    if (own || kv.key == "general.file_type" || kv.key == "general.quantization_version") {
      row(kv.key, kv.value.to_string(4));
    }
  }
  if (auto model = f.get_string("tokenizer.ggml.model")) {
    const auto* tokens = f.get_string_array("tokenizer.ggml.tokens");
    std::printf("tokenizer:    %s, %zu tokens in the file\n", model->c_str(),
                tokens ? tokens->size() : std::size_t{0});
  }
  print_tensor_summary(f.tensors());
}

void describe_safetensors(const fs::path& path) {
  const fs::path config = fs::is_directory(path) ? path / "config.json" : fs::path();
  std::printf("model:        %s\n", path.string().c_str());
  if (!config.empty() && fs::exists(config)) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto err = parser.load(config.string()).get(root)) {
      throw flipside::format_error(config.string(), "json", simdjson::error_message(err));
    }
    simdjson::dom::object obj;
    if (root.get_object().get(obj)) {
      throw flipside::format_error(config.string(), "json", "not a JSON object");
    }
    std::string arch = "(not stated)";
    simdjson::dom::array archs;
    std::string_view a0;
    if (!obj["architectures"].get_array().get(archs) && archs.size() > 0 &&
        !archs.at(0).get_string().get(a0)) {
      arch = std::string(a0);
    }
    std::string_view model_type;
    if (!obj["model_type"].get_string().get(model_type)) {
      arch += " (model_type " + std::string(model_type) + ")";
    }
    std::printf("format:       Hugging Face directory (config.json + safetensors)\n");
    std::printf("architecture: %s\n", arch.c_str());
    std::printf("hyper-parameters (config.json):\n");
    for (auto field : obj) {
      if (field.key == "architectures") continue;
      row(std::string(field.key), simdjson::minify(field.value));
    }
  } else {
    std::printf("format:       safetensors (no config.json)\n");
  }
  const auto st = flipside::safetensors_file::open(path);
  if (st.files().size() > 1) std::printf("shards:       %zu files\n", st.files().size());
  print_tensor_summary(st.tensors());
}

// The adapter part of `PATH+lora:ADAPTER[@SCALE]`: loaded and checked against the base config.
void describe_adapter(const flipside::model_spec& spec) {
  const flipside::model base = flipside::model::load(spec.path);
  for (const auto& a : spec.adapters) {
    const auto ad = flipside::load_lora_adapter(a.path, base.config());
    std::map<std::int64_t, std::pair<int, double>> ranks;  // rank → (matrices, scaling)
    std::map<std::string, int> targets;
    for (const auto& p : ad.pairs) {
      ++ranks[p.rank].first;
      ranks[p.rank].second = p.scaling;
      const std::string t = flipside::gguf_tensor_name(p.role, 0);  // "blk.0.attn_q.weight"
      ++targets[t.substr(6, t.size() - 6 - 7)];
    }
    std::printf("adapter:      %s (LoRA, %zu matrices, scale %g, unmerged)\n", a.path.c_str(),
                ad.pairs.size(), a.scale);
    for (const auto& [r, ns] : ranks)
      std::printf("  rank %-5lld  %d matrices, scaling %g\n", static_cast<long long>(r), ns.first,
                  ns.second);
    std::string t;
    for (const auto& kv : targets) t += (t.empty() ? "" : ", ") + kv.first;
    std::printf("  targets:    %s\n", t.c_str());
  }
}

void run_info(const std::string& model) {
  const fs::path path(model);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    const auto spec = flipside::model_spec::parse(model);
    if (!spec.adapters.empty()) {
      run_info(spec.path.string());
      return describe_adapter(spec);
    }
    throw flipside::error(model + ": no such file or directory");
  }
  if (fs::is_directory(path)) return describe_safetensors(path);
  if (flipside::gguf_file::has_magic(path)) return describe_gguf(path);
  const std::string ext = path.extension().string();
  if (ext == ".safetensors" || ext == ".json") return describe_safetensors(path);
  throw flipside::error(model + ": not a GGUF file, a .safetensors file or a model directory");
}

void setup_info(CLI::App& sub) {
  auto model = std::make_shared<std::string>();
  sub.add_option("--model", *model,
                 "a .gguf file or a Hugging Face model directory, optionally +lora:ADAPTER[@SCALE]")
      ->required();
  sub.callback([model] { run_info(*model); });
}

const flipside::cli::command_registrar registrar{
    "info", "Describe a model: architecture, hyper-parameters, dtypes, parameter count",
    setup_info};

}  // namespace
