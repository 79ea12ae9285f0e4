#include "bcast/agreement.h"

#include <climits>

#include "bcast/mpi_wait.h"
#include "util/error.h"

namespace pybcast {

namespace {

int allreduce(MPI_Comm comm, int value, MPI_Op op) {
  int result = 0;
  MPI_Request request;
  MPI_Iallreduce(&value, &result, 1, MPI_INT, op, comm, &request);
  wait_gently(request);
  return result;
}

}  // namespace

int allreduce_max(MPI_Comm comm, int value) { return allreduce(comm, value, MPI_MAX); }

int allreduce_min(MPI_Comm comm, int value) { return allreduce(comm, value, MPI_MIN); }

std::string bcast_string(MPI_Comm comm, int root, const std::string& text) {
  unsigned long long length = text.size();
  MPI_Request request;
  MPI_Ibcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm, &request);
  wait_gently(request);
  std::string out = text;
  out.resize(length);
  MPI_Ibcast(out.data(), static_cast<int>(length), MPI_CHAR, root, comm, &request);
  wait_gently(request);
  return out;
}

std::optional<std::string> agree_on_failure(MPI_Comm comm, bool failed, const std::string& message) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  int first = allreduce_min(comm, failed ? rank : INT_MAX);
  if (first == INT_MAX) return std::nullopt;
  return bcast_string(comm, first, rank == first ? message : std::string());
}

void record_failure(LocalStatus& status, const std::function<void()>& step) {
  try {
    step();
  } catch (const std::exception& e) {
    status.fail(e.what());
  }
}

void throw_agreed_failure(MPI_Comm comm, const LocalStatus& status, const std::string& where) {
  bool failed = status.failed();
  if (auto failure = agree_on_failure(comm, failed, failed ? status.message() + where : std::string()))
    throw Error(*failure);
}

void run_agreed(MPI_Comm comm, const std::function<void()>& step) {
  LocalStatus status;
  record_failure(status, step);
  throw_agreed_failure(comm, status);
}

}  // namespace pybcast
