// Hugging Face `config.json` → model_config.
//
// Two generations of rope settings exist and both are read: the legacy top-level `rope_theta` and
// `rope_scaling` {type|rope_type, factor, …} that most hub repositories still carry, and
// transformers 5's `rope_parameters` {rope_theta, rope_type, factor, …} (also nested per layer
// type — {"full_attention": {…}, "sliding_attention": {…}} — for gemma3). Missing values fall back
// to the defaults of the transformers config class of that model_type, never to a guess: a
// missing rope_theta is only accepted where transformers itself defaults it (10000).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>

namespace flipside {

namespace detail {

// Typed, null-aware access to one JSON object, with errors naming file and key.
class json_fields {
 public:
  json_fields(simdjson::dom::object obj, std::string source, std::string prefix = "")
      : obj_(obj), source_(std::move(source)), prefix_(std::move(prefix)) {}

  bool has(std::string_view key) const {
    auto v = obj_.at_key(key);
    return !v.error() && !v.value_unsafe().is_null();
  }
  // Present, possibly null (`"final_logit_softcapping": null` turns a default off).
  bool present(std::string_view key) const { return !obj_.at_key(key).error(); }

  // A list of numbers.
  std::optional<std::vector<float>> floats(std::string_view key) const {
    auto a = array(key);
    if (!a) return std::nullopt;
    std::vector<float> out;
    for (auto e : *a) {
      double d = 0;
      if (e.get_double().get(d)) throw format_error(source_, field(key), "expected numbers");
      out.push_back(static_cast<float>(d));
    }
    return out;
  }

  std::optional<std::int64_t> integer(std::string_view key) const {
    auto v = obj_.at_key(key);
    if (v.error() || v.value_unsafe().is_null()) return std::nullopt;
    std::int64_t i = 0;
    if (!v.get_int64().get(i)) return i;
    // Some configs write integral values as 4096.0.
    double d = 0;
    if (!v.get_double().get(d) && std::floor(d) == d && std::fabs(d) < 9.0e15)
      return static_cast<std::int64_t>(d);
    throw format_error(source_, field(key), "expected an integer");
  }

  std::optional<double> number(std::string_view key) const {
    auto v = obj_.at_key(key);
    if (v.error() || v.value_unsafe().is_null()) return std::nullopt;
    double d = 0;
    if (v.get_double().get(d)) throw format_error(source_, field(key), "expected a number");
    return d;
  }

  std::optional<bool> boolean(std::string_view key) const {
    auto v = obj_.at_key(key);
    if (v.error() || v.value_unsafe().is_null()) return std::nullopt;
    bool b = false;
    if (v.get_bool().get(b)) throw format_error(source_, field(key), "expected true or false");
    return b;
  }

  std::optional<std::string> string(std::string_view key) const {
    auto v = obj_.at_key(key);
    if (v.error() || v.value_unsafe().is_null()) return std::nullopt;
    std::string_view s;
    if (v.get_string().get(s)) throw format_error(source_, field(key), "expected a string");
    return std::string(s);
  }

  std::optional<json_fields> object(std::string_view key) const {
    auto v = obj_.at_key(key);
    if (v.error() || v.value_unsafe().is_null()) return std::nullopt;
    simdjson::dom::object o;
    if (v.get_object().get(o)) throw format_error(source_, field(key), "expected an object");
    return json_fields(o, source_, field(key) + ".");
  }

  std::optional<simdjson::dom::array> array(std::string_view key) const {
    auto v = obj_.at_key(key);
    if (v.error() || v.value_unsafe().is_null()) return std::nullopt;
    simdjson::dom::array a;
    if (v.get_array().get(a)) throw format_error(source_, field(key), "expected an array");
    return a;
  }

  template <class T>
  T required(std::optional<T> v, std::string_view key) const {
    if (!v) throw format_error(source_, field(key), "missing");
    return *v;
  }

  std::string field(std::string_view key) const { return prefix_ + std::string(key); }
  const std::string& source() const { return source_; }

