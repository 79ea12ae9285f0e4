#include "util/parallel_for.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"

namespace pybcast {
namespace {

void sleep_ms(unsigned ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(ParallelFor, VisitsEveryIndexOnceOnAtMostItsWorkers) {
  std::vector<std::atomic<int>> visits(1000);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  parallel_for(visits.size(), 4, [&](size_t i) {
    ++visits[i];
    std::lock_guard lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  for (const auto& v : visits) EXPECT_EQ(v.load(), 1);
  EXPECT_LE(threads.size(), 4u);
}

TEST(ParallelFor, WithZeroItemsCallsNothing) {
  bool called = false;
  parallel_for(0, 8, [&](size_t) { called = true; });
  EXPECT_FALSE(called);
}

TEST(ParallelFor, OneWorkerIsTheCallerGoingInOrder) {
  auto caller = std::this_thread::get_id();
  for (unsigned workers : {0u, 1u}) {
    std::vector<size_t> order;
    parallel_for(50, workers, [&](size_t i) {
      EXPECT_EQ(std::this_thread::get_id(), caller);
      order.push_back(i);
    });
    ASSERT_EQ(order.size(), 50u);
    for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  }
}

TEST(ParallelFor, MoreWorkersThanItemsIsFine) {
  std::atomic<int> sum{0};
  parallel_for(3, 64, [&](size_t i) { sum += static_cast<int>(i) + 1; });
  EXPECT_EQ(sum.load(), 6);
}

/// The lowest failing index is said, even when a higher one fails first,
/// and only once every worker has stopped.
TEST(ParallelFor, RethrowsTheLowestFailingIndexOnceAllWorkersStopped) {
  for (unsigned workers : {1u, 2u, 4u}) {
    std::atomic<int> running{0};
    try {
      parallel_for(40, workers, [&](size_t i) {
        ++running;
        if (i == 3) {
          sleep_ms(30);  // fails last
          --running;
          fail("index {} failed", i);
        }
        if (i == 5) {
          --running;
          fail("index {} failed", i);
        }
        sleep_ms(1);
        --running;
      });
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "index 3 failed") << workers << " workers";
      EXPECT_EQ(running.load(), 0) << workers << " workers";
    }
  }
}

TEST(ParallelFor, StartsNoFurtherIndexAfterAFailure) {
  std::atomic<size_t> visited{0};
  EXPECT_THROW(parallel_for(100000, 2,
                            [&](size_t i) {
                              ++visited;
                              if (i == 0) throw std::runtime_error("first");
                              sleep_ms(1);
                            }),
               std::runtime_error);
  EXPECT_LT(visited.load(), 100u);
}

}  // namespace
}  // namespace pybcast
