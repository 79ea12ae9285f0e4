#include "util/worker_threads.h"

namespace pybcast {

WorkerThreads::WorkerThreads(unsigned count, const std::function<void(unsigned index)>& body) {
  threads_.reserve(count);
  for (unsigned i = 0; i < count; ++i) threads_.emplace_back(body, i);
}

WorkerThreads::~WorkerThreads() { join(); }

WorkerThreads& WorkerThreads::operator=(WorkerThreads&& other) noexcept {
  if (this != &other) {
    join();
    threads_ = std::move(other.threads_);
    other.threads_.clear();
  }
  return *this;
}

void WorkerThreads::join() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace pybcast
