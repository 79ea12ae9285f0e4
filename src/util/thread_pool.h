#pragma once
// A fixed set of worker threads that run jobs from one queue, in the order
// they were queued (zstd's POOL_ctx). Each job learns which worker runs it,
// so the caller can keep one context per worker (a zstd context, a zlib
// stream) and reuse it for every job. Ordering results and carrying
// exceptions is OrderedPool's (ordered_pool.h); several OrderedPools may share
// one ThreadPool.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "util/worker_threads.h"

namespace pybcast {

class ThreadPool {
 public:
  /// Runs on worker `worker` (0 .. slots() - 1); must not throw.
  using Job = std::function<void(unsigned worker)>;

  /// `threads` workers; 0: no threads, every job runs inside submit(), as worker 0.
  explicit ThreadPool(unsigned threads);
  /// Drops the jobs not yet started (their owners are gone) and joins the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(Job job);
  /// Worker threads (0: jobs run on the caller's thread).
  unsigned threads() const { return workers_.size(); }
  /// How many distinct worker indices jobs see: per-worker state needs this many.
  unsigned slots() const { return threads() == 0 ? 1 : threads(); }

 private:
  void run(unsigned worker);

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;
  bool closing_ = false;
  WorkerThreads workers_;  ///< last: the threads use the members above
};

}  // namespace pybcast
