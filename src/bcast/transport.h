#pragma once
// The collective operations the chunk pipeline needs, behind an interface so
// the pipeline runs in unit tests with an in-process fake and in production
// over MPI. Operations are started in the same order on every member.
#include <cstddef>

namespace pybcast {

class Transport {
 public:
  virtual ~Transport() = default;
  /// Member 0 is the root: the reader of the bundles.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Starts broadcasting `bytes` bytes from the root's `data` into everyone's `data`.
  virtual size_t start_bcast(void* data, size_t bytes) = 0;
  /// Starts a logical OR of `flag` over all members into `*result`.
  virtual size_t start_any(int flag, int* result) = 0;
  /// Completes operation `op` (blocking, but without burning the CPU).
  virtual void wait(size_t op) = 0;
};

}  // namespace pybcast
