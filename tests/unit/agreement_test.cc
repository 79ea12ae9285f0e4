#include "bcast/agreement.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <climits>
#include <mutex>

#include "fake_members.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::FakeGroup;
using testing::FakeTransport;
using testing::run_members;

TEST(Agreement, NobodyFailedMeansNoFailureOnAnyRank) {
  FakeGroup group(3);
  std::vector<std::optional<std::string>> seen(3);
  auto errors = run_members(group, [&](FakeTransport& t) { seen[t.rank()] = agree_on_failure(t, false, ""); });
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(errors[rank], "");
    EXPECT_EQ(seen[rank], std::nullopt) << "rank " << rank;
  }
  EXPECT_EQ(group.divergence(), "");
}

TEST(Agreement, EveryRankLearnsTheLowestFailingRanksOwnMessage) {
  FakeGroup group(4);
  std::vector<std::optional<std::string>> seen(4);
  auto errors = run_members(group, [&](FakeTransport& t) {
    bool failed = t.rank() == 1 || t.rank() == 3;
    seen[t.rank()] = agree_on_failure(t, failed, "rank " + std::to_string(t.rank()) + " cannot go on");
  });
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_EQ(errors[rank], "");
    EXPECT_EQ(seen[rank], "rank 1 cannot go on") << "rank " << rank;
  }
}

TEST(Agreement, RunAgreedThrowsTheSameErrorOnEveryRankWithTheFailingRanksLocation) {
  FakeGroup group(3);
  auto errors = run_members(group, [&](FakeTransport& t) {
    LocalStatus status;
    record_failure(status, [&] {
      if (t.rank() == 2) fail("disk full");
    });
    throw_agreed_failure(t, status, " (on rank " + std::to_string(t.rank()) + ")");
  });
  for (const auto& e : errors) EXPECT_EQ(e, "disk full (on rank 2)");

  FakeGroup again(2);
  errors = run_members(again, [&](FakeTransport& t) {
    run_agreed(t, [&] {
      if (t.rank() == 0) throw Error("no bundles");
    });
  });
  EXPECT_EQ(errors, (std::vector<std::string>{"no bundles", "no bundles"}));
}

TEST(Agreement, ReductionsAndStringsReachEveryRank) {
  FakeGroup group(4);
  std::vector<int> max(4), min(4);
  std::vector<std::string> text(4);
  auto errors = run_members(group, [&](FakeTransport& t) {
    max[t.rank()] = allreduce_max(t, t.rank() * 10);
    min[t.rank()] = allreduce_min(t, t.rank() == 2 ? -5 : INT_MAX);
    text[t.rank()] = bcast_string(t, 2, t.rank() == 2 ? std::string("from two\0with a zero", 20) : "ignored");
  });
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_EQ(errors[rank], "");
    EXPECT_EQ(max[rank], 30);
    EXPECT_EQ(min[rank], -5);
    EXPECT_EQ(text[rank], std::string("from two\0with a zero", 20));
  }
}

TEST(FakeTransport, MembersStartingDifferentOperationsFailTheTestInsteadOfHanging) {
  FakeGroup group(3);
  auto errors = run_members(group, [&](FakeTransport& t) {
    if (t.rank() == 1) bcast_string(t, 0, "x");
    else allreduce_max(t, 1);
  });
  EXPECT_NE(group.divergence(), "");
  for (const auto& e : errors) EXPECT_NE(e, "");
}

TEST(FakeTransport, AMemberThatSkipsAnOperationIsCounted) {
  FakeGroup group(2);
  run_members(group, [&](FakeTransport& t) {
    int flag = 0;
    if (t.rank() == 0) t.start_any(1, &flag);  // never waited, never matched
  });
  EXPECT_EQ(group.unmatched(), 1u);
}

TEST(FakeTransport, AMemberLeftWaitingFailsTheTestInsteadOfHangingIt) {
  FakeGroup group(2);
  std::vector<std::string> errors;
  EXPECT_NONFATAL_FAILURE(errors = run_members(
                              group,
                              [&](FakeTransport& t) {
                                if (t.rank() == 0) allreduce_max(t, 1);  // rank 1 never joins
                              },
                              std::chrono::seconds(1)),
                          "a hang");
  EXPECT_NE(errors[0], "");
  EXPECT_EQ(errors[1], "");
}

TEST(FakeTransport, SplitRanksByKeyAndGathersInRankOrder) {
  FakeGroup group(5);
  std::vector<int> sub_rank(5, -2), sub_size(5, -2);
  std::vector<std::vector<std::byte>> gathered(5);
  run_members(group, [&](FakeTransport& t) {
    // Colour 0: ranks 0, 2, 4 keyed in reverse; rank 1 joins nothing; rank 3 alone.
    int color = t.rank() % 2 == 0 ? 0 : (t.rank() == 1 ? Transport::kNoGroup : 1);
    auto sub = t.split(color, -t.rank());
    if (!sub) return;
    sub_rank[t.rank()] = sub->rank();
    sub_size[t.rank()] = sub->size();
    std::byte mine{static_cast<unsigned char>(t.rank())};
    gathered[t.rank()] = sub->gather(std::span(&mine, 1));
  });
  EXPECT_EQ(sub_rank, (std::vector<int>{2, -2, 1, 0, 0}));
  EXPECT_EQ(sub_size, (std::vector<int>{3, -2, 3, 1, 3}));
  EXPECT_EQ(gathered[4], (std::vector<std::byte>{std::byte{4}, std::byte{2}, std::byte{0}}));
  EXPECT_TRUE(gathered[0].empty());
  EXPECT_EQ(gathered[3], (std::vector<std::byte>{std::byte{3}}));
  EXPECT_EQ(group.unmatched(), 0u);
  EXPECT_EQ(group.divergence(), "");
}

}  // namespace
}  // namespace pybcast
