// How a few-shot prompt becomes tokens, under two tokenizers — and why the label word's leading
// space matters when scoring labels.
//
//   build/examples/tokenize [path/to/shared]
//
// A classification prompt ends with "Sentiment:" and the model is asked which label comes next.
// What comes next in the text is " positive" (with the space), so the token to score is the one
// the tokenizer produces for the label *in context*. Byte-level BPE (GPT-2, Llama-3, Qwen) has a
// separate token for the word with its space ("Ġpositive") and without it ("positive"): scoring
// encode("positive") asks about a string that never follows "Sentiment:". SentencePiece (Llama-2)
// instead puts a '▁' before every text it encodes, so encode("positive") is already
// "▁positive" and encode(" positive") has one '▁' too many. The robust rule for every tokenizer:
// encode(prompt + label) and take the tokens after encode(prompt).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <flipside/tokenizer.hpp>

namespace {

std::string show_ids(const flipside::tokenizer& tk, const std::vector<flipside::token_id>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(ids[i]) + " '" + std::string(tk.token_to_piece(ids[i])) +
         "'";
  }
  return s + "]";
}

void explain(const char* title, const flipside::tokenizer& tk, const std::string& prompt) {
  const auto ids = tk.encode(prompt);
  std::printf("%s: the prompt is %zu tokens; its last line splits as\n  ", title, ids.size());
  // The tokens of the last line ("Sentiment:"), shown as pieces.
  std::size_t start = ids.size();
  while (start > 0 && tk.token_to_text(ids[start - 1]).find('\n') == std::string::npos) --start;
  for (std::size_t i = start; i < ids.size(); ++i) {
    std::printf("%s'%s'", i > start ? " | " : "", std::string(tk.token_to_piece(ids[i])).c_str());
  }
  std::printf("\n");
  for (const std::string label : {"positive", "negative"}) {
    const auto with = tk.encode(prompt + " " + label);
    const std::vector<flipside::token_id> in_context(with.begin() + ids.size(), with.end());
    const auto spaced = tk.encode(" " + label);
    const auto bare = tk.encode(label);
    std::printf("  label in context       %s\n", show_ids(tk, in_context).c_str());
    std::printf("  encode(\" %s\")   %s %s\n", label.c_str(), show_ids(tk, spaced).c_str(),
                spaced == in_context ? "same" : "DIFFERENT");
    std::printf("  encode(\"%s\")    %s %s\n", label.c_str(), show_ids(tk, bare).c_str(),
                bare == in_context ? "same" : "DIFFERENT");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string shared = argc > 1 ? argv[1] : FLIPSIDE_SHARED_DIR_DEFAULT;
  const std::string prompt =
      "Review: a gorgeous, witty, seductive movie.\nSentiment: positive\n\n"
      "Review: the plot is nothing but boilerplate cliches.\nSentiment: negative\n\n"
      "Review: an utterly charming and hilarious film.\nSentiment:";
  try {
    explain("gpt2 (byte-level BPE)", flipside::load_tokenizer(shared + "/tokenizers/gpt2"), prompt);
    explain("llama2 (SentencePiece BPE)", flipside::load_tokenizer(shared + "/tokenizers/llama2"),
            prompt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenize: %s\n(pass the path of the shared data directory)\n", e.what());
    return 1;
  }
  return 0;
}

// Expected output (with ../shared):
// gpt2 (byte-level BPE): the prompt is 51 tokens; its last line splits as
//   'Sent' | 'iment' | ':'
//   label in context       [3967 'Ġpositive']
//   encode(" positive")   [3967 'Ġpositive'] same
//   encode("positive")    [24561 'positive'] DIFFERENT
//   label in context       [4633 'Ġnegative']
//   encode(" negative")   [4633 'Ġnegative'] same
//   encode("negative")    [31591 'negative'] DIFFERENT
// llama2 (SentencePiece BPE): the prompt is 55 tokens; its last line splits as
//   'Sent' | 'iment' | ':'
//   label in context       [5278 '▁positive']
//   encode(" positive")   [28705 '▁', 5278 '▁positive'] DIFFERENT
//   encode("positive")    [5278 '▁positive'] same
//   label in context       [7087 '▁negative']
//   encode(" negative")   [28705 '▁', 7087 '▁negative'] DIFFERENT
//   encode("negative")    [7087 '▁negative'] same
