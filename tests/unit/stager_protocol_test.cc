// The staging protocol (stage/stager) run by in-process members over
// FakeTransport: virtual nodes, real bundles in a scratch directory, and a
// failure injected on each rank at each step.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "archive_builder.h"
#include "fake_members.h"
#include "stage/stager.h"
#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::ArchiveBuilder;
using testing::FakeGroup;
using testing::FakeTransport;
using testing::Filter;
using testing::TestDir;

std::string noise(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed) >> 13);
  return s;
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

/// What one rank saw of a staging.
struct RankView {
  std::string prefix;
  std::vector<RankSample> samples;  ///< rank 0
};

struct Staging {
  std::vector<std::string> errors;  ///< by rank, "" for none
  std::vector<RankView> ranks;
  std::set<std::pair<int, std::string>> entered;  ///< (rank, step) the seam saw
};

/// A job's bundles on a "shared file system": a zstd tar of several chunks,
/// a gzip tar that overrides one of its files, and a directory staged as it is.
class StagerProtocol : public ::testing::Test {
 protected:
  void SetUp() override {
    mkdir((dir_ / "pkgs").c_str(), 0755);
    auto base = ArchiveBuilder()
                    .dir("bin")
                    .file("bin/tool", "#!/bin/sh\necho tool\n", 0755)
                    .file("lib/data.txt", "base")
                    .file("lib/big.bin", noise(40000, 1))
                    .symlink("lib/link.txt", "data.txt")
                    .build(Filter::kZstd);
    write_file(dir_ / "pkgs/base.tar.zst", testing::to_string(base));
    write_file(dir_ / "pkgs/extra.tar.gz",
               testing::to_string(ArchiveBuilder().file("lib/data.txt", "extra wins").build(Filter::kGzip)));
    std::filesystem::create_directories(dir_ / "pkgs/tree/share");
    write_file(dir_ / "pkgs/tree/share/readme.txt", "from a directory");
  }

  StageRequest request(bool with_tree = true) const {
    StageRequest r;
    r.chroot = dir_ / "shm";
    r.pkgroot = dir_ / "pkgs";
    r.bundles = {"base.tar.zst", "extra.tar.gz"};
    if (with_tree) r.bundles.push_back("tree");
    r.virtual_nodes = 2;
    r.chunk_size = kMinChunkSize;  // many chunks, several failure checks
    r.extract_threads = 1;
    r.lock_timeout = 20;
    r.want_report = true;
    return r;
  }

  /// Stages on `members` in-process ranks; `inject(rank, step)` may throw.
  Staging stage(int members, const StageRequest& request,
                const std::function<void(int, std::string_view)>& inject = {}) {
    FakeGroup group(members);
    Staging out;
    out.ranks.resize(static_cast<size_t>(members));
    std::mutex mutex;
    out.errors = testing::run_members(group, [&](FakeTransport& t) {
      int rank = t.rank();
      StageRequest mine = request;
      mine.before_phase = [&, rank](std::string_view step) {
        {
          std::lock_guard lock(mutex);
          out.entered.emplace(rank, std::string(step));
        }
        if (inject) inject(rank, step);
      };
      StageOutcome outcome = stage_bundles(t, mine);
      out.ranks[static_cast<size_t>(rank)] = {outcome.prefix, outcome.samples};
    });
    EXPECT_EQ(group.divergence(), "");
    EXPECT_EQ(group.unmatched(), 0u) << "a member skipped operations the others started";
    return out;
  }

  std::string user_root() const { return dir_ / ("shm/pybcast-" + std::to_string(geteuid())); }

