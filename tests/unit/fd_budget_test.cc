#include "archive/fd_budget.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"

namespace pybcast {
namespace {

constexpr FdNeeds kRankZero{true, true, 3};  // a leader with a writer pool that reads 3 bundles
constexpr size_t kOverhead = kFdReserve + kFdStagingFixed;

size_t held(const FdShares& s) { return s.dir_cache + s.queued_bodies + s.open_bundles; }

TEST(FdBudget, CountsTheFdsThisProcessHasOpen) {
  size_t before = measure_fd_usage().open;
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  FdUsage usage = measure_fd_usage();
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(usage.open, before + 5);
  EXPECT_GT(usage.limit, usage.open);
}

TEST(FdBudget, NeverHandsOutMoreThanTheLimitLeavesAfterWhatIsOpenAndTheReserve) {
  for (uint64_t limit = 40; limit <= 5000; limit += 7) {
    for (FdNeeds needs : {kRankZero, FdNeeds{true, true, 0}, FdNeeds{true, false, 0}, FdNeeds{false, false, 1100},
                          FdNeeds{true, true, 1100}}) {
      FdUsage usage{limit, 17};
      FdShares s;
      try {
        s = share_fds(usage, needs);
      } catch (const Error&) {
        continue;  // below the minimums: covered below
      }
      SCOPED_TRACE("limit " + std::to_string(limit) + ", bundles " + std::to_string(needs.bundles));
      EXPECT_LE(usage.open + kOverhead + held(s), limit);
      EXPECT_EQ(s.dir_cache >= 4, needs.extract);
      EXPECT_EQ(s.queued_bodies >= 1, needs.extract && needs.pool);
      EXPECT_EQ(s.open_bundles >= 1, needs.bundles > 0);
      EXPECT_LE(s.open_bundles, std::max<size_t>(needs.bundles, 1));
    }
  }
}

TEST(FdBudget, SharesTheRestByWeightBundlesHalfCacheAndPoolAQuarter) {
  FdShares s = share_fds({1024, 24}, FdNeeds{true, true, 1100});
  size_t spare = 1024 - 24 - kOverhead;
  EXPECT_EQ(held(s), spare);
  double rest = static_cast<double>(spare - 6);  // beyond the minimums: 4 + 1 + 1
  EXPECT_NEAR(static_cast<double>(s.open_bundles), 1 + rest / 2, 1);
  EXPECT_NEAR(static_cast<double>(s.dir_cache), 4 + rest / 4, 1);
  EXPECT_NEAR(static_cast<double>(s.queued_bodies), 1 + rest / 4, 1);
}

TEST(FdBudget, GivesWhatOnePartCannotUseToTheOthers) {
  // Three bundles need three fds; the directory cache stops at 256: the pool gets the rest.
  FdShares s = share_fds({1024, 24}, kRankZero);
  EXPECT_EQ(s.open_bundles, 3u);
  EXPECT_EQ(s.dir_cache, 256u);
  EXPECT_EQ(s.queued_bodies, 1024 - 24 - kOverhead - 3 - 256);
}

TEST(FdBudget, KeepsEveryPartWithinItsMaximumWhenUnlimited) {
  FdShares s = share_fds({UINT64_MAX, 30}, FdNeeds{true, true, 100000});
  EXPECT_EQ(s.dir_cache, 256u);
  EXPECT_EQ(s.queued_bodies, 4096u);
  EXPECT_EQ(s.open_bundles, 100000u);
}

TEST(FdBudget, GivesAPartThisProcessDoesNotRunNothing) {
  FdShares none = share_fds({64, 20}, FdNeeds{});
  EXPECT_EQ(held(none), 0u);
  FdShares no_pool = share_fds({64, 20}, FdNeeds{true, false, 0});
  EXPECT_EQ(no_pool.queued_bodies, 0u);
  EXPECT_EQ(no_pool.open_bundles, 0u);
  EXPECT_EQ(no_pool.dir_cache, 64u - 20 - kOverhead);
}

TEST(FdBudget, FitsStagingUnderUlimit64WithMpiOpen) {
  // Open MPI 4.1 holds 17 fds after MPI_Init here; GNU tar -x works at 64.
  FdShares s = share_fds({64, 17}, kRankZero);
  EXPECT_GE(s.dir_cache, 4u);
  EXPECT_GE(s.queued_bodies, 1u);
  EXPECT_GE(s.open_bundles, 1u);
}

TEST(FdBudget, FailsNamingTheLimitAndWhatStagingNeedsWhenNotEvenTheMinimumsFit) {
  try {
    share_fds({16, 3}, kRankZero);
    FAIL() << "no error at a limit of 16";
  } catch (const Error& e) {
    std::string expected = "RLIMIT_NOFILE is 16; staging needs at least " + std::to_string(3 + kOverhead + 6) +
                           " open files (3 are open already): raise `ulimit -n`";
    EXPECT_EQ(e.what(), expected);
  }
  // A rank that neither reads nor extracts needs no share, at any limit.
  EXPECT_NO_THROW(share_fds({16, 15}, FdNeeds{}));
}

}  // namespace
}  // namespace pybcast
