#pragma once
// A fixed set of equally sized buffers, so streaming memory stays bounded
// whatever the bundle size: a buffer goes back to the pool only when its
// consumer is done with it.
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace pybcast {

class BufferPool {
 public:
  BufferPool(size_t count, size_t capacity);

  /// Blocks until a buffer is free.
  std::byte* acquire();
  /// Returns a buffer if one is free, else nullptr.
  std::byte* try_acquire();
  void release(std::byte* buffer);
  size_t capacity() const { return capacity_; }
  size_t count() const { return storage_.size(); }

 private:
  size_t capacity_;
  std::vector<std::unique_ptr<std::byte[]>> storage_;
  std::vector<std::byte*> free_;
  std::mutex mutex_;
  std::condition_variable available_;
};

}  // namespace pybcast
