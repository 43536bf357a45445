// Writes the fuzzers' seed corpus: small but complete GGUF and safetensors files (every metadata
// type, string arrays, plain and quantized tensors, a non-default alignment, every safetensors
// dtype) produced by flipside's own writers.
//   usage: fuzz_make_seeds DIR  → DIR/gguf, DIR/safetensors
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <flipside/io/gguf_writer.hpp>
#include <flipside/io/safetensors_writer.hpp>

namespace fs = std::filesystem;
using flipside::dtype;

namespace {

std::vector<std::byte> pattern(std::size_t n) {
  std::vector<std::byte> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
  return b;
}

void gguf_seeds(const fs::path& dir) {
  {
    flipside::gguf_writer w;
    w.set("general.architecture", "llama");
    w.set("general.name", "seed");
    w.set("llama.block_count", std::uint32_t{2});
    w.set("llama.rope.freq_base", 10000.0f);
    w.set("k.u8", std::uint8_t{1});
    w.set("k.i8", std::int8_t{-1});
    w.set("k.u16", std::uint16_t{2});
    w.set("k.i16", std::int16_t{-2});
    w.set("k.i32", std::int32_t{-3});
    w.set("k.u64", std::uint64_t{4});
    w.set("k.i64", std::int64_t{-4});
    w.set("k.f64", 0.5);
    w.set("k.bool", true);
    w.set("tokenizer.ggml.tokens", std::vector<std::string>{"<s>", "</s>", "a", "b"});
    w.set("tokenizer.ggml.scores", std::vector<float>{0, 0, -1, -2});
    w.set("tokenizer.ggml.token_type", std::vector<std::int32_t>{3, 3, 1, 1});
    w.add_tensor("token_embd.weight", dtype::f32, {4, 8}, pattern(4 * 8 * 4));
    w.add_tensor("blk.0.attn_q.weight", dtype::q8_0, {2, 32}, pattern(2 * 34));
    w.add_tensor("blk.0.ffn_down.weight", dtype::q4_k, {1, 256}, pattern(144));
    w.add_tensor("output_norm.weight", dtype::f16, {8}, pattern(16));
    w.write(dir / "model.gguf");
  }
  {
    flipside::gguf_writer w;
    w.set("general.alignment", std::uint32_t{64});
    w.add_tensor("a", dtype::bf16, {3, 5}, pattern(30));
    w.add_tensor("b", dtype::i32, {2}, pattern(8));
    w.write(dir / "aligned64.gguf");
  }
  {
    flipside::gguf_writer w;
    w.set("general.architecture", "gpt2");
    w.write(dir / "metadata-only.gguf");
  }
}

void safetensors_seeds(const fs::path& dir) {
  {
    flipside::safetensors_writer w;
    w.set_metadata("format", "pt");
    const dtype types[] = {dtype::f32, dtype::f16, dtype::bf16, dtype::f64, dtype::i64,
                           dtype::i32, dtype::i16, dtype::i8,   dtype::u8,  dtype::boolean};
    for (auto t : types) {
      w.add_tensor("t." + flipside::dtype_name(t), t, {2, 3}, pattern(*flipside::bytes_for(t, 6)));
    }
    w.add_tensor("scalar", dtype::f32, {}, pattern(4));
    w.write(dir / "dtypes.safetensors");
  }
  {
    flipside::safetensors_writer w;
    w.add_tensor("model.embed_tokens.weight", dtype::f32, {4, 4}, pattern(64));
    w.add_tensor("model.norm.weight", dtype::f32, {4}, pattern(16));
    w.write(dir / "model.safetensors");
  }
  flipside::safetensors_writer().write(dir / "empty.safetensors");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  try {
    const fs::path root = argv[1];
    fs::create_directories(root / "gguf");
    fs::create_directories(root / "safetensors");
    gguf_seeds(root / "gguf");
    safetensors_seeds(root / "safetensors");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
