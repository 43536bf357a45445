// LoRA adapters (Hu et al. 2021, arXiv 2106.09685), read from the two formats people have:
//
//  - PEFT directories: adapter_config.json + adapter_model.safetensors, tensors
//    `base_model.model.<HF module>.lora_A.weight` [r, in] and `….lora_B.weight` [out, r];
//    scaling s = lora_alpha / r, or lora_alpha / √r with use_rslora (Kalajdzievski 2023,
//    arXiv 2312.03732). The rank is read from each module's tensors, so rank_pattern needs no
//    parsing; alpha_pattern, DoRA, bias training, modules_to_save and other variants that change
//    more than W are refused with an error naming the key.
//  - GGUF adapters as llama.cpp's convert_lora_to_gguf.py writes them: general.type = adapter,
//    adapter.type = lora, adapter.lora.alpha, tensors `<base tensor>.lora_a` / `.lora_b` with the
//    same [r, in] / [out, r] shapes (ggml ne reversed); s = alpha / r (alpha 0: s = 1), and the
//    Q/K rows of `llama` adapters already permuted like the base file's.
//
// Every A/B pair is checked against the base model's config (module known, shapes matching its
// matrix, ranks consistent); errors name the adapter file and the tensor or key.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/io/gguf_file.hpp>
#include <flipside/io/safetensors_file.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/gguf_config.hpp>
#include <flipside/model/hf_config.hpp>

namespace flipside {

// One adapted matrix: ΔW = scaling · B·A.
struct lora_pair {
  std::string name;  // the A tensor's name in the adapter file, for messages
  tensor_role role;  // attn_q … ffn_down; attn_qkv / ffn_up (phi3) are fused
  std::int64_t layer = 0;
  std::int64_t rank = 0, in = 0, out = 0;
  std::vector<float> a;  // [rank, in]
  std::vector<float> b;  // [out, rank], rows in the adapter file's order
  double scaling = 1.0;
};

struct lora_adapter {
  std::string file;          // for messages
  bool gguf_layout = false;  // Q/K rows already in the base GGUF's (llama-permuted) order
  std::vector<lora_pair> pairs;
};

namespace detail {

// [out, in] of the base matrix a role names, for a config.
inline std::pair<std::int64_t, std::int64_t> lora_matrix_shape(const model_config& c,
                                                               const architecture_info& arch,
                                                               tensor_role r) {
  const std::int64_t H = c.hidden_size, F = c.ffn_size, QD = c.q_dim(), KD = c.kv_dim();
  using R = tensor_role;
  switch (r) {
    case R::attn_q:
      return {QD, H};
    case R::attn_k:
    case R::attn_v:
      return {KD, H};
    case R::attn_qkv:
      return {QD + 2 * KD, H};
    case R::attn_output:
      return {H, QD};
    case R::ffn_gate:
      return {F, H};
    case R::ffn_up:
      return {arch.fused_gate_up ? 2 * F : F, H};
    case R::ffn_down:
      return {H, F};
    default:
      return {0, 0};
  }
}

// The matrix roles of an architecture's blocks (what an adapter may target).
inline std::vector<tensor_role> lora_roles(const model_config& c, const architecture_info& arch) {
  using R = tensor_role;
  std::vector<tensor_role> r;
  // push_back one by one: GCC 12 warns (-Wstringop-overflow, falsely) on insert of a list here.
  if (arch.fused_qkv) {
    r.push_back(R::attn_qkv);
  } else {
    r.push_back(R::attn_q);
    r.push_back(R::attn_k);
    r.push_back(R::attn_v);
  }
  r.push_back(R::attn_output);
  if (c.mlp == mlp_kind::gated && !arch.fused_gate_up) r.push_back(R::ffn_gate);
  r.push_back(R::ffn_up);
  r.push_back(R::ffn_down);
  return r;
}

inline bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Pairs A and B tensors found under module names; checks shapes against the base config.
class lora_collector {
 public:
  lora_collector(const model_config& base, std::string file)
      : base_(base),
        arch_(architecture_or_throw(base.architecture, file)),
        file_(std::move(file)) {}

