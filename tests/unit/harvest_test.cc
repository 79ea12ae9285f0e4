#include "warm/harvest.h"

#include <fcntl.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>

#include "cache/user_root.h"
#include "fake_members.h"
#include "pack/bundle_reader.h"
#include "test_dir.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::FakeGroup;
using testing::FakeTransport;
using testing::run_members;
using testing::TestDir;
using testing::write_tree_file;

GainedFile gained(const std::string& path, const std::string& hash, bool carried = false) {
  return {path, hash.size(), hash, false, carried};
}

TEST(HarvestMerge, TheFirstNodesGainedCopyWinsAndDifferencesAreCountedOnce) {
  std::vector<std::vector<GainedFile>> nodes = {
      {gained("numba/a", "aa"), gained("numba/same", "ss")},
      {gained("numba/same", "ss"), gained("numba/b", "bb"), gained("numba/a", "AX")},
      {gained("numba/a", "AY"), gained("numba/c", "cc", true)},
      {gained("numba/c", "CC"), gained("numba/b", "bb")},
  };
  HarvestMerge m = merge_gained(nodes);
  std::vector<std::pair<size_t, size_t>> kept;
  for (auto k : m.kept) kept.emplace_back(k.node, k.index);
  // Path order: a (node 0), b (node 1), c (node 3: gained beats node 2's carried copy), same (node 0).
  EXPECT_EQ(kept, (std::vector<std::pair<size_t, size_t>>{{0, 0}, {1, 1}, {3, 0}, {0, 1}}));
  EXPECT_EQ(m.differing, 1u);  // numba/a, however many nodes differ; a carried copy is no difference
  EXPECT_EQ(m.send[0], (std::vector<bool>{true, true}));
  EXPECT_EQ(m.send[1], (std::vector<bool>{false, true, false}));
  EXPECT_EQ(m.send[2], (std::vector<bool>{false, false}));
  EXPECT_EQ(m.send[3], (std::vector<bool>{true, false}));
}

TEST(HarvestMerge, ACarriedCopyIsKeptWhenNoNodeGainedThatPath) {
  HarvestMerge m = merge_gained({{gained("numba/old", "oo", true)}, {gained("numba/old", "oo", true)}});
  ASSERT_EQ(m.kept.size(), 1u);
  EXPECT_EQ(m.kept[0].node, 0u);
  EXPECT_EQ(m.differing, 0u);
}

/// Four virtual nodes of two ranks each; `gain(node, caches_dir)` is what
/// the job makes each node's caches gain.
struct Job {
  TestDir dir;
  std::string output = dir / "out/caches.tar.zst";
  std::vector<std::string> errors;
  HarvestSummary summary;

  layout::NodeRoot root(int node) const { return {dir / "shm", node}; }
  std::string caches(int node) const { return layout::caches_path(layout::user_root(root(node))); }

