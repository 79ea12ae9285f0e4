#include "util/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

#include "util/worker_threads.h"

namespace pybcast {

void parallel_for(size_t count, unsigned workers, const std::function<void(size_t index)>& body) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  size_t failed_index = count;  ///< guarded by mutex
  std::exception_ptr failure;
  auto work = [&](unsigned) {
    // Stop is checked before an index is taken: an index taken always runs.
    while (!stop.load(std::memory_order_relaxed)) {
      size_t i = next++;
      if (i >= count) return;
      try {
        body(i);
      } catch (...) {
        stop = true;
        std::lock_guard lock(mutex);
        if (i < failed_index) {
          failed_index = i;
          failure = std::current_exception();
        }
      }
    }
  };
  size_t threads = std::min<size_t>(std::max(workers, 1u), count);
  WorkerThreads helpers(threads > 1 ? static_cast<unsigned>(threads - 1) : 0, work);
  work(0);
  helpers.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pybcast
