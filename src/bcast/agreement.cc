#include "bcast/agreement.h"

#include <climits>

#include "bcast/mpi_transport.h"
#include "util/error.h"

namespace pybcast {

int allreduce_max(Transport& group, int value) { return group.allreduce(value, Reduction::kMax); }

int allreduce_min(Transport& group, int value) { return group.allreduce(value, Reduction::kMin); }

std::string bcast_string(Transport& group, int root, const std::string& text) { return group.bcast_string(root, text); }

std::optional<std::string> agree_on_failure(Transport& group, bool failed, const std::string& message) {
  int rank = group.rank();
  int first = allreduce_min(group, failed ? rank : INT_MAX);
  if (first == INT_MAX) return std::nullopt;
  return bcast_string(group, first, rank == first ? message : std::string());
}

void record_failure(LocalStatus& status, const std::function<void()>& step) {
  try {
    step();
  } catch (const std::exception& e) {
    status.fail(e.what());
  }
}

void throw_agreed_failure(Transport& group, const LocalStatus& status, const std::string& where) {
  bool failed = status.failed();
  if (auto failure = agree_on_failure(group, failed, failed ? status.message() + where : std::string()))
    throw Error(*failure);
}

void run_agreed(Transport& group, const std::function<void()>& step) {
  LocalStatus status;
  record_failure(status, step);
  throw_agreed_failure(group, status);
}

int allreduce_max(MPI_Comm comm, int value) {
  MpiTransport group(comm);
  return allreduce_max(group, value);
}

int allreduce_min(MPI_Comm comm, int value) {
  MpiTransport group(comm);
  return allreduce_min(group, value);
}

std::string bcast_string(MPI_Comm comm, int root, const std::string& text) {
  MpiTransport group(comm);
  return bcast_string(group, root, text);
}

std::optional<std::string> agree_on_failure(MPI_Comm comm, bool failed, const std::string& message) {
  MpiTransport group(comm);
  return agree_on_failure(group, failed, message);
}

void throw_agreed_failure(MPI_Comm comm, const LocalStatus& status, const std::string& where) {
  MpiTransport group(comm);
  throw_agreed_failure(group, status, where);
}

void run_agreed(MPI_Comm comm, const std::function<void()>& step) {
  MpiTransport group(comm);
  run_agreed(group, step);
}

}  // namespace pybcast
