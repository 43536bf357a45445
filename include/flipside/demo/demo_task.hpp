// The built-in demonstration task: single sentiment words with a valence of ±1 (Wei et al. 2023's
// setting in miniature: "Input: great\nOutput: Positive"). Class 0 is negative and class 1
// positive, as in SST-2; the label words are "Negative" / "Positive" — single tokens of the demo
// tokenizer, like " Foo" / " Bar" for SUL-ICL.
//
// 40 words per class; holdout_split(every = 5) puts every 5th word of each class in the test
// split: 32 train + 8 test words per class, so k ≤ 32 exemplars per class and 16 eval examples.
// It needs no files, so `flipside run` with no arguments works on a fresh clone.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <flipside/data/dataset.hpp>
#include <flipside/data/example.hpp>
#include <flipside/data/task.hpp>

namespace flipside {

struct demo_word {
  const char* text;  // shown after "Input: " (the tokenizer makes " text" one token)
  int valence;       // +1 positive, −1 negative
};

// The words, positive and negative interleaved (so a holdout split is balanced).
inline const std::vector<demo_word>& demo_sentiment_words() {
  static const std::vector<demo_word> words = [] {
    const char* pos[] = {"great",       "good",        "wonderful",  "excellent", "amazing",
                         "lovely",      "superb",      "brilliant",  "fantastic", "delightful",
                         "pleasant",    "charming",    "beautiful",  "perfect",   "terrific",
                         "splendid",    "marvelous",   "fabulous",   "joyful",    "cheerful",
                         "glorious",    "gorgeous",    "graceful",   "happy",     "heavenly",
                         "magnificent", "outstanding", "remarkable", "stunning",  "sublime",
                         "fine",        "nice",        "elegant",    "exquisite", "radiant",
                         "touching",    "moving",      "inspiring",  "enjoyable", "admirable"};
    const char* neg[] = {
        "awful",     "bad",        "terrible",   "horrible",  "dreadful", "poor",     "ugly",
        "boring",    "nasty",      "miserable",  "dismal",    "lousy",    "painful",  "disgusting",
        "gloomy",    "tedious",    "dull",       "bleak",     "clumsy",   "annoying", "appalling",
        "atrocious", "shoddy",     "wretched",   "pathetic",  "mediocre", "grim",     "sad",
        "hideous",   "vile",       "tiresome",   "stale",     "sloppy",   "lifeless", "tasteless",
        "dreary",    "irritating", "unpleasant", "offensive", "worthless"};
    static_assert(sizeof pos == sizeof neg, "as many positive as negative words");
    std::vector<demo_word> w;
    for (std::size_t i = 0; i < sizeof pos / sizeof pos[0]; ++i) {
      w.push_back({pos[i], +1});
      w.push_back({neg[i], -1});
    }
    return w;
  }();
  return words;
}

inline constexpr const char* demo_task_name = "demo";

inline task_info demo_task_info() {
  return {demo_task_name, {"negative", "positive"}, {"Negative", "Positive"}, {"word"}};
}

// The task with its train / test splits (holdout_split, every 5th word of each class → test).
inline dataset demo_task() {
  dataset d;
  d.task = demo_task_info();
  std::vector<example> all;
  for (const auto& w : demo_sentiment_words()) {
    example e;
    e.fields = {w.text};
    e.label = w.valence > 0 ? 1 : 0;
    all.push_back(std::move(e));
  }
  holdout_split(all, 2, 5, d.train, d.test);
  d.split_rule =
      "built-in demo words; test = every 5th word of each class in list order, train = the rest";
  return d;
}

}  // namespace flipside