  const architecture_info& arch() const { return arch_; }
  const std::vector<tensor_role>& roles() {
    if (roles_.empty()) roles_ = lora_roles(base_, arch_);
    return roles_;
  }

  void add(tensor_role role, std::int64_t layer, bool is_a, const tensor_view& t) {
    auto& slot = found_[{static_cast<int>(role), layer}];
    (is_a ? slot.first : slot.second) = &t;
  }

  // `scaling_of(rank, a_name)` gives each pair's s.
  template <class Scaling>
  lora_adapter finish(Scaling&& scaling_of, bool gguf_layout) {
    lora_adapter out;
    out.file = file_;
    out.gguf_layout = gguf_layout;
    for (const auto& [key, ab] : found_) {
      const tensor_view* a = ab.first;
      const tensor_view* b = ab.second;
      if (!a || !b)
        throw format_error(file_, (a ? a : b)->name,
                           std::string("has no matching ") + (a ? "B" : "A") + " tensor");
      const auto role = static_cast<tensor_role>(key.first);
      const auto [rows, cols] = lora_matrix_shape(base_, arch_, role);
      if (a->shape.size() != 2 || b->shape.size() != 2 || a->shape[0] != b->shape[1] ||
          a->shape[0] <= 0)
        throw format_error(file_, a->name,
                           "A " + dims(a->shape) + " and B " + dims(b->shape) +
                               " are not [r, in] and [out, r] of one rank r");
      if (a->shape[1] != cols || b->shape[0] != rows)
        throw format_error(file_, a->name,
                           "adapter/base mismatch: A " + dims(a->shape) + ", B " + dims(b->shape) +
                               " do not fit the base model's " +
                               gguf_tensor_name(role, key.second) + " [" + std::to_string(rows) +
                               ", " + std::to_string(cols) + "]");
      lora_pair p;
      p.name = a->name;
      p.role = role;
      p.layer = key.second;
      p.rank = a->shape[0];
      p.in = cols;
      p.out = rows;
      p.a = read_float_vector(*a, file_);
      p.b = read_float_vector(*b, file_);
      p.scaling = scaling_of(p.rank, a->name);
      out.pairs.push_back(std::move(p));
    }
    if (out.pairs.empty()) throw format_error(file_, "tensors", "no LoRA A/B tensors found");
    return out;
  }

 private:
  static std::string dims(const std::vector<std::int64_t>& s) {
    std::string r = "[";
    for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
  }

