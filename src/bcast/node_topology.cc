#include "bcast/node_topology.h"

#include <unistd.h>

#include <climits>

#include <fmt/format.h>

#include "util/error.h"

namespace pybcast {

int NodeTopology::virtual_node_of(int rank, int ranks, int nodes) {
  return static_cast<int>(static_cast<long>(rank) * nodes / ranks);
}

NodeTopology::NodeTopology(MPI_Comm world, int virtual_nodes) : world_(world), virtual_(virtual_nodes > 0) {
  MPI_Comm_rank(world_, &world_rank_);
  MPI_Comm_size(world_, &world_size_);
  char host[HOST_NAME_MAX + 1] = {};
  gethostname(host, sizeof host - 1);
  host_ = host;
  if (virtual_) {
    if (virtual_nodes > world_size_)
      fail("--virtual-nodes {} is more than the {} ranks of this job", virtual_nodes, world_size_);
    MPI_Comm_split(world_, virtual_node_of(world_rank_, world_size_, virtual_nodes), world_rank_, &node_);
  } else {
    MPI_Comm_split_type(world_, MPI_COMM_TYPE_SHARED, world_rank_, MPI_INFO_NULL, &node_);
  }
  MPI_Comm_rank(node_, &node_rank_);
  MPI_Comm_split(world_, leader() ? 0 : MPI_UNDEFINED, world_rank_, &leaders_);
  if (leader()) {
    MPI_Comm_rank(leaders_, &node_index_);
    MPI_Comm_size(leaders_, &node_count_);
  }
  int numbers[2] = {node_index_, node_count_};
  MPI_Bcast(numbers, 2, MPI_INT, 0, node_);
  node_index_ = numbers[0];
  node_count_ = numbers[1];
}

NodeTopology::~NodeTopology() {
  if (leaders_ != MPI_COMM_NULL) MPI_Comm_free(&leaders_);
  if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
}

std::string NodeTopology::label() const {
  if (virtual_) return fmt::format("virtual node {}", node_index_);
  return fmt::format("node {} ({})", node_index_, host_);
}

}  // namespace pybcast
