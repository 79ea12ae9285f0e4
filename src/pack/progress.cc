#include "pack/progress.h"

#include <fmt/format.h>

#include "util/diagnostics.h"
#include "util/units.h"

namespace pybcast {

Progress::Progress(bool enabled, std::string label, uint64_t total_files, uint64_t total_bytes)
    : enabled_(enabled), label_(std::move(label)), total_files_(total_files), total_bytes_(total_bytes) {}

void Progress::add(uint64_t files, uint64_t bytes) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  files_ += files;
  bytes_ += bytes;
  double now = clock_.seconds();
  if (now - last_draw_ >= 0.1) {
    last_draw_ = now;
    draw();
  }
}

void Progress::draw() {
  constexpr int kWidth = 24;
  double fraction = total_bytes_ > 0 ? static_cast<double>(bytes_) / static_cast<double>(total_bytes_) : 1.0;
  fraction = fraction > 1 ? 1 : fraction;
  int filled = static_cast<int>(fraction * kWidth);
  double elapsed = clock_.seconds();
  std::string eta = fraction > 0.02 && elapsed > 0.5 ? format_seconds(elapsed / fraction - elapsed) : "-";
  diag::write_raw(fmt::format("\r{} [{}{}] {}/{} files, {} / {}, ETA {}\x1b[K", label_, std::string(filled, '#'),
                              std::string(kWidth - filled, '.'), files_, total_files_, format_bytes(bytes_),
                              format_bytes(total_bytes_), eta));
  drawn_ = true;
}

void Progress::done() {
  std::lock_guard lock(mutex_);
  if (drawn_) diag::write_raw("\r\x1b[K");
  drawn_ = false;
}

std::string format_summary(uint64_t files, uint64_t unpacked, uint64_t packed, double seconds) {
  double ratio = packed > 0 ? static_cast<double>(unpacked) / static_cast<double>(packed) : 0;
  return fmt::format("{} files, {} -> {} ({:.2f}x) in {}", files, format_bytes(unpacked), format_bytes(packed), ratio,
                     format_seconds(seconds));
}

}  // namespace pybcast
