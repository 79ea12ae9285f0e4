#pragma once
// The first failure seen by any thread of this rank. Threads of the pipeline
// set it; the MPI thread reads it at agreement points.
#include <atomic>
#include <mutex>
#include <string>

namespace pybcast {

class LocalStatus {
 public:
  /// Records the failure unless an earlier one is already recorded.
  void fail(const std::string& message);
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string message() const;

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  std::string message_;
};

}  // namespace pybcast
