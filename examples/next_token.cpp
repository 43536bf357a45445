// next_token: load a model, feed it a few token ids, print the five most likely next tokens.
//
//   next_token [MODEL] [ID ...]
//
// MODEL is a .gguf file or a Hugging Face model directory (default: the tiny random llama of
// ../shared/golden/hf/llama); the ids default to 1 15 29 300 7. Without a tokenizer we print ids;
// flipside::tokenizer turns text into ids and ids back into text.
//
// Expected output with the defaults (a random model, so the "words" mean nothing):
//
//   model: llama, 3 layers, hidden 128, vocab 1024 (huggingface)
//   prompt: 1 15 29 300 7
//   next token   probability
//           747        0.0088
//           520        0.0086
//           878        0.0081
//           516        0.0072
//           884        0.0069
//
// (the same from ../shared/golden/gguf/llama/model-f32.gguf, llama.cpp's conversion of it).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include <flipside/model.hpp>

int main(int argc, char** argv) try {
  const std::string path =
      argc > 1 ? argv[1] : std::string(FLIPSIDE_SHARED_DIR_DEFAULT) + "/golden/hf/llama";
  std::vector<std::int32_t> ids;
  for (int i = 2; i < argc; ++i) ids.push_back(static_cast<std::int32_t>(std::atoi(argv[i])));
  if (ids.empty()) ids = {1, 15, 29, 300, 7};

  // Loading maps the weights; f32/f16/bf16 matrices are used where they lie in the file.
  const flipside::model m = flipside::model::load(path);
  const auto& c = m.config();
  std::printf("model: %s, %lld layers, hidden %lld, vocab %lld (%s)\n", c.architecture.c_str(),
              static_cast<long long>(c.n_layers), static_cast<long long>(c.hidden_size),
              static_cast<long long>(c.vocab_size),
              m.format() == flipside::model_format::gguf ? "gguf" : "huggingface");

  // One sequence: a KV cache sized for the prompt, the prompt in one batched forward pass, and the
  // logits of the last position only.
  flipside::thread_pool pool(2);
  auto cache = m.new_cache(ids.size());
  const auto r = m.forward(cache, ids, flipside::output_rows::last, {/*logits=*/true, &pool});
  const float* logits = r.logits_row(0);

  // Softmax over the vocabulary (subtract the max for stability), then the five largest.
  const std::size_t V = static_cast<std::size_t>(c.vocab_size);
  const float mx = *std::max_element(logits, logits + V);
  double z = 0;
  for (std::size_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(logits[v] - mx));
  std::vector<std::size_t> order(V);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                    [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });

  std::printf("prompt:");
  for (auto t : ids) std::printf(" %d", t);
  std::printf("\nnext token   probability\n");
  for (std::size_t i = 0; i < 5; ++i)
    std::printf("%11zu   %11.4f\n", order[i],
                std::exp(static_cast<double>(logits[order[i]] - mx)) / z);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "next_token: %s\n", e.what());
  return 1;
}