 private:
  simdjson::dom::object obj_;
  std::string source_;
  std::string prefix_;
};

// First of several alternative key spellings (`hidden_size` / `n_embd`).
template <class Get>
auto first_of(Get&& get, std::initializer_list<std::string_view> keys)
    -> decltype(get(std::string_view{})) {
  for (auto k : keys)
    if (auto v = get(k)) return v;
  return std::nullopt;
}

// Reads one rope dict (transformers-5 `rope_parameters` or legacy `rope_scaling`) into rope.
inline void read_rope_dict(const json_fields& d, rope_config& rope) {
  if (auto t = d.number("rope_theta")) rope.theta = *t;
  auto type = d.string("rope_type");
  if (!type) type = d.string("type");
  const std::string kind = type.value_or("default");
  if (kind == "default") {
    rope.scaling = rope_scaling_kind::none;
  } else if (kind == "linear") {
    rope.scaling = rope_scaling_kind::linear;
    rope.factor = d.required(d.number("factor"), "factor");
  } else if (kind == "longrope") {
    // Phi-3.5 / Phi-4-mini. factor, attention_factor and the original context are resolved by
    // parse_hf_config, which also sees the top-level original_max_position_embeddings.
    rope.scaling = rope_scaling_kind::longrope;
    rope.short_factors = d.required(d.floats("short_factor"), "short_factor");
    rope.long_factors = d.required(d.floats("long_factor"), "long_factor");
    rope.factor = d.number("factor").value_or(0.0);
    rope.attention_factor = d.number("attention_factor").value_or(0.0);
    rope.original_max_positions = d.integer("original_max_position_embeddings").value_or(0);
  } else if (kind == "llama3") {
    rope.scaling = rope_scaling_kind::llama3;
    rope.factor = d.required(d.number("factor"), "factor");
    rope.low_freq_factor = d.number("low_freq_factor").value_or(1.0);
    rope.high_freq_factor = d.number("high_freq_factor").value_or(4.0);
    rope.original_max_positions = d.required(d.integer("original_max_position_embeddings"),
                                             "original_max_position_embeddings");
  } else {
    throw unsupported_error(d.source() + ": " + d.field("rope_type") + ": '" + kind +
                            "' rope scaling is not supported (supported: default, linear, llama3, "
                            "longrope)");
  }
}

}  // namespace detail

// Parses the text of a config.json. `source` names it in errors.
inline model_config parse_hf_config(std::string_view json, const std::string& source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root))
    throw format_error(source, "json", simdjson::error_message(err));
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) throw format_error(source, "json", "expected a JSON object");
  const detail::json_fields f(obj, source);

  const std::string model_type = f.required(f.string("model_type"), "model_type");
  if (model_type == "gemma3" && f.has("text_config"))
    throw unsupported_error(source +
                            ": model_type: multimodal gemma3 checkpoints "
                            "(Gemma3ForConditionalGeneration, text_config) are not supported; use "
                            "a text-only one (model_type gemma3_text) or a GGUF file");
  // Mistral is llama with an optional sliding window (llama.cpp also converts it to `llama`);
  // Gemma 3 270M / 1B are `gemma3_text` (Gemma3ForCausalLM).
  const std::string arch_name = model_type == "mistral"       ? "llama"
                                : model_type == "gemma3_text" ? "gemma3"
                                                              : model_type;
  const architecture_info& arch = architecture_or_throw(arch_name, source);

  model_config c;
  c.architecture = std::string(arch.name);
  c.name = f.string("_name_or_path").value_or("");
  c.norm = arch.norm;
  c.mlp = arch.mlp;
  c.positions = arch.positions;
  c.activation = arch.activation;
  c.qk_norm = arch.qk_norm;

  auto integer = [&](std::string_view k) { return f.integer(k); };
  auto number = [&](std::string_view k) { return f.number(k); };
  c.vocab_size = f.required(f.integer("vocab_size"), "vocab_size");
  c.hidden_size = f.required(detail::first_of(integer, {"hidden_size", "n_embd"}), "hidden_size");
  c.n_layers =
      f.required(detail::first_of(integer, {"num_hidden_layers", "n_layer"}), "num_hidden_layers");
  c.n_heads = f.required(detail::first_of(integer, {"num_attention_heads", "n_head"}),
                         "num_attention_heads");
  c.n_kv_heads = f.integer("num_key_value_heads").value_or(c.n_heads);
  if (c.n_heads <= 0) throw format_error(source, "num_attention_heads", "must be positive");
  c.head_dim = f.integer("head_dim").value_or(c.hidden_size / c.n_heads);
  if (!f.has("head_dim") && c.hidden_size % c.n_heads != 0)
    throw format_error(source, "num_attention_heads",
                       "does not divide hidden_size and no head_dim is given");
  if (arch.mlp == mlp_kind::plain)  // GPT-2: n_inner, default 4·n_embd
    c.ffn_size = f.integer("n_inner").value_or(4 * c.hidden_size);
  else
    c.ffn_size = f.required(f.integer("intermediate_size"), "intermediate_size");
  c.max_positions =
      detail::first_of(integer, {"max_position_embeddings", "n_positions"}).value_or(0);
  c.norm_eps = detail::first_of(number, {"rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps"})
                   .value_or(arch.norm == norm_kind::rms ? 1e-6 : 1e-5);

  // Activation: llama-like configs say hidden_act, GPT-2 activation_function, gemma
  // hidden_activation.
  const char* act_key = arch.naming == hf_naming::gpt2             ? "activation_function"
                        : arch.gemma && f.has("hidden_activation") ? "hidden_activation"
                                                                   : "hidden_act";
  const auto act = f.string(act_key);
  if (act) {
    const std::string a = *act;
    if (a == "silu" || a == "swish")
      c.activation = activation_kind::silu;
    else if (a == "gelu_new" || a == "gelu_pytorch_tanh" || a == "gelu_fast")
      c.activation = activation_kind::gelu_tanh;
    else if (a == "gelu")
      c.activation = activation_kind::gelu_erf;
    else
      throw unsupported_error(source + ": " + act_key + ": '" + a +
                              "' is not supported (silu, gelu, gelu_new, gelu_pytorch_tanh)");
  }

  // attention_bias puts biases on q, k, v and o (LlamaAttention, Qwen3Attention); qwen2 has fixed
  // q/k/v biases and none on o.
  const bool attention_bias = arch.name != "qwen2" && f.boolean("attention_bias").value_or(false);
  c.qkv_bias = arch.qkv_bias || attention_bias;
  c.o_bias = arch.o_bias || attention_bias;
  c.mlp_bias = arch.mlp_bias || f.boolean("mlp_bias").value_or(false);
  c.tied_embeddings = f.boolean("tie_word_embeddings").value_or(arch.default_tied);

  // Gemma (Gemma2Config / Gemma3TextConfig defaults where a key is missing; null switches a
  // soft-cap off): embeddings × √hidden, RMSNorm by (1 + w), post-norms, scores scaled by
  // query_pre_attn_scalar^-½ instead of head_dim^-½.
  if (arch.gemma) {
    const bool g2 = arch.name == "gemma2";
    c.norm_plus_one = true;
    c.post_norms = true;
    c.embed_scale = std::sqrt(static_cast<double>(c.hidden_size));
    c.attn_scale = 1.0 / std::sqrt(f.number("query_pre_attn_scalar").value_or(256.0));
    auto cap = [&](const char* key, double dflt) {
      return f.present(key) ? f.number(key).value_or(0.0) : dflt;
    };
    c.attn_softcap = cap("attn_logit_softcapping", g2 ? 50.0 : 0.0);
    c.final_softcap = cap("final_logit_softcapping", g2 ? 30.0 : 0.0);
  }

  if (c.positions == position_kind::rope) {
    c.rope.layout = rope_layout::half_split;  // HF weights are never permuted
    c.rope.theta = arch.name == "gemma3" ? 1e6 : 10000.0;
    if (auto t = f.number("rope_theta")) c.rope.theta = *t;
    if (auto rs = f.object("rope_scaling")) detail::read_rope_dict(*rs, c.rope);
    // Local (sliding-window) layers share the global rope, except gemma3's: its own base
    // (legacy rope_local_base_freq, default 10000) and no scaling.
    c.rope_local = c.rope;
    if (arch.name == "gemma3") {
      c.rope_local = rope_config{};
      c.rope_local.theta = f.number("rope_local_base_freq").value_or(10000.0);
    }
    if (auto rp = f.object("rope_parameters")) {
      if (auto full = rp->object("full_attention")) {
        detail::read_rope_dict(*full, c.rope);
        c.rope_local = c.rope;
        if (auto local = rp->object("sliding_attention")) {
          c.rope_local = rope_config{};
          detail::read_rope_dict(*local, c.rope_local);
        }
      } else {
        detail::read_rope_dict(*rp, c.rope);
        if (arch.name != "gemma3") c.rope_local = c.rope;
      }
    }
    if (c.rope.scaling == rope_scaling_kind::longrope) {
      // transformers' _compute_longrope_parameters: phi3 keeps the pre-training context in a
      // top-level original_max_position_embeddings and then factor = max / original.
      auto& r = c.rope;
      if (auto orig = f.integer("original_max_position_embeddings")) {
        r.original_max_positions = *orig;
        if (*orig > 0) r.factor = static_cast<double>(c.max_positions) / static_cast<double>(*orig);
      } else if (r.original_max_positions <= 0) {
        r.original_max_positions = c.max_positions;
      }
      if (!(r.factor > 0)) r.factor = 1.0;
      if (!(r.attention_factor > 0))
        r.attention_factor =
            r.factor <= 1.0
                ? 1.0
                : std::sqrt(1.0 + std::log(r.factor) /
                                      std::log(static_cast<double>(
                                          std::max<std::int64_t>(r.original_max_positions, 2))));
    }
    double partial = f.number("partial_rotary_factor").value_or(1.0);
    if (auto rp = f.object("rope_parameters"))
      if (auto p = rp->number("partial_rotary_factor")) partial = *p;
    if (!(partial > 0 && partial <= 1))
      throw format_error(source, "partial_rotary_factor", "must be in (0, 1]");
    c.rope.rotary_dim = static_cast<std::int64_t>(static_cast<double>(c.head_dim) * partial);
    c.rope.rotary_dim -= c.rope.rotary_dim % 2;
    c.rope_local.rotary_dim = c.rope.rotary_dim;
    c.rope_local.layout = c.rope.layout;
  }

  // Sliding windows: transformers 5 lists layer_types; older configs say sliding_window
  // (mistral: every layer) or use_sliding_window + max_window_layers (qwen2).
  c.layers.assign(static_cast<std::size_t>(std::max<std::int64_t>(c.n_layers, 0)), layer_config{});
  const std::int64_t window =
      f.present("sliding_window") || !arch.gemma ? f.integer("sliding_window").value_or(0) : 4096;
  if (auto types = f.array("layer_types")) {
    std::size_t i = 0;
    for (auto t : *types) {
      std::string_view s;
      if (t.get_string().get(s) || i >= c.layers.size())
        throw format_error(source, "layer_types", "expected one string per layer");
      if (s == "sliding_attention") {
        c.layers[i].sliding_window = window;
        c.layers[i].local_rope = true;
      } else if (s != "full_attention") {
        throw unsupported_error(source + ": layer_types: '" + std::string(s) +
                                "' is not supported");
      }
      ++i;
    }
    if (i != c.layers.size())
      throw format_error(source, "layer_types", "expected one entry per layer");
  } else if (arch.gemma) {
    // Before layer_types: gemma2 alternates sliding (even) and global layers; gemma3 has one
    // global layer every sliding_window_pattern (6) layers.
    const std::int64_t pattern =
        arch.name == "gemma2" ? 2 : f.integer("sliding_window_pattern").value_or(6);
    for (std::int64_t i = 0; i < c.n_layers; ++i)
      if (pattern <= 0 || (i + 1) % pattern != 0) {
        c.layers[static_cast<std::size_t>(i)].sliding_window = arch.gemma ? window : 0;
        c.layers[static_cast<std::size_t>(i)].local_rope = true;
      }
  } else if (model_type == "mistral" || model_type == "phi3") {
    for (auto& l : c.layers) l.sliding_window = window;
  } else if (f.boolean("use_sliding_window").value_or(false)) {
    const std::int64_t from = f.integer("max_window_layers").value_or(0);
    for (std::int64_t i = std::max<std::int64_t>(from, 0); i < c.n_layers; ++i)
      c.layers[static_cast<std::size_t>(i)].sliding_window = window;
  }
  // A window is only meaningful where it is positive; a mistral window of null means none.
  for (auto& l : c.layers)
    if (l.sliding_window <= 0) l.sliding_window = 0, l.local_rope = false;

  c.validate(source);
  return c;
}

// Reads `path` (a config.json file, or a directory holding one).
inline model_config load_hf_config(const std::filesystem::path& path) {
  std::filesystem::path file = path;
  if (std::filesystem::is_directory(file)) file /= "config.json";
  simdjson::padded_string text;
  if (auto err = simdjson::padded_string::load(file.string()).get(text))
    throw format_error(file.string(), "file", simdjson::error_message(err));
  return parse_hf_config(std::string_view(text.data(), text.size()), file.string());
}

}  // namespace flipside
