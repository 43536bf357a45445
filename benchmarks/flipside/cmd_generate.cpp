// flipside generate --model PATH --tokens 1,2,3 --max-new N [--threads N] [--stop ID]
//
// Greedy decoding from the given token ids; prints the new ids space-separated on one line.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/model/model.hpp>
#include <flipside/parallel/thread_pool.hpp>

#include "command.hpp"

namespace {

struct generate_args {
  std::string model, tokens;
  std::size_t max_new = 16;
  std::size_t threads = 0;
  std::int64_t stop = -1;
};

std::vector<std::int32_t> parse_ids(const std::string& s) {
  std::vector<std::int32_t> ids;
  std::size_t i = 0;
  while (i <= s.size()) {
    const std::size_t j = std::min(s.find(',', i), s.size());
    const std::string item = s.substr(i, j - i);
    std::size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || v < 0 || v > INT32_MAX)
      throw flipside::argument_error("--tokens: '" + item +
                                     "' is not a token id (expected e.g. 1,2,3)");
    ids.push_back(static_cast<std::int32_t>(v));
    i = j + 1;
  }
  return ids;
}

void run_generate(const generate_args& a) {
  const auto prompt = parse_ids(a.tokens);
  const auto m = flipside::model::load(a.model);
  flipside::thread_pool pool(a.threads);
  const auto out = m.generate_greedy(prompt, a.max_new, &pool, static_cast<std::int32_t>(a.stop));
  std::string line;
  for (std::size_t i = 0; i < out.size(); ++i) line += (i ? " " : "") + std::to_string(out[i]);
  std::printf("%s\n", line.c_str());
}

void setup_generate(CLI::App& sub) {
  auto a = std::make_shared<generate_args>();
  sub.add_option("--model", a->model, "a .gguf file or a Hugging Face model directory")->required();
  sub.add_option("--tokens", a->tokens, "prompt token ids, comma-separated")->required();
  sub.add_option("--max-new", a->max_new, "number of tokens to generate");
  sub.add_option("--threads", a->threads, "threads (0: one per core)");
  sub.add_option("--stop", a->stop, "stop after generating this id (e.g. the EOS id)");
  sub.callback([a] { run_generate(*a); });
}

const flipside::cli::command_registrar reg{"generate", "Greedy decoding from token ids",
                                           setup_generate};

}  // namespace
