#include "audit/audit_reduce.h"

#include <cstdint>
#include <vector>

#include "bcast/mpi_wait.h"

namespace pybcast {

namespace {

constexpr int kSizeTag = 7301;
constexpr int kBodyTag = 7302;

void send_bytes(MPI_Comm comm, int to, const std::vector<uint8_t>& bytes) {
  auto size = static_cast<unsigned long long>(bytes.size());
  MPI_Request request;
  MPI_Isend(&size, 1, MPI_UNSIGNED_LONG_LONG, to, kSizeTag, comm, &request);
  wait_gently(request);
  MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, kBodyTag, comm, &request);
  wait_gently(request);
}

std::vector<uint8_t> receive_bytes(MPI_Comm comm, int from) {
  unsigned long long size = 0;
  MPI_Request request;
  MPI_Irecv(&size, 1, MPI_UNSIGNED_LONG_LONG, from, kSizeTag, comm, &request);
  wait_gently(request);
  std::vector<uint8_t> bytes(size);
  MPI_Irecv(bytes.data(), static_cast<int>(size), MPI_BYTE, from, kBodyTag, comm, &request);
  wait_gently(request);
  return bytes;
}

}  // namespace

AuditTally reduce_audit(MPI_Comm comm, AuditTally mine) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  for (int step = 1; step < size; step <<= 1) {
    if ((rank & step) != 0) {
      send_bytes(comm, rank - step, nlohmann::json::to_msgpack(tally_to_json(mine)));
      return mine;
    }
    if (rank + step < size)
      merge_tally(mine, tally_from_json(nlohmann::json::from_msgpack(receive_bytes(comm, rank + step))));
  }
  return mine;
}

}  // namespace pybcast
