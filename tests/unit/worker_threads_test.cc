#include "util/worker_threads.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

namespace pybcast {
namespace {

TEST(WorkerThreads, RunsEachIndexOnceAndJoinsBeforeItGoes) {
  std::vector<std::atomic<int>> runs(5);
  {
    WorkerThreads threads(5, [&](unsigned i) { ++runs[i]; });
    EXPECT_EQ(threads.size(), 5u);
  }
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
}

TEST(WorkerThreads, JoiningTwiceOrNoneAtAllIsHarmless) {
  std::atomic<int> runs{0};
  WorkerThreads threads(2, [&](unsigned) { ++runs; });
  threads.join();
  EXPECT_EQ(runs.load(), 2);
  threads.join();
  EXPECT_EQ(threads.size(), 0u);
  WorkerThreads none;
  none.join();
}

TEST(WorkerThreads, AssigningJoinsTheThreadsItHeld) {
  std::atomic<int> first{0}, second{0};
  WorkerThreads threads(1, [&](unsigned) { ++first; });
  threads = WorkerThreads(3, [&](unsigned) { ++second; });
  EXPECT_EQ(first.load(), 1);
  threads.join();
  EXPECT_EQ(second.load(), 3);
}

}  // namespace
}  // namespace pybcast
