#pragma once
// Transport over an MPI communicator: non-blocking collectives completed by
// wait_gently (mpi_wait.h), so that idle ranks do not spin a core.
#include <mpi.h>

#include <unordered_map>

#include "bcast/transport.h"

namespace pybcast {

class MpiTransport : public Transport {
 public:
  /// Uses `comm` without owning it.
  explicit MpiTransport(MPI_Comm comm);
  ~MpiTransport() override;
  MpiTransport(const MpiTransport&) = delete;
  MpiTransport& operator=(const MpiTransport&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  size_t start_bcast(void* data, size_t bytes) override;
  size_t start_any(int flag, int* result) override;
  void wait(size_t op) override;
  int allreduce(int value, Reduction op) override;
  void bcast(int root, void* data, size_t bytes) override;
  std::string bcast_string(int root, const std::string& text) override;
  std::vector<std::byte> gather(std::span<const std::byte> mine) override;
  std::vector<std::vector<std::byte>> gatherv(std::span<const std::byte> mine) override;
  std::unique_ptr<Transport> split(int color, int key) override;
  std::unique_ptr<Transport> split_by_host() override;
  std::string host() const override;

 private:
  /// Takes ownership of `comm` (from a split): freed with the transport.
  static std::unique_ptr<Transport> adopt(MPI_Comm comm);

  MPI_Comm comm_;
  bool owned_ = false;
  int rank_ = 0;
  int size_ = 1;
  size_t next_ = 0;
  std::unordered_map<size_t, MPI_Request> requests_;
  std::unordered_map<size_t, int> flags_;  ///< send buffers of reductions, stable until completion
};

}  // namespace pybcast
