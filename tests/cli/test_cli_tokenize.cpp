// `flipside tokenize` / `flipside detokenize` run as a user runs them (stdin → stdout), against the
// ids of Hugging Face's `tokenizers` (../shared/golden/tokenizers/hf-tokenizers.json).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <simdjson.h>
#include <sys/wait.h>

#include "scratch_dir.hpp"
#include "shared_data.hpp"

namespace {

using flipside::test::scratch_dir;
using flipside::test::slurp;
using flipside::test::spit;

// Runs `flipside ARGS < in` and returns its stdout; the exit status must be `want_status`.
std::string run_cli(const std::string& args, const std::filesystem::path& in, int want_status = 0,
                    std::string* err = nullptr) {
  scratch_dir tmp("cli-run");
  const auto out = tmp / "out", errf = tmp / "err";
  const std::string cmd = std::string("'") + FLIPSIDE_CLI_PATH + "' " + args + " < '" +
                          in.string() + "' > '" + out.string() + "' 2> '" + errf.string() + "'";
  const int rc = std::system(cmd.c_str());
  INFO(cmd << "\nstderr: " << slurp(errf));
  REQUIRE(rc != -1);
  CHECK(WEXITSTATUS(rc) == want_status);
  if (err) *err = slurp(errf);
  return slurp(out);
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t b = 0;
  for (std::size_t e; (e = s.find('\n', b)) != std::string::npos; b = e + 1)
    lines.push_back(s.substr(b, e - b));
  if (b < s.size()) lines.push_back(s.substr(b));
  return lines;
}

}  // namespace

TEST_CASE("flipside tokenize and detokenize reproduce HF tokenizers' ids and round-trip the text") {
  FLIPSIDE_SHARED_OR_SKIP(ref_path, "golden/tokenizers/hf-tokenizers.json");
  simdjson::dom::parser parser;
  const simdjson::dom::element ref = parser.load(ref_path.string());
  scratch_dir tmp("cli-tok");
  // The texts, one JSON string per line (simdjson re-serialises each literal).
  std::string texts_jsonl;
  std::vector<std::string> texts;
  for (simdjson::dom::element t : ref["texts"].get_array()) {
    texts_jsonl += simdjson::to_string(t) + "\n";
    texts.emplace_back(std::string_view(t));
  }
  spit(tmp / "texts.jsonl", texts_jsonl);
  REQUIRE(texts.size() >= 200);

  for (const char* name : {"gpt2", "llama2", "llama3", "qwen3"}) {
    FLIPSIDE_SHARED_OR_SKIP(dir, std::string("tokenizers/") + name);
    for (const char* mode : {"plain", "special"}) {
      INFO(name << " " << mode);
      const std::string args = std::string("tokenize --tokenizer '") + dir.string() + "'" +
                               (std::string(mode) == "special" ? " --special" : "");
      const std::vector<std::string> got = split_lines(run_cli(args, tmp / "texts.jsonl"));
      const simdjson::dom::array want = ref["ids"][name][mode].get_array();
      REQUIRE(got.size() == want.size());
      std::size_t i = 0, mismatches = 0;
      std::string ids_jsonl;
      for (simdjson::dom::element w : want) {
        const std::string w_line = simdjson::minify(w);
        if (got[i] != w_line) {
          ++mismatches;
          UNSCOPED_INFO("text " << i << ": got " << got[i] << " want " << w_line);
        }
        ids_jsonl += got[i] + "\n";
        ++i;
      }
      CHECK(mismatches == 0);
      // Byte-level BPE decodes to exactly the text it encoded (SentencePiece's llama2 drops the
      // dummy-prefix space and is not a round trip by design).
      if (std::string(mode) == "plain" && std::string(name) != "llama2") {
        spit(tmp / "ids.jsonl", ids_jsonl);
        const std::vector<std::string> back = split_lines(
            run_cli("detokenize --tokenizer '" + dir.string() + "'", tmp / "ids.jsonl"));
        REQUIRE(back.size() == texts.size());
        std::size_t differ = 0;
        for (std::size_t j = 0; j < back.size(); ++j) {
          std::string_view s;
          simdjson::dom::parser p;
          REQUIRE_FALSE(p.parse(back[j]).get_string().get(s));
          if (s != texts[j]) ++differ;
        }
        CHECK(differ == 0);
      }
    }
  }
}

TEST_CASE("flipside tokenize / detokenize name the stdin line of bad input") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "tokenizers/gpt2");
  scratch_dir tmp("cli-bad");
  spit(tmp / "in", "\"fine\"\n{not json\n");
  std::string err;
  const std::string out =
      run_cli("tokenize --tokenizer '" + dir.string() + "'", tmp / "in", 1, &err);
  // The good line before the bad one is still answered.
  const auto lines = split_lines(out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].front() == '[');
  CHECK_THAT(err, Catch::Contains("stdin") && Catch::Contains("line 2"));
  spit(tmp / "ids", "[15496,99999999]\n");
  run_cli("detokenize --tokenizer '" + dir.string() + "'", tmp / "ids", 1, &err);
  CHECK_THAT(err, Catch::Contains("line 1") && Catch::Contains("token ids in [0, 50257)"));
}
