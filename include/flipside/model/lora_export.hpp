// Writing a LoRA adapter as a GGUF adapter file with llama.cpp's conventions (its
// convert_lora_to_gguf.py): general.type = adapter, adapter.type = lora, adapter.lora.alpha, f32
// tensors `<base GGUF tensor>.lora_a` [r, in] and `.lora_b` [out, r]; for `llama` the Q/K rows of
// B permuted like the base's Q/K rows, so that the file applies to a llama.cpp-converted base.
#pragma once

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/io/gguf_writer.hpp>
#include <flipside/model/architecture.hpp>
#include <flipside/model/config.hpp>
#include <flipside/model/lora_adapter.hpp>
#include <flipside/model/lora_apply.hpp>

namespace flipside {

// Writes `ad` (loaded for a base with config `base`) to `out`. The file carries one alpha, so all
// pairs must share scaling · rank (true of every PEFT adapter without rank or alpha patterns).
inline void write_gguf_lora(const lora_adapter& ad, const model_config& base,
                            const std::filesystem::path& out) {
  const architecture_info& arch = architecture_or_throw(base.architecture, ad.file);
  if (ad.pairs.empty()) throw argument_error("write_gguf_lora: the adapter has no tensors");
  const double alpha = ad.pairs.front().scaling * static_cast<double>(ad.pairs.front().rank);
  gguf_writer w;
  w.set("general.architecture", base.architecture);
  w.set("general.type", std::string("adapter"));
  w.set("adapter.type", std::string("lora"));
  w.set("adapter.lora.alpha", static_cast<float>(alpha));
  auto bytes_of = [](const float* p, std::size_t n) {
    std::vector<std::byte> b(n * sizeof(float));
    std::memcpy(b.data(), p, b.size());
    return b;
  };
  for (const lora_pair& p : ad.pairs) {
    const double a = p.scaling * static_cast<double>(p.rank);
    if (std::fabs(a - alpha) > 1e-6 * std::fabs(alpha))
      throw unsupported_error(ad.file + ": " + p.name +
                              ": a GGUF adapter has one alpha for all tensors; this one's "
                              "scaling differs");
    std::vector<float> b = p.b;
    const bool q = p.role == tensor_role::attn_q, k = p.role == tensor_role::attn_k;
    if (arch.gguf_rope == rope_layout::interleaved && !ad.gguf_layout && (q || k))
      b = detail::permute_head_rows(
          p.b.data(), static_cast<std::size_t>(q ? base.n_heads : base.n_kv_heads),
          static_cast<std::size_t>(base.head_dim), static_cast<std::size_t>(p.rank), true);
    const std::string name = gguf_tensor_name(p.role, p.layer);
    w.add_tensor(name + ".lora_a", dtype::f32, {p.rank, p.in}, bytes_of(p.a.data(), p.a.size()));
    w.add_tensor(name + ".lora_b", dtype::f32, {p.out, p.rank}, bytes_of(b.data(), b.size()));
  }
  w.write(out);
}

}  // namespace flipside
