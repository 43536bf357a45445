// Progress of a sweep on stderr: cells done / total, computed tokens/s and ETA. On a terminal
// (isatty) it redraws one line in place ("\r", at most 10 times a second); otherwise — a log file,
// a cluster job's output — it prints plain lines, every `interval` seconds or every `step` of the
// cells, whichever comes first, so logs stay short and readable. Rates count only the work of
// this process (cells already finished before a --resume are not "fast").
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include <unistd.h>

namespace flipside {

struct progress_options {
  double interval = 10;  // plain mode: seconds between lines
  double step = 0.1;     // plain mode: fraction of the cells between lines
  double redraw = 0.1;   // terminal mode: seconds between redraws
  int bar_width = 24;
  std::string label = "cells";
};

class progress_reporter {
 public:
  using options = progress_options;
  using clock_fn = std::function<double()>;  // seconds, monotonic

  // `tty`: -1 = ask isatty(fileno(out)), 0 = plain lines, 1 = terminal bar.
  progress_reporter(std::size_t total, std::size_t already_done = 0, std::FILE* out = stderr,
                    int tty = -1, options opt = {}, clock_fn now = {})
      : total_(total),
        done_(already_done),
        start_done_(already_done),
        out_(out),
        opt_(std::move(opt)),
        now_(now ? std::move(now) : clock_fn(steady_seconds)) {
    tty_ = tty < 0 ? (out_ && ::isatty(::fileno(out_)) == 1) : tty == 1;
    start_ = last_draw_ = now_();
    last_line_done_ = done_;
  }

  // `cells` finished, having computed `tokens` through the model.
  void advance(std::size_t cells = 1, std::uint64_t tokens = 0) {
    done_ += cells;
    tokens_ += tokens;
    maybe_draw(false);
  }
  // Tokens computed inside a cell still running (keeps tokens/s live on long cells).
  void add_tokens(std::uint64_t tokens) {
    tokens_ += tokens;
    maybe_draw(false);
  }
  // The final line (and the newline that ends the bar on a terminal).
  void finish() {
    if (finished_) return;
    finished_ = true;
    // A plain line already showing the final count (the 100 % step) is not repeated.
    if (!tty_ && lines_ > 0 && last_line_done_ == done_) return;
    draw(true);
  }

  // "12/60 cells (20.0 %)  1534 tok/s  elapsed 1m05s  ETA 4m20s" — no bar, no newline.
  std::string status() const {
    const double t = now_() - start_;
    const std::size_t session = done_ - start_done_;
    std::string s = std::to_string(done_) + "/" + std::to_string(total_) + " " + opt_.label;
    char buf[96];
    std::snprintf(buf, sizeof buf, " (%.1f %%)",
                  total_ ? 100.0 * double(done_) / double(total_) : 100.0);
    s += buf;
    if (t > 0 && tokens_) {
      std::snprintf(buf, sizeof buf, "  %.0f tok/s", double(tokens_) / t);
      s += buf;
    }
    s += "  elapsed " + format_duration(t);
    if (done_ < total_) {
      if (session > 0 && t > 0)
        s += "  ETA " + format_duration(t / double(session) * double(total_ - done_));
      else
        s += "  ETA ?";
    }
    return s;
  }

  bool is_tty() const { return tty_; }
  std::size_t done() const { return done_; }

  // "1h02m", "4m05s", "9s".
  static std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto s = static_cast<long long>(seconds + 0.5);
    char buf[48];
    if (s >= 3600)
      std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s / 60) % 60);
    else if (s >= 60)
      std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
    else
      std::snprintf(buf, sizeof buf, "%llds", s);
    return buf;
  }

 private:
  static double steady_seconds() {
    using namespace std::chrono;
    return duration_cast<duration<double>>(steady_clock::now().time_since_epoch()).count();
  }

  void maybe_draw(bool force) {
    const double t = now_();
    if (tty_) {
      if (force || t - last_draw_ >= opt_.redraw || done_ >= total_) draw(false);
      return;
    }
    const bool by_time = t - last_draw_ >= opt_.interval;
    const bool by_step = total_ && double(done_ - last_line_done_) >= opt_.step * double(total_) &&
                         done_ > last_line_done_;
    if (force || by_time || by_step) draw(false);
  }

  void draw(bool final_line) {
    last_draw_ = now_();
    last_line_done_ = done_;
    ++lines_;
    if (!out_) return;
    if (tty_) {
      const int w = opt_.bar_width;
      const int filled = total_ ? static_cast<int>(double(w) * double(done_) / double(total_)) : w;
      std::string bar = "[" + std::string(std::size_t(std::min(filled, w)), '#') +
                        std::string(std::size_t(w - std::min(filled, w)), '.') + "] ";
      // \r + clear-to-end-of-line keeps one line however the status length changes.
      std::fprintf(out_, "\r%s%s\x1b[K%s", bar.c_str(), status().c_str(), final_line ? "\n" : "");
    } else {
      std::fprintf(out_, "progress: %s\n", status().c_str());
    }
    std::fflush(out_);
  }

  std::size_t total_, done_, start_done_;
  std::uint64_t tokens_ = 0;
  std::FILE* out_;
  options opt_;
  clock_fn now_;
  bool tty_ = false;
  bool finished_ = false;
  double start_ = 0, last_draw_ = 0;
  std::size_t last_line_done_ = 0;
  std::size_t lines_ = 0;  // status lines drawn
};

}  // namespace flipside
