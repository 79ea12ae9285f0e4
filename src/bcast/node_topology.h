#pragma once
// Who is on which node: the node group, the leaders group (the first rank of
// every node) and, for tests on one machine, virtual nodes: K contiguous
// groups of ranks, each acting as one node.
#include <memory>
#include <string>

#include "bcast/transport.h"

namespace pybcast {

class NodeTopology {
 public:
  /// Collective over `world`, which must outlive the topology. Real nodes
  /// (Transport::split_by_host) when virtual_nodes == 0.
  NodeTopology(Transport& world, int virtual_nodes);
  NodeTopology(const NodeTopology&) = delete;
  NodeTopology& operator=(const NodeTopology&) = delete;

  Transport& world() const { return world_; }
  int world_rank() const { return world_rank_; }
  int world_size() const { return world_size_; }
  int node_index() const { return node_index_; }
  int node_count() const { return node_count_; }
  bool leader() const { return node_rank_ == 0; }
  bool is_virtual() const { return virtual_; }
  /// This node's group (its leader is member 0).
  Transport& node() const { return *node_; }
  /// The leaders' group (node_index() is the rank in it); null on other ranks.
  Transport* leaders() const { return leaders_.get(); }
  /// "node 3 (host c042)" or "virtual node 3"; used in messages.
  std::string label() const;

  /// Pure: the virtual node of `rank` among `ranks` split into `nodes` groups.
  static int virtual_node_of(int rank, int ranks, int nodes);

 private:
  Transport& world_;
  std::unique_ptr<Transport> node_;
  std::unique_ptr<Transport> leaders_;  ///< null on ranks that are not leaders; freed before node_
  int world_rank_ = 0, world_size_ = 1;
  int node_rank_ = 0;
  int node_index_ = 0, node_count_ = 1;
  bool virtual_ = false;
  std::string host_;
};

}  // namespace pybcast
