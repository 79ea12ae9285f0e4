#pragma once
// How slowfs is slow: a metadata server with a latency (and, serialised, a
// throughput of one request per latency), and a read bandwidth shared by the mount.
#include <chrono>
#include <cstddef>
#include <mutex>

namespace slowfs {

/// Every metadata request enters here; enter() sleeps the latency and, when
/// serialised, holds the one lock until the request is answered.
class MetadataDelay {
 public:
  MetadataDelay(double latency_ms, bool serialise);
  [[nodiscard]] std::unique_lock<std::mutex> enter();

 private:
  std::chrono::nanoseconds latency_;
  bool serialise_;
  std::mutex server_;
};

/// Paces reads so that the mount as a whole delivers at most `mibps` MiB/s.
class BandwidthCap {
 public:
  explicit BandwidthCap(double mibps);
  /// Sleeps until `bytes` more fit under the cap; returns at once without a cap.
  void consume(size_t bytes);

 private:
  double bytes_per_second_;
  std::mutex mu_;
  /// When the bytes granted so far will have been delivered at the capped rate.
  std::chrono::steady_clock::time_point busy_until_{};
};

}  // namespace slowfs