  const model_config& base_;
  const architecture_info& arch_;
  std::string file_;
  std::vector<tensor_role> roles_;
  std::map<std::pair<int, std::int64_t>, std::pair<const tensor_view*, const tensor_view*>> found_;
};

}  // namespace detail

// A PEFT LoRA directory (or its adapter_config.json) for a base model with config `base`. The
// values are copied to f32, so nothing stays mapped.
inline lora_adapter load_peft_adapter(const std::filesystem::path& path, const model_config& base) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::is_directory(path) ? path : path.parent_path();
  const fs::path cfg_file = dir / "adapter_config.json";
  const std::string cfg_name = cfg_file.string();
  simdjson::padded_string text;
  if (auto err = simdjson::padded_string::load(cfg_name).get(text))
    throw format_error(cfg_name, "file", simdjson::error_message(err));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text).get(root))
    throw format_error(cfg_name, "json", simdjson::error_message(err));
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) throw format_error(cfg_name, "json", "expected a JSON object");
  const detail::json_fields f(obj, cfg_name);

  const std::string type = f.string("peft_type").value_or("LORA");
  if (type != "LORA")
    throw unsupported_error(cfg_name + ": peft_type: '" + type +
                            "' adapters are not supported (LORA only)");
  auto refuse = [&](const char* key, const std::string& what) {
    throw unsupported_error(cfg_name + ": " + key + ": " + what + " is not supported");
  };
  if (f.boolean("use_dora").value_or(false)) refuse("use_dora", "DoRA (weight-decomposed LoRA)");
  if (f.string("bias").value_or("none") != "none") refuse("bias", "training biases");
  if (f.boolean("lora_bias").value_or(false)) refuse("lora_bias", "a bias on lora_B");
  if (f.boolean("use_qalora").value_or(false)) refuse("use_qalora", "QA-LoRA");
  // A key that holds something: not absent, null, [], {} or false.
  auto nonempty = [&](const char* key) {
    simdjson::dom::element e;
    if (obj.at_key(key).get(e) || e.is_null()) return false;
    simdjson::dom::array a;
    simdjson::dom::object o;
    bool b = false;
    if (!e.get_array().get(a)) return a.size() > 0;
    if (!e.get_object().get(o)) return o.size() > 0;
    if (!e.get_bool().get(b)) return b;
    return true;
  };
  if (nonempty("modules_to_save")) refuse("modules_to_save", "training whole modules");
  if (nonempty("trainable_token_indices")) refuse("trainable_token_indices", "trainable tokens");
  if (nonempty("layer_replication")) refuse("layer_replication", "layer replication");
  if (nonempty("alora_invocation_tokens")) refuse("alora_invocation_tokens", "activated LoRA");
  if (nonempty("alpha_pattern")) refuse("alpha_pattern", "per-module lora_alpha");
  const double alpha = f.required(f.number("lora_alpha"), "lora_alpha");
  const std::int64_t r = f.integer("r").value_or(8);
  const bool rslora = f.boolean("use_rslora").value_or(false);
  const bool rank_pattern = nonempty("rank_pattern");

  const fs::path st_file = dir / "adapter_model.safetensors";
  if (!fs::exists(st_file)) {
    if (fs::exists(dir / "adapter_model.bin"))
      throw unsupported_error((dir / "adapter_model.bin").string() +
                              ": pickled PyTorch adapters are not supported; save the adapter "
                              "with safe_serialization (adapter_model.safetensors)");
    throw format_error(st_file.string(), "file", "missing");
  }
  const safetensors_file st = safetensors_file::open(st_file);
  const std::string file = st_file.string();
  detail::lora_collector col(base, file);
  const architecture_info& arch = col.arch();
  if (f.boolean("fan_in_fan_out").value_or(false) && !arch.conv1d)
    throw unsupported_error(cfg_name + ": fan_in_fan_out: true, but " + base.architecture +
                            " layers are nn.Linear ([out, in]); only GPT-2's Conv1D is [in, out]");

  // HF module names of every adaptable matrix of the base.
  const std::string prefix =
      arch.naming == hf_naming::gpt2 ? "transformer." : std::string("model.");
  std::map<std::string, std::pair<tensor_role, std::int64_t>> modules;
  for (std::int64_t l = 0; l < base.n_layers; ++l)
    for (tensor_role role : col.roles())
      if (auto n = hf_tensor_name(arch, role, l, prefix); n && detail::ends_with(*n, ".weight"))
        modules[n->substr(0, n->size() - 7)] = {role, l};

  const std::string root_prefix = "base_model.model.";
  for (const tensor_view& t : st.tensors()) {
    const std::string& n = t.name;
    const bool is_a = detail::ends_with(n, ".lora_A.weight");
    const bool is_b = detail::ends_with(n, ".lora_B.weight");
    if (!is_a && !is_b) {
      if (n.find("lora_magnitude_vector") != std::string::npos)
        throw unsupported_error(file + ": " + n + ": DoRA magnitude vectors are not supported");
      if (n.find("lora_embedding") != std::string::npos)
        throw unsupported_error(file + ": " + n + ": LoRA on embeddings is not supported");
      if (detail::ends_with(n, ".lora_B.bias") || detail::ends_with(n, ".lora_A.bias"))
        throw unsupported_error(file + ": " + n + ": LoRA biases are not supported");
      throw unsupported_error(file + ": " + n +
                              ": not a LoRA A/B weight (modules_to_save or another variant?)");
    }
    std::string module = n.substr(0, n.size() - 14);
    if (module.compare(0, root_prefix.size(), root_prefix) == 0)
      module = module.substr(root_prefix.size());
    auto it = modules.find(module);
    if (it == modules.end())
      throw unsupported_error(file + ": " + n + ": the adapter changes '" + module +
                              "', which is not an attention or MLP projection of this " +
                              base.architecture + " model");
    col.add(it->second.first, it->second.second, is_a, t);
  }
  return col.finish(
      [&](std::int64_t rank, const std::string& name) {
        if (!rank_pattern && rank != r)
          throw format_error(file, name,
                             "rank " + std::to_string(rank) +
                                 " but adapter_config.json says r = " + std::to_string(r));
        return rslora ? alpha / std::sqrt(static_cast<double>(rank))
                      : alpha / static_cast<double>(rank);
      },
      false);
}

