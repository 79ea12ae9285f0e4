#pragma once
// Transport over an MPI communicator: MPI_Ibcast and MPI_Iallreduce.
#include <mpi.h>

#include <unordered_map>

#include "bcast/transport.h"

namespace pybcast {

class MpiTransport : public Transport {
 public:
  explicit MpiTransport(MPI_Comm comm);
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  size_t start_bcast(void* data, size_t bytes) override;
  size_t start_any(int flag, int* result) override;
  void wait(size_t op) override;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  size_t next_ = 0;
  std::unordered_map<size_t, MPI_Request> requests_;
  std::unordered_map<size_t, int> flags_;  ///< send buffers of reductions, stable until completion
};

}  // namespace pybcast
