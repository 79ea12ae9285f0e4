#include "bcast/mpi_transport.h"

#include <unistd.h>

#include <climits>

#include "bcast/mpi_wait.h"
#include "util/error.h"

namespace pybcast {

namespace {

int mpi_count(size_t bytes) {
  if (bytes > INT_MAX) fail("internal error: broadcast of {} bytes exceeds an MPI count", bytes);
  return static_cast<int>(bytes);
}

}  // namespace

MpiTransport::MpiTransport(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

MpiTransport::~MpiTransport() {
  if (owned_) MPI_Comm_free(&comm_);
}

std::unique_ptr<Transport> MpiTransport::adopt(MPI_Comm comm) {
  if (comm == MPI_COMM_NULL) return nullptr;
  auto transport = std::make_unique<MpiTransport>(comm);
  transport->owned_ = true;
  return transport;
}

size_t MpiTransport::start_bcast(void* data, size_t bytes) {
  MPI_Request request;
  MPI_Ibcast(data, mpi_count(bytes), MPI_BYTE, 0, comm_, &request);
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

int MpiTransport::allreduce(int value, Reduction op) {
  int result = 0;
  MPI_Request request;
  MPI_Iallreduce(&value, &result, 1, MPI_INT, op == Reduction::kMax ? MPI_MAX : MPI_MIN, comm_, &request);
  wait_gently(request);
  return result;
}

void MpiTransport::bcast(int root, void* data, size_t bytes) {
  MPI_Request request;
  MPI_Ibcast(data, mpi_count(bytes), MPI_BYTE, root, comm_, &request);
  wait_gently(request);
}

std::string MpiTransport::bcast_string(int root, const std::string& text) {
  unsigned long long length = text.size();
  MPI_Request request;
  MPI_Ibcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm_, &request);
  wait_gently(request);
  std::string out = text;
  out.resize(length);
  MPI_Ibcast(out.data(), static_cast<int>(length), MPI_CHAR, root, comm_, &request);
  wait_gently(request);
  return out;
}

std::vector<std::byte> MpiTransport::gather(std::span<const std::byte> mine) {
  int bytes = mpi_count(mine.size());
  std::vector<std::byte> all(rank_ == 0 ? mine.size() * static_cast<size_t>(size_) : 0);
  MPI_Request request;
  MPI_Igather(mine.data(), bytes, MPI_BYTE, rank_ == 0 ? all.data() : nullptr, bytes, MPI_BYTE, 0, comm_, &request);
  wait_gently(request);
  return all;
}

std::vector<std::vector<std::byte>> MpiTransport::gatherv(std::span<const std::byte> mine) {
  int bytes = mpi_count(mine.size());
  std::vector<int> sizes(rank_ == 0 ? static_cast<size_t>(size_) : 0);
  MPI_Request request;
  MPI_Igather(&bytes, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, comm_, &request);
  wait_gently(request);
  std::vector<int> offsets(sizes.size());
  size_t total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    offsets[i] = mpi_count(total);
    total += static_cast<size_t>(sizes[i]);
  }
  std::vector<std::byte> all(rank_ == 0 ? total : 0);
  MPI_Igatherv(mine.data(), bytes, MPI_BYTE, all.data(), sizes.data(), offsets.data(), MPI_BYTE, 0, comm_, &request);
  wait_gently(request);
  std::vector<std::vector<std::byte>> out(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i)
    out[i].assign(all.begin() + offsets[i], all.begin() + offsets[i] + sizes[i]);
  return out;
}

std::unique_ptr<Transport> MpiTransport::split(int color, int key) {
  MPI_Comm sub = MPI_COMM_NULL;
  MPI_Comm_split(comm_, color == kNoGroup ? MPI_UNDEFINED : color, key, &sub);
  return adopt(sub);
}

std::unique_ptr<Transport> MpiTransport::split_by_host() {
  MPI_Comm sub = MPI_COMM_NULL;
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &sub);
  return adopt(sub);
}

std::string MpiTransport::host() const {
  char host[HOST_NAME_MAX + 1] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace pybcast
