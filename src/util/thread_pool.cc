#include "util/thread_pool.h"

namespace pybcast {

ThreadPool::ThreadPool(unsigned threads) : workers_(threads, [this](unsigned worker) { run(worker); }) {}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    jobs_.clear();
  }
  ready_.notify_all();
  workers_.join();
}

void ThreadPool::submit(Job job) {
  if (threads() == 0) return job(0);
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

void ThreadPool::run(unsigned worker) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return !jobs_.empty() || closing_; });
      if (closing_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job(worker);
  }
}

}  // namespace pybcast
