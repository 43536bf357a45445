// Prompt templates: how one exemplar, the query and the label options are written.
//
// The paper's format (Wei et al. 2023, appendix) is
//
//   Input: <sentence>
//   Output: <label>
//
// with exemplars separated by a blank line, and the query written the same way up to "Output:".
// A template is kept as pieces rather than as a format string so that the prompt keeps its token
// structure: the query ends with the output cue ("\nOutput:") and every label option is a
// continuation that carries its own leading space (" Positive Sentiment") — the way BPE
// tokenizers split "Output: Positive" — so that prefix + query + option is exactly the text a
// model sees, and the boundaries fall where tokens end.
//
// A user string "<before>{input}<between>{label}<after>" maps to: input_prefix = <before>;
// output_cue = <between> without its trailing spaces/tabs; label_lead = those spaces/tabs;
// label_suffix = <after>. Multi-field inputs (premise, hypothesis) are joined by field_separator
// (a newline: the paper puts the two sentences on separate lines).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

struct prompt_template {
  std::string instruction;  // optional text before the exemplars
  std::string input_prefix = "Input: ";
  std::string output_cue = "\nOutput:";  // the query ends here
  std::string label_lead = " ";          // starts every label option
  std::string label_suffix;              // after the label inside an exemplar
  std::string field_separator = "\n";
  std::string exemplar_separator = "\n\n";

  std::string render_input(const std::vector<std::string>& fields) const {
    std::string s = input_prefix;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) s += field_separator;
      s += fields[i];
    }
    return s;
  }
  std::string render_query(const std::vector<std::string>& fields) const {
    return render_input(fields) + output_cue;
  }
  std::string option(const std::string& word) const { return label_lead + word; }
  std::string render_exemplar(const std::vector<std::string>& fields,
                              const std::string& word) const {
    return render_query(fields) + option(word) + label_suffix;
  }

  // The user-string form: "Input: {input}\nOutput: {label}".
  std::string spec() const {
    return input_prefix + "{input}" + output_cue + label_lead + "{label}" + label_suffix;
  }
};

// Parses "<before>{input}<between>{label}<after>" (see the file comment). The instruction and the
// separators keep their defaults.
inline prompt_template parse_template(std::string_view spec) {
  const auto bad = [&](const std::string& why) {
    return argument_error("template '" + std::string(spec) + "': " + why);
  };
  const auto in = spec.find("{input}");
  const auto lab = spec.find("{label}");
  if (in == std::string_view::npos) throw bad("no {input}");
  if (lab == std::string_view::npos) throw bad("no {label}");
  if (spec.find("{input}", in + 1) != std::string_view::npos) throw bad("{input} twice");
  if (spec.find("{label}", lab + 1) != std::string_view::npos) throw bad("{label} twice");
  if (lab < in) throw bad("{label} must come after {input}");
  prompt_template t;
  t.input_prefix = std::string(spec.substr(0, in));
  std::string between(spec.substr(in + 7, lab - in - 7));
  std::size_t cut = between.size();
  while (cut > 0 && (between[cut - 1] == ' ' || between[cut - 1] == '\t')) --cut;
  t.label_lead = between.substr(cut);
  t.output_cue = between.substr(0, cut);
  t.label_suffix = std::string(spec.substr(lab + 7));
  return t;
}

namespace templates {
inline prompt_template paper() { return {}; }
inline prompt_template qa() { return parse_template("Q: {input}\nA: {label}"); }
inline prompt_template question_answer() {
  return parse_template("Question: {input}\nAnswer: {label}");
}
inline prompt_template arrow() { return parse_template("{input} -> {label}"); }
}  // namespace templates

// C-style escapes \n \t \\ in a command-line template or instruction.
inline std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[i + 1];
      if (c == 'n' || c == 't' || c == '\\') {
        out.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : '\\');
        ++i;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// "paper" | "qa" | "question" | "arrow" | a user string with {input} and {label} (escapes allowed).
inline prompt_template template_named(std::string_view name) {
  if (name == "paper" || name == "default") return templates::paper();
  if (name == "qa") return templates::qa();
  if (name == "question") return templates::question_answer();
  if (name == "arrow") return templates::arrow();
  if (name.find("{input}") != std::string_view::npos) return parse_template(unescape(name));
  throw argument_error("unknown template '" + std::string(name) +
                       "' (paper, qa, question, arrow, or a string with {input} and {label})");
}

}  // namespace flipside
