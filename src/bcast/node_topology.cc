#include "bcast/node_topology.h"

#include <fmt/format.h>

#include "util/error.h"

namespace pybcast {

int NodeTopology::virtual_node_of(int rank, int ranks, int nodes) {
  return static_cast<int>(static_cast<long>(rank) * nodes / ranks);
}

NodeTopology::NodeTopology(Transport& world, int virtual_nodes)
    : world_(world),
      world_rank_(world.rank()),
      world_size_(world.size()),
      virtual_(virtual_nodes > 0),
      host_(world.host()) {
  if (virtual_) {
    if (virtual_nodes > world_size_)
      fail("--virtual-nodes {} is more than the {} ranks of this job", virtual_nodes, world_size_);
    node_ = world_.split(virtual_node_of(world_rank_, world_size_, virtual_nodes), world_rank_);
  } else {
    node_ = world_.split_by_host();
  }
  node_rank_ = node_->rank();
  leaders_ = world_.split(leader() ? 0 : Transport::kNoGroup, world_rank_);
  if (leader()) {
    node_index_ = leaders_->rank();
    node_count_ = leaders_->size();
  }
  int numbers[2] = {node_index_, node_count_};
  node_->bcast(0, numbers, sizeof numbers);
  node_index_ = numbers[0];
  node_count_ = numbers[1];
}

std::string NodeTopology::label() const {
  if (virtual_) return fmt::format("virtual node {}", node_index_);
  return fmt::format("node {} ({})", node_index_, host_);
}

}  // namespace pybcast