  /// Names under the node roots that start with `prefix` (tmp-, or the entries of cache/).
  std::vector<std::string> left(const std::string& prefix) const {
    std::vector<std::string> found;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir_ / "shm", ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(prefix)) found.push_back(it->path().string());
      if (it->path().parent_path().filename() == "cache" || name.starts_with("tmp-")) it.disable_recursion_pending();
    }
    return found;
  }
  /// Published entries: cache/<key> of both virtual nodes.
  std::vector<std::string> entries() const {
    std::vector<std::string> found;
    for (int node = 0; node < 2; ++node) {
      std::error_code ec;
      for (const auto& e :
           std::filesystem::directory_iterator(user_root() + "/vnode-" + std::to_string(node) + "/cache", ec))
        found.push_back(e.path().string());
    }
    return found;
  }

  TestDir dir_;
};

std::vector<CacheState> leader_states(const std::vector<RankSample>& samples) {
  std::vector<CacheState> states;
  for (const auto& s : samples)
    if (s.leader) states.push_back(s.cache_state);
  return states;
}

class StagerCleanRun : public StagerProtocol, public ::testing::WithParamInterface<int> {};

TEST_P(StagerCleanRun, ColdExtractsOnEveryNodeThenWarmHitsWithoutExtractingAnything) {
  const int members = GetParam();
  Staging cold = stage(members, request());
  for (int rank = 0; rank < members; ++rank) ASSERT_EQ(cold.errors[rank], "") << "rank " << rank;
  ASSERT_EQ(cold.ranks[0].samples.size(), static_cast<size_t>(members));
  EXPECT_EQ(leader_states(cold.ranks[0].samples), (std::vector<CacheState>(2, CacheState::kExtracted)));
  for (int rank = 0; rank < members; ++rank) {
    const std::string& prefix = cold.ranks[rank].prefix;
    int node = rank * 2 / members;
    EXPECT_EQ(prefix.find(user_root() + "/vnode-" + std::to_string(node) + "/cache/"), 0u) << prefix;
    EXPECT_EQ(testing::read_file(prefix + "/lib/data.txt"), "extra wins");
    EXPECT_EQ(testing::read_file(prefix + "/lib/link.txt"), "extra wins");
    EXPECT_EQ(testing::read_file(prefix + "/lib/big.bin"), noise(40000, 1));
    EXPECT_EQ(testing::read_file(prefix + "/share/readme.txt"), "from a directory");
    if (rank > 0) {
      EXPECT_TRUE(cold.ranks[rank].samples.empty());
    }
  }
  EXPECT_EQ(entries().size(), 2u);
  EXPECT_TRUE(left("tmp-").empty());
  struct stat before {};
  ASSERT_EQ(stat((cold.ranks[0].prefix + "/lib/big.bin").c_str(), &before), 0);

  Staging warm = stage(members, request());
  for (int rank = 0; rank < members; ++rank) ASSERT_EQ(warm.errors[rank], "") << "rank " << rank;
  EXPECT_EQ(leader_states(warm.ranks[0].samples), (std::vector<CacheState>(2, CacheState::kHit)));
  for (int rank = 0; rank < members; ++rank) {
    EXPECT_EQ(warm.ranks[rank].prefix, cold.ranks[rank].prefix);
    for (const char* step : {"prepare_trees", "stream", "publish"})
      EXPECT_FALSE(warm.entered.count({rank, step})) << "rank " << rank << " entered " << step << " on a warm run";
  }
  struct stat after {};
  ASSERT_EQ(stat((warm.ranks[0].prefix + "/lib/big.bin").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // the same file: nothing extracted again
  EXPECT_EQ(entries().size(), 2u);
}

TEST_P(StagerCleanRun, EveryRankPassesEveryStepOfAColdRun) {
  const int members = GetParam();
  Staging cold = stage(members, request());
  for (int rank = 0; rank < members; ++rank) {
    ASSERT_EQ(cold.errors[rank], "");
    for (std::string_view step : kStagePhases)
      EXPECT_TRUE(cold.entered.count({rank, std::string(step)})) << "rank " << rank << " never entered " << step;
  }
}

INSTANTIATE_TEST_SUITE_P(Members, StagerCleanRun, ::testing::Values(2, 3, 4),
                         [](const auto& info) { return std::to_string(info.param) + "ranks"; });

TEST_F(StagerProtocol, ABundleThatCannotBeOpenedFailsEveryRankWithRankZerosMessage) {
  StageRequest r = request(false);
  r.bundles.push_back("missing.tar.zst");
  Staging run = stage(3, r);
  ASSERT_NE(run.errors[0], "");
  EXPECT_NE(run.errors[0].find("missing.tar.zst"), std::string::npos) << run.errors[0];
  for (const auto& e : run.errors) EXPECT_EQ(e, run.errors[0]);
  EXPECT_TRUE(entries().empty());
}

TEST_F(StagerProtocol, ACorruptBundleFailsEveryRankAndPublishesNothing) {
  std::string bytes = testing::read_file(dir_ / "pkgs/base.tar.zst");
  write_file(dir_ / "pkgs/base.tar.zst", bytes.substr(0, bytes.size() / 2));  // cut short
  Staging run = stage(4, request(false));
  ASSERT_NE(run.errors[0], "");
  for (const auto& e : run.errors) EXPECT_EQ(e, run.errors[0]);
  EXPECT_TRUE(entries().empty());
  EXPECT_TRUE(left("tmp-").empty());
}

/// A failure injected on one rank at one step.
struct Injection {
  int members;
  int rank;
  std::string step;
};

void PrintTo(const Injection& i, std::ostream* out) {
  *out << i.members << " ranks, rank " << i.rank << " fails in " << i.step;
}

class StagerFailure : public StagerProtocol, public ::testing::WithParamInterface<Injection> {};

TEST_P(StagerFailure, EndsEveryRankWithTheSameErrorCarryingTheFailingRanksMessage) {
  const Injection& p = GetParam();
  const std::string message = fmt::format("injected: rank {} failed in {}", p.rank, p.step);
  bool injected = false;
  Staging run = stage(p.members, request(), [&](int rank, std::string_view step) {
    if (rank == p.rank && step == p.step) {
      injected = true;
      throw Error(message);
    }
  });
  ASSERT_TRUE(injected) << "rank " << p.rank << " never entered " << p.step;
  for (int rank = 0; rank < p.members; ++rank) {
    EXPECT_EQ(run.errors[rank].rfind(message, 0), 0u) << "rank " << rank << ": " << run.errors[rank];
    EXPECT_EQ(run.errors[rank], run.errors[0]) << "rank " << rank;
  }
  EXPECT_TRUE(left("tmp-").empty()) << "an extraction was left behind";
  auto step = std::find(kStagePhases.begin(), kStagePhases.end(), p.step);
  auto stream = std::find(kStagePhases.begin(), kStagePhases.end(), "stream");
  int node = p.rank * 2 / p.members;
  bool leader = p.rank == 0 || (p.rank - 1) * 2 / p.members != node;
  if (step < stream) {
    EXPECT_TRUE(entries().empty()) << "published although a rank failed before the stream";
  } else if (step <= stream + 1 && leader) {
    // Other nodes may publish what they received whole; the failing one must not.
    for (const auto& entry : entries())
      EXPECT_EQ(entry.find("/vnode-" + std::to_string(node) + "/"), std::string::npos) << entry;
  }

  // Nothing is left that keeps the next job from staging.
  Staging again = stage(p.members, request());
  for (int rank = 0; rank < p.members; ++rank) EXPECT_EQ(again.errors[rank], "") << "rank " << rank;
}

std::vector<Injection> every_rank_at_every_step() {
  std::vector<Injection> cases;
  for (int members = 2; members <= 4; ++members)
    for (int rank = 0; rank < members; ++rank)
      for (std::string_view step : kStagePhases) cases.push_back({members, rank, std::string(step)});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryRankAtEveryStep, StagerFailure, ::testing::ValuesIn(every_rank_at_every_step()),
                         [](const auto& info) {
                           return fmt::format("{}ranks_rank{}_{}", info.param.members, info.param.rank,
                                              info.param.step);
                         });

}  // namespace
}  // namespace pybcast