// A GGUF LoRA adapter (llama.cpp's format) for a base model with config `base`.
inline lora_adapter load_gguf_adapter(const std::filesystem::path& path, const model_config& base) {
  const gguf_file g = gguf_file::open(path);
  const std::string& file = g.path();
  const std::string type = g.get_string("general.type").value_or("");
  if (type != "adapter")
    throw format_error(file, "general.type",
                       "'" + type + "', expected 'adapter' (a LoRA adapter file)");
  const std::string atype = g.get_string("adapter.type").value_or("lora");
  if (atype != "lora")
    throw unsupported_error(file + ": adapter.type: '" + atype + "' adapters are not supported");
  const std::string arch_name = g.require_string("general.architecture");
  if (arch_name != base.architecture)
    throw format_error(file, "general.architecture",
                       "adapter/base mismatch: the adapter is for '" + arch_name +
                           "', the base model is '" + base.architecture + "'");
  const double alpha = g.get<double>("adapter.lora.alpha").value_or(0.0);
  detail::lora_collector col(base, file);
  std::map<std::string, std::pair<tensor_role, std::int64_t>> names;
  for (std::int64_t l = 0; l < base.n_layers; ++l)
    for (tensor_role role : col.roles()) names[gguf_tensor_name(role, l)] = {role, l};
  for (const tensor_view& t : g.tensors()) {
    const bool is_a = detail::ends_with(t.name, ".lora_a");
    const bool is_b = detail::ends_with(t.name, ".lora_b");
    if (!is_a && !is_b)
      throw unsupported_error(file + ": " + t.name + ": not a LoRA tensor (.lora_a / .lora_b)");
    auto it = names.find(t.name.substr(0, t.name.size() - 7));
    if (it == names.end())
      throw unsupported_error(file + ": " + t.name +
                              ": the adapter changes a tensor that is not an attention or MLP "
                              "projection of this " +
                              base.architecture + " model");
    col.add(it->second.first, it->second.second, is_a, t);
  }
  // llama.cpp: scale = alpha / rank, or 1 when the file has no alpha.
  return col.finish(
      [&](std::int64_t rank, const std::string&) {
        return alpha != 0 ? alpha / static_cast<double>(rank) : 1.0;
      },
      true);
}

// Either format: a .gguf file, or a PEFT directory / adapter_config.json.
inline lora_adapter load_lora_adapter(const std::filesystem::path& path, const model_config& base) {
  namespace fs = std::filesystem;
  if (!fs::exists(path)) throw error(path.string() + ": no such LoRA adapter file or directory");
  if (!fs::is_directory(path) && gguf_file::has_magic(path)) return load_gguf_adapter(path, base);
  return load_peft_adapter(path, base);
}

}  // namespace flipside
