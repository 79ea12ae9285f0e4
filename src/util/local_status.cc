#include "util/local_status.h"

namespace pybcast {

void LocalStatus::fail(const std::string& message) {
  std::lock_guard lock(mutex_);
  if (failed_.load(std::memory_order_relaxed)) return;
  message_ = message;
  failed_.store(true, std::memory_order_release);
}

std::string LocalStatus::message() const {
  std::lock_guard lock(mutex_);
  return message_;
}

}  // namespace pybcast
