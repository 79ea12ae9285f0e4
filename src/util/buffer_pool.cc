#include "util/buffer_pool.h"

namespace pybcast {

BufferPool::BufferPool(size_t count, size_t capacity) : capacity_(capacity) {
  for (size_t i = 0; i < count; ++i) {
    storage_.emplace_back(new std::byte[capacity]);
    free_.push_back(storage_.back().get());
  }
}

std::byte* BufferPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !free_.empty(); });
  std::byte* buffer = free_.back();
  free_.pop_back();
  return buffer;
}

std::byte* BufferPool::try_acquire() {
  std::lock_guard lock(mutex_);
  if (free_.empty()) return nullptr;
  std::byte* buffer = free_.back();
  free_.pop_back();
  return buffer;
}

void BufferPool::release(std::byte* buffer) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(buffer);
  }
  available_.notify_one();
}

}  // namespace pybcast
