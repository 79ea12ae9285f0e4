#pragma once
// A fixed pool of threads that write regular-file bodies (write, fchmod,
// futimens, close) while the one parser thread keeps every namespace
// operation in stream order. Queued and in-flight bodies together are bounded
// in bytes and in open fds, so a fast parser blocks instead of growing memory
// or running out of fds.
// A failure is kept with its place in the stream: bodies queued after it are
// dropped (closed unwritten), bodies before it are still checked against
// their manifest (not written), so that the failure reported is the first in
// stream order whatever the thread count.
// The pool always drains and no thread waits for ever.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "archive/file_body.h"
#include "util/error.h"
#include "util/worker_threads.h"

namespace pybcast {

struct WriterThreadStats {
  double busy_seconds = 0;  ///< inside write_file_body
  uint64_t files = 0;
  uint64_t bytes = 0;
};

class WriterPool {
 public:
  /// Words a body's failure, on the writer thread (e.g. naming its bundle).
  using Describe = std::function<std::string(const FileBody&, const Error&)>;
  /// True once the extraction failed elsewhere: every queued body is then dropped unwritten.
  using Stopped = std::function<bool()>;

  /// `max_files`: bodies queued or being written at once (archive/fd_budget), at least 1.
  WriterPool(unsigned threads, size_t max_bytes, size_t max_files, Describe describe, Stopped stopped);
  ~WriterPool();
  WriterPool(const WriterPool&) = delete;
  WriterPool& operator=(const WriterPool&) = delete;

  /// Queues a body, blocking while the queue is full; returns its sequence number.
  uint64_t submit(FileBody body);
  /// Blocks until body `seq` is written (or dropped).
  void wait_for(uint64_t seq);
  /// Every body below the returned sequence number is done.
  uint64_t done_below();
  /// Blocks until every queued body is done.
  void drain();
  /// Drains, stops the threads and returns what each did.
  std::vector<WriterThreadStats> finish();
  /// Records a failure found before the next body is submitted (the parser's):
  /// bodies already queued are still checked, and may fail earlier in the stream.
  void fail_at_next(std::string message);
  /// The failure earliest in the stream so far, if any (final once drained).
  std::optional<std::string> failure();
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  /// Time submit() spent waiting for room: the parser outran the writers.
  double blocked_seconds() const { return blocked_seconds_; }
  /// Bytes of bodies that may be queued or being written at once.
  size_t max_bytes() const { return max_bytes_; }

  /// Bodies larger than this are written by the parser itself, streaming.
  static constexpr size_t kMaxQueuedFile = size_t{4} << 20;
  static constexpr size_t kDefaultQueueBytes = size_t{64} << 20;

 private:
  void run(size_t index);
  uint64_t done_below_locked() const;

  /// Under mutex_: keeps `message` if it comes before the failure recorded so far.
  void record_failure(uint64_t seq, std::string message);

  size_t max_bytes_;
  size_t max_files_;
  Describe describe_;
  Stopped stopped_;
  std::mutex mutex_;
  std::condition_variable work_;  ///< writers: a body arrived, or closing
  std::condition_variable room_;  ///< parser: room in the queue, or a body done
  std::deque<FileBody> queue_;
  std::vector<uint64_t> in_flight_;  ///< sequence numbers being written
  uint64_t next_seq_ = 0;            ///< of the next body submitted
  uint64_t next_taken_ = 0;          ///< of the next body a writer takes
  size_t queued_bytes_ = 0;          ///< of the bodies queued or being written
  bool closing_ = false;
  uint64_t failed_seq_ = UINT64_MAX;  ///< stream position of the first failure
  std::string failure_;
  std::atomic<bool> failed_{false};
  double blocked_seconds_ = 0;
  std::vector<WriterThreadStats> stats_;
  WorkerThreads threads_;  ///< last: the threads use the members above
};

/// The default of --extract-threads: available cores, at most 16.
unsigned default_extract_threads();

}  // namespace pybcast
