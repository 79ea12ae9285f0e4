#include "bcast/node_topology.h"

#include <gtest/gtest.h>

#include "fake_members.h"

namespace pybcast {
namespace {

using testing::FakeGroup;
using testing::FakeTransport;
using testing::run_members;

struct Seen {
  int node = -1, nodes = -1;
  bool leader = false;
  std::string label;
};

std::vector<Seen> topologies(FakeGroup& group, int virtual_nodes, std::vector<std::string>* errors = nullptr) {
  std::vector<Seen> seen(static_cast<size_t>(group.members()));
  auto failures = run_members(group, [&](FakeTransport& t) {
    NodeTopology topology(t, virtual_nodes);
    seen[t.rank()] = {topology.node_index(), topology.node_count(), topology.leader(), topology.label()};
  });
  if (errors) {
    *errors = failures;
  } else {
    for (const auto& f : failures) EXPECT_EQ(f, "");
  }
  EXPECT_EQ(group.divergence(), "");
  EXPECT_EQ(group.unmatched(), 0u);
  return seen;
}

TEST(NodeTopology, RealNodesAreTheHostsNumberedInTheOrderOfTheirLeaders) {
  FakeGroup group({"c1", "c1", "c7", "c3", "c7"});
  auto seen = topologies(group, 0);
  std::vector<int> nodes, counts;
  std::vector<bool> leaders;
  for (const auto& s : seen) {
    nodes.push_back(s.node);
    counts.push_back(s.nodes);
    leaders.push_back(s.leader);
  }
  EXPECT_EQ(nodes, (std::vector<int>{0, 0, 1, 2, 1}));
  EXPECT_EQ(counts, (std::vector<int>(5, 3)));
  EXPECT_EQ(leaders, (std::vector<bool>{true, false, true, true, false}));
  EXPECT_EQ(seen[4].label, "node 1 (c7)");
}

TEST(NodeTopology, VirtualNodesAreContiguousGroupsOfRanks) {
  FakeGroup group(5);
  auto seen = topologies(group, 2);
  std::vector<int> nodes;
  for (const auto& s : seen) nodes.push_back(s.node);
  EXPECT_EQ(nodes, (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_TRUE(seen[3].leader);
  EXPECT_FALSE(seen[4].leader);
  EXPECT_EQ(seen[4].nodes, 2);
  EXPECT_EQ(seen[4].label, "virtual node 1");
}

TEST(NodeTopology, MoreVirtualNodesThanRanksFailsOnEveryRank) {
  FakeGroup group(2);
  std::vector<std::string> errors;
  topologies(group, 3, &errors);
  for (const auto& e : errors) EXPECT_EQ(e, "--virtual-nodes 3 is more than the 2 ranks of this job");
}

}  // namespace
}  // namespace pybcast
