// One self-overwriting status line on stderr while a long command works (run's progress, plan's
// search): redrawn at most four times a second (a terminal cannot show more, and redrawing costs
// time), first drawn a quarter of a second after the start (short commands print nothing), and
// only when stderr is a terminal, so logs and captured output never hold it.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace sharesim::cli {

class StatusLine {
 public:
  using Clock = std::chrono::steady_clock;
  // Enabled when wanted (not --quiet) and stderr is a terminal.
  explicit StatusLine(bool wanted) : enabled_(wanted && isatty(STDERR_FILENO) == 1) {}

  // Whether a redraw is due now (then draw() must follow).
  bool due() {
    if (!enabled_) return false;
    const Clock::time_point now = Clock::now();
    if (now - (drawn_ ? last_draw_ : start_) < std::chrono::milliseconds(250)) return false;
    last_draw_ = now;
    drawn_ = true;
    return true;
  }
  void draw(const std::string& text) const {
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    std::fflush(stderr);
  }
  [[nodiscard]] double elapsed_s() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }

  // Clears the line so that what follows starts on a clean line.
  void finish() const {
    if (!drawn_) return;
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace sharesim::cli
