#pragma once
// Who is on which node: the node communicator, the leaders communicator (the
// first rank of every node) and, for tests on one machine, virtual nodes:
// K contiguous groups of ranks, each acting as one node.
#include <mpi.h>

#include <string>

namespace pybcast {

class NodeTopology {
 public:
  /// Real nodes (MPI_Comm_split_type SHARED) when virtual_nodes == 0.
  NodeTopology(MPI_Comm world, int virtual_nodes);
  ~NodeTopology();
  NodeTopology(const NodeTopology&) = delete;
  NodeTopology& operator=(const NodeTopology&) = delete;

  MPI_Comm world() const { return world_; }
  int world_rank() const { return world_rank_; }
  int world_size() const { return world_size_; }
  int node_index() const { return node_index_; }
  int node_count() const { return node_count_; }
  bool leader() const { return node_rank_ == 0; }
  bool is_virtual() const { return virtual_; }
  /// "node 3 (host c042)" or "virtual node 3"; used in messages.
  std::string label() const;

  /// Pure: the virtual node of `rank` among `ranks` split into `nodes` groups.
  static int virtual_node_of(int rank, int ranks, int nodes);

 private:
  MPI_Comm world_;
  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Comm leaders_ = MPI_COMM_NULL;  ///< MPI_COMM_NULL on ranks that are not leaders
  int world_rank_ = 0, world_size_ = 1;
  int node_rank_ = 0;
  int node_index_ = 0, node_count_ = 1;
  bool virtual_ = false;
  std::string host_;
};

}  // namespace pybcast
