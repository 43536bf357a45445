// Prompt assembly: dataset + template + label policy + exemplar sampling → assembled_prompt.
//
//   flipside::prompt_builder build(data, flipside::split::test,
//                                  {flipside::templates::paper(),
//                                   flipside::label_policy::flipped(0.5), /*k*/ 16, /*seed*/ 0});
//   flipside::assembled_prompt p = build(7);   // eval example 7
//
// The sampling mode is a policy type (fresh_per_example, the paper's, by default). Exemplars
// depend on (seed, stream) only — never on the label policy — so prompts of different policies for
// one seed show the same exemplars in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/dataset.hpp>
#include <flipside/prompt/assembled_prompt.hpp>
#include <flipside/prompt/exemplar_sampler.hpp>
#include <flipside/prompt/label_policy.hpp>
#include <flipside/prompt/label_words.hpp>
#include <flipside/prompt/template.hpp>

namespace flipside {

// Renders a prompt from chosen exemplars (train indices, in order) and the classes they show.
inline assembled_prompt assemble_prompt(const prompt_template& t,
                                        const std::vector<std::string>& words,
                                        const std::vector<example>& train,
                                        const std::vector<std::size_t>& exemplars,
                                        const std::vector<int>& shown, const example& query) {
  if (shown.size() != exemplars.size()) {
    throw argument_error("assemble_prompt: one shown class per exemplar needed");
  }
  const std::size_t n_classes = words.size();
  assembled_prompt p;
  // Blocks (instruction, exemplars, query) are joined by the separator; the separator before the
  // query belongs to the query, so that the prefix ends with a label word (see assembled_prompt).
  p.prefix = t.instruction;
  for (std::size_t i = 0; i < exemplars.size(); ++i) {
    const example& e = train.at(exemplars[i]);
    const auto c = static_cast<std::size_t>(shown[i]);
    if (c >= n_classes) throw argument_error("assemble_prompt: shown class out of range");
    if (!p.prefix.empty()) p.prefix += t.exemplar_separator;
    exemplar_slot s;
    s.train_index = exemplars[i];
    s.true_class = e.label;
    s.shown_class = shown[i];
    s.begin = p.prefix.size();
    p.prefix += t.render_query(e.fields);
    s.label_begin = p.prefix.size();
    p.prefix += t.option(words[c]) + t.label_suffix;
    s.end = p.prefix.size();
    p.exemplars.push_back(s);
  }
  p.query =
      (p.prefix.empty() ? std::string() : t.exemplar_separator) + t.render_query(query.fields);
  for (const auto& w : words) p.options.push_back(t.option(w));
  p.label_words = words;
  p.gold = query.label;
  if (query.label >= 0 && n_classes > 0) p.flipped_target = flip_class(query.label, n_classes);
  return p;
}

struct prompt_config {
  prompt_template tmpl = templates::paper();
  label_policy policy = label_policy::gold();
  std::size_t k_per_class = 16;  // the paper's default
  std::uint64_t seed = 0;
};

template <class Sampling = fresh_per_example>
class prompt_builder {
 public:
  // Keeps a reference to `data`, which must outlive the builder.
  prompt_builder(const dataset& data, split eval_split, prompt_config cfg)
      : data_(data),
        eval_(data.get(eval_split)),
        cfg_(std::move(cfg)),
        words_(resolve_label_words(cfg_.policy.words, data.task)),
        sampler_(data.train, data.task.num_classes(), cfg_.k_per_class, &eval_) {
    if (eval_.empty()) {
      throw argument_error("task '" + data.task.name + "': the " + to_string(eval_split) +
                           " split is empty");
    }
  }

  std::size_t size() const noexcept { return eval_.size(); }
  const std::vector<std::string>& label_words() const noexcept { return words_; }
  const prompt_config& config() const noexcept { return cfg_; }
  const exemplar_sampler& sampler() const noexcept { return sampler_; }
  static constexpr const char* sampling_name() noexcept { return Sampling::name; }

  assembled_prompt operator()(std::size_t eval_index) const {
    if (eval_index >= eval_.size()) {
      throw argument_error("eval index " + std::to_string(eval_index) + " out of range (" +
                           std::to_string(eval_.size()) + " examples)");
    }
    const auto picks = sampler_.template sample_for<Sampling>(cfg_.seed, eval_index);
    std::vector<int> truth;
    truth.reserve(picks.size());
    for (const auto i : picks) truth.push_back(data_.train[i].label);
    const auto shown = shown_classes(cfg_.policy.mapping, truth, data_.task.num_classes(),
                                     cfg_.seed, Sampling::stream(eval_index));
    auto p = assemble_prompt(cfg_.tmpl, words_, data_.train, picks, shown, eval_[eval_index]);
    p.eval_index = eval_index;
    return p;
  }

 private:
  const dataset& data_;
  const std::vector<example>& eval_;
  prompt_config cfg_;
  std::vector<std::string> words_;
  exemplar_sampler sampler_;
};

}  // namespace flipside
