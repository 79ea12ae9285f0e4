#include "archive/writer_pool.h"

#include <algorithm>

#include "util/cores.h"
#include "util/error.h"
#include "util/timer.h"

namespace pybcast {

namespace {

constexpr unsigned kMaxDefaultExtractThreads = 16;
// Idle writers are woken once this much is queued, not for every body: one
// futex wake and context switch per small file cost more than writing it.
// Whoever waits for the writers (wait_for, drain, finish) wakes them all.
constexpr size_t kWakeFiles = 16;
constexpr size_t kWakeBytes = size_t{1} << 20;

}  // namespace

// The agreed default (DESIGN.md: the cores available). Where no core is left for the writers (2
// cores: the decoder and the parser) the pool only adds a copy of every body:
// 2 writers were 8-13% slower than none there (bench/extract_threads_bench.sh).
unsigned default_extract_threads() { return std::min(available_cores(), kMaxDefaultExtractThreads); }

WriterPool::WriterPool(unsigned threads, size_t max_bytes, size_t max_files, Describe describe, Stopped stopped)
    : max_bytes_(std::max(max_bytes, kMaxQueuedFile)),
      max_files_(std::max<size_t>(max_files, 1)),
      describe_(std::move(describe)),
      stopped_(std::move(stopped)),
      stats_(std::max(threads, 1u)),
      threads_(static_cast<unsigned>(stats_.size()), [this](unsigned i) { run(i); }) {}

WriterPool::~WriterPool() { finish(); }

uint64_t WriterPool::submit(FileBody body) {
  std::unique_lock lock(mutex_);
  // Bodies count until written and closed: those being written hold memory and an fd too.
  auto has_room = [&] {
    // An idle pool takes any body, so one larger than the cap cannot deadlock.
    return (queue_.empty() && in_flight_.empty()) ||
           (queued_bytes_ + body.capacity <= max_bytes_ && queue_.size() + in_flight_.size() < max_files_);
  };
  if (!has_room()) {
    Stopwatch waited;
    work_.notify_all();
    room_.wait(lock, has_room);
    blocked_seconds_ += waited.seconds();
  }
  queued_bytes_ += body.capacity;
  queue_.push_back(std::move(body));
  uint64_t seq = next_seq_++;
  bool wake = queue_.size() >= std::min(kWakeFiles, max_files_) || queued_bytes_ >= kWakeBytes;
  lock.unlock();
  if (wake) work_.notify_one();
  return seq;
}

uint64_t WriterPool::done_below_locked() const {
  uint64_t below = next_taken_;
  for (uint64_t seq : in_flight_) below = std::min(below, seq);
  return below;
}

uint64_t WriterPool::done_below() {
  std::lock_guard lock(mutex_);
  return done_below_locked();
}

void WriterPool::wait_for(uint64_t seq) {
  std::unique_lock lock(mutex_);
  work_.notify_all();
  room_.wait(lock, [&] { return done_below_locked() > seq; });
}

void WriterPool::drain() {
  std::unique_lock lock(mutex_);
  work_.notify_all();
  room_.wait(lock, [&] { return queue_.empty() && in_flight_.empty(); });
}

std::vector<WriterThreadStats> WriterPool::finish() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  work_.notify_all();
  threads_.join();
  return stats_;
}

void WriterPool::record_failure(uint64_t seq, std::string message) {
  if (seq >= failed_seq_) return;
  failed_seq_ = seq;
  failure_ = std::move(message);
  failed_.store(true, std::memory_order_release);
}

void WriterPool::fail_at_next(std::string message) {
  std::lock_guard lock(mutex_);
  record_failure(next_seq_, std::move(message));
}

std::optional<std::string> WriterPool::failure() {
  std::lock_guard lock(mutex_);
  if (!failed_.load(std::memory_order_relaxed)) return std::nullopt;
  return failure_;
}

void WriterPool::run(size_t index) {
  WriterThreadStats& mine = stats_[index];
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty()) return;  // closing, and nothing left to write
    FileBody body = std::move(queue_.front());
    queue_.pop_front();
    uint64_t seq = next_taken_++;
    in_flight_.push_back(seq);
    size_t held = body.capacity;
    // After a failure nothing more is written (the tmp directory goes); a
    // body before it is only checked against its manifest, which may find
    // an earlier difference. Never an ENOSPC the failure itself caused.
    bool after_failure = seq > failed_seq_;
    bool check_only = failed_.load(std::memory_order_relaxed);
    lock.unlock();
    std::optional<std::string> failed;
    if (!after_failure && !stopped_()) {
      Stopwatch clock;
      try {
        if (check_only) {
          check_file_body(body);
        } else {
          write_file_body(body);
          ++mine.files;
          mine.bytes += body.used;
        }
      } catch (const Error& e) {
        failed = describe_(body, e);
      } catch (const std::exception& e) {  // bad_alloc: still one failure, never terminate()
        failed = describe_(body, Error("entry '" + body.shown + "': " + e.what()));
      }
      mine.busy_seconds += clock.seconds();
    }
    body = FileBody{};  // close the fd before the body counts as done
    lock.lock();
    if (failed) record_failure(seq, std::move(*failed));
    std::erase(in_flight_, seq);
    queued_bytes_ -= held;
    room_.notify_all();
  }
}

}  // namespace pybcast