  template <class Gain>
  void run(Gain gain, const std::string& out) {
    std::filesystem::create_directories(dir / "out");
    FakeGroup group(8);
    std::mutex mutex;
    errors = run_members(group, [&](FakeTransport& t) {
      NodeTopology topology(t, 4);
      HarvestRequest request{out, root(topology.node_index()), {"numba", "matplotlib"}, {}, {}};
      request.base.python.version = "3.11.2";
      CacheSnapshot before;
      if (topology.leader()) {
        UserRoot r = open_user_root(request.node_root);
        std::filesystem::create_directories(caches(topology.node_index()));
        io::Fd fd = io::open(caches(topology.node_index()), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        before = snapshot_caches(fd.get(), caches(topology.node_index()), request.caches);
        gain(topology.node_index(), caches(topology.node_index()));
      }
      HarvestSummary s = harvest_caches(topology, before, request);
      std::lock_guard lock(mutex);
      if (t.rank() == 0) summary = s;
    });
    EXPECT_EQ(group.divergence(), "");
  }
};

TEST(Harvest, FourNodesThatCompiledDifferentFunctionsGiveOneBundleHoldingAll) {
  Job job;
  job.run(
      [](int node, const std::string& caches) {
        write_tree_file(caches + "/numba/mod/f" + std::to_string(node) + ".nbi", std::string(100 + node, 'x'));
        write_tree_file(caches + "/numba/mod/common.nbi", "same everywhere");
        write_tree_file(caches + "/matplotlib/fontlist.json", "node " + std::to_string(node));  // differs
        write_tree_file(caches + "/matplotlib/big.bin", std::string(300000, static_cast<char>('a' + node % 2)));
      },
      job.output);
  for (const auto& e : job.errors) EXPECT_EQ(e, "");
  EXPECT_EQ(job.summary.nodes, 4u);
  EXPECT_EQ(job.summary.nodes_with_gains, 4u);
  EXPECT_EQ(job.summary.differing, 2u);  // fontlist.json and big.bin
  ASSERT_EQ(job.summary.caches.size(), 2u);
  EXPECT_EQ(job.summary.caches[0].name, "numba");
  EXPECT_EQ(job.summary.caches[0].gained_files, 8u);
  EXPECT_EQ(job.summary.caches[0].saved_files, 5u);
  EXPECT_EQ(job.summary.caches[1].saved_files, 2u);
  EXPECT_GT(job.summary.bundle_bytes, 0u);

  VerifyReport v = verify_bundle(job.output);
  EXPECT_TRUE(v.problems.empty()) << v.problems.front();
  EXPECT_EQ(v.manifest.kind, kCachesKind);
  ASSERT_TRUE(v.manifest.caches);
  EXPECT_EQ(v.manifest.caches->nodes, 4u);
  EXPECT_EQ(v.manifest.caches->differing, 2u);
  EXPECT_EQ(v.manifest.python.version, "3.11.2");
  std::vector<std::string> members;
  for (const auto& e : v.manifest.entries) members.push_back(e.path);
  EXPECT_EQ(members,
            (std::vector<std::string>{".pybcast/caches/matplotlib/big.bin", ".pybcast/caches/matplotlib/fontlist.json",
                                      ".pybcast/caches/numba/mod/common.nbi", ".pybcast/caches/numba/mod/f0.nbi",
                                      ".pybcast/caches/numba/mod/f1.nbi", ".pybcast/caches/numba/mod/f2.nbi",
                                      ".pybcast/caches/numba/mod/f3.nbi"}));

  TestDir unpacked;
  extract_bundle(job.output, unpacked / "x");
  EXPECT_EQ(testing::read_file(unpacked / "x/.pybcast/caches/matplotlib/fontlist.json"), "node 0");
  EXPECT_EQ(testing::read_file(unpacked / "x/.pybcast/caches/numba/mod/f3.nbi"), std::string(103, 'x'));
  // The leaders' scratch copies are gone.
  for (int node = 0; node < 4; ++node)
    for (const auto& e : std::filesystem::directory_iterator(layout::user_root(job.root(node))))
      EXPECT_FALSE(e.path().filename().string().starts_with("harvest-")) << e.path();
}

TEST(Harvest, NothingGainedLeavesFileAsItWas) {
  Job job;
  write_tree_file(job.output, "the previous bundle");
  job.run([](int, const std::string&) {}, job.output);
  for (const auto& e : job.errors) EXPECT_EQ(e, "");
  EXPECT_EQ(job.summary.bundle_bytes, 0u);
  EXPECT_EQ(testing::read_file(job.output), "the previous bundle");
}

TEST(Harvest, OnlyCountingWritesNothing) {
  Job job;
  job.run([](int node, const std::string& caches) { write_tree_file(caches + "/numba/f" + std::to_string(node), "x"); },
          "");
  for (const auto& e : job.errors) EXPECT_EQ(e, "");
  EXPECT_EQ(job.summary.caches[0].gained_files, 4u);
  EXPECT_EQ(job.summary.bundle_bytes, 0u);
  EXPECT_FALSE(std::filesystem::exists(job.output));
}

TEST(Harvest, AnUnwritableFileFailsEveryRankAndLeavesNoPartialBundle) {
  Job job;
  std::string output = job.dir / "out/missing-dir/caches.tar.zst";
  job.run([](int node, const std::string& caches) { write_tree_file(caches + "/numba/f" + std::to_string(node), "x"); },
          output);
  for (const auto& e : job.errors) EXPECT_NE(e, "");
  EXPECT_NE(job.errors[0].find("missing-dir"), std::string::npos) << job.errors[0];
  EXPECT_TRUE(std::filesystem::is_empty(job.dir / "out"));
}

}  // namespace
}  // namespace pybcast
