#include "throttle.h"

#include <algorithm>
#include <thread>

namespace slowfs {

MetadataDelay::MetadataDelay(double latency_ms, bool serialise)
    : latency_(std::chrono::nanoseconds(static_cast<long long>(latency_ms * 1e6))), serialise_(serialise) {}

std::unique_lock<std::mutex> MetadataDelay::enter() {
  std::unique_lock<std::mutex> lock(server_, std::defer_lock);
  if (serialise_) lock.lock();
  // sleep_for never returns early (it resumes after EINTR), so K requests take >= K·latency.
  if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
  return lock;
}

BandwidthCap::BandwidthCap(double mibps) : bytes_per_second_(mibps * 1024 * 1024) {}

void BandwidthCap::consume(size_t bytes) {
  if (bytes_per_second_ <= 0 || bytes == 0) return;
  const auto cost = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / bytes_per_second_));
  std::chrono::steady_clock::time_point done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    busy_until_ = std::max(busy_until_, std::chrono::steady_clock::now()) + cost;
    done = busy_until_;
  }
  std::this_thread::sleep_until(done);
}

}  // namespace slowfs
