#pragma once
// A one-line progress display (files, bytes, ETA) for long packs. It draws
// only when stderr is a terminal, so logs and pipes stay clean.
#include <cstdint>
#include <mutex>
#include <string>

#include "util/timer.h"

namespace pybcast {

class Progress {
 public:
  Progress(bool enabled, std::string label, uint64_t total_files, uint64_t total_bytes);
  ~Progress() { done(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Safe to call from several threads.
  void add(uint64_t files, uint64_t bytes);
  /// Erases the line.
  void done();

 private:
  void draw();

  bool enabled_;
  std::string label_;
  uint64_t total_files_, total_bytes_;
  uint64_t files_ = 0, bytes_ = 0;
  double last_draw_ = -1;
  bool drawn_ = false;
  Stopwatch clock_;
  std::mutex mutex_;
};

/// "3210 files, 58.1 MiB -> 15.2 MiB (3.82x) in 2.10 s"
std::string format_summary(uint64_t files, uint64_t unpacked, uint64_t packed, double seconds);

}  // namespace pybcast
