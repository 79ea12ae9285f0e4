#pragma once
// The one owner of threads in pybcast: a group of threads, each running a
// body with its own index, joined before the group goes. Pools, parallel
// loops and pipeline stages start their threads through it, so no thread is
// ever left running (or detached) past its owner.
#include <functional>
#include <thread>
#include <vector>

namespace pybcast {

class WorkerThreads {
 public:
  WorkerThreads() = default;
  /// Starts `count` threads running body(0) .. body(count - 1). The body must
  /// not throw (as with std::thread, that would end the program).
  WorkerThreads(unsigned count, const std::function<void(unsigned index)>& body);
  /// Joins the threads it holds.
  ~WorkerThreads();
  WorkerThreads(WorkerThreads&& other) noexcept = default;
  /// Joins the threads it held before taking `other`'s.
  WorkerThreads& operator=(WorkerThreads&& other) noexcept;
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  /// Waits for every thread to return; does nothing the second time.
  void join();
  unsigned size() const { return static_cast<unsigned>(threads_.size()); }

 private:
  std::vector<std::thread> threads_;
};

}  // namespace pybcast
