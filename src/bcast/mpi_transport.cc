#include "bcast/mpi_transport.h"

#include <climits>

#include "bcast/mpi_wait.h"
#include "util/error.h"

namespace pybcast {

MpiTransport::MpiTransport(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

size_t MpiTransport::start_bcast(void* data, size_t bytes) {
  if (bytes > INT_MAX) fail("internal error: broadcast of {} bytes exceeds an MPI count", bytes);
  MPI_Request request;
  MPI_Ibcast(data, static_cast<int>(bytes), MPI_BYTE, 0, comm_, &request);
  requests_.emplace(next_, request);
  return next_++;
}

size_t MpiTransport::start_any(int flag, int* result) {
  int& send = flags_[next_] = flag;  // node-based map: the address stays valid
  MPI_Request request;
  MPI_Iallreduce(&send, result, 1, MPI_INT, MPI_MAX, comm_, &request);
  requests_.emplace(next_, request);
  return next_++;
}

void MpiTransport::wait(size_t op) {
  auto it = requests_.find(op);
  if (it == requests_.end()) return;
  wait_gently(it->second);
  requests_.erase(it);
  flags_.erase(op);
}

}  // namespace pybcast
