#include "util/ordered_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/thread_pool.h"

namespace pybcast {
namespace {

/// Holds tasks until opened, so a test decides what is still running.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  void pass() {
    std::unique_lock lock(mutex_);
    opened_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

void sleep_us(unsigned us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); }

TEST(OrderedPool, GivesResultsInSubmissionOrderWhateverOrderTheyEndIn) {
  ThreadPool threads(4);
  OrderedPool<int> pool(threads);
  for (int i = 0; i < 200; ++i)
    pool.submit([i](unsigned) {
      sleep_us(static_cast<unsigned>((i * 7919) % 300));  // later tasks often end first
      return i;
    });
  EXPECT_EQ(pool.pending(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(pool.take(), i);
  EXPECT_EQ(pool.pending(), 0u);
}

TEST(OrderedPool, CarriesATasksExceptionToWhoeverTakesItsResult) {
  ThreadPool threads(3);
  OrderedPool<int> pool(threads);
  for (int i = 0; i < 6; ++i)
    pool.submit([i](unsigned) -> int {
      if (i == 3) fail("task {} failed", i);
      return i;
    });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pool.take(), i);
  try {
    pool.take();
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "task 3 failed");
  }
  // The tasks after it are unaffected.
  EXPECT_EQ(pool.take(), 4);
  EXPECT_EQ(pool.take(), 5);
}

TEST(OrderedPool, RunsAtMostItsThreadsAtOnceAndSaysWhenTheFrontIsReady) {
  ThreadPool threads(2);
  OrderedPool<int> pool(threads);
  Gate gate;
  std::atomic<int> running{0}, most{0};
  for (int i = 0; i < 8; ++i)
    pool.submit([&, i](unsigned worker) {
      EXPECT_LT(worker, 2u);
      int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      gate.pass();
      --running;
      return i;
    });
  sleep_us(20000);
  EXPECT_FALSE(pool.front_ready());
  EXPECT_EQ(pool.pending(), 8u);
  gate.open();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(pool.take(), i);
  EXPECT_EQ(most.load(), 2);
}

/// A consumer that takes whenever more than `keep` are pending never holds
/// more than keep + 1 results: the bound pack's compressor keeps.
TEST(OrderedPool, PendingCountsWhatTheCallerHoldsSoItCanBoundIt) {
  ThreadPool threads(3);
  OrderedPool<int> pool(threads);
  const size_t keep = 4;
  size_t most = 0;
  int next = 0;
  for (int i = 0; i < 100; ++i) {
    pool.submit([i](unsigned) { return i; });
    most = std::max(most, pool.pending());
    while (pool.pending() > keep) EXPECT_EQ(pool.take(), next++);
  }
  while (pool.pending() > 0) EXPECT_EQ(pool.take(), next++);
  EXPECT_EQ(next, 100);
  EXPECT_EQ(most, keep + 1);
}

TEST(OrderedPool, StopsEarlyWithoutWaitingAndTasksNotStartedNeverRun) {
  ThreadPool threads(1);
  Gate gate;
  std::atomic<int> ran{0};
  {
    OrderedPool<int> pool(threads);
    for (int i = 0; i < 50; ++i)
      pool.submit([&, i](unsigned) {
        gate.pass();
        ++ran;
        return i;
      });
    // The consumer gives up while the first task still runs: nothing waits for it.
  }
  gate.open();
  sleep_us(20000);
  EXPECT_LE(ran.load(), 1);
}

TEST(OrderedPool, AConsumerThatThrowsLeavesNothingHanging) {
  ThreadPool threads(2);
  auto consume = [&] {
    OrderedPool<int> pool(threads);
    for (int i = 0; i < 20; ++i)
      pool.submit([i](unsigned) -> int {
        if (i == 2) throw std::runtime_error("boom");
        sleep_us(1000);
        return i;
      });
    for (;;) pool.take();
  };
  EXPECT_THROW(consume(), std::runtime_error);
  // The threads are free for the next consumer.
  OrderedPool<int> next(threads);
  next.submit([](unsigned) { return 7; });
  EXPECT_EQ(next.take(), 7);
}

TEST(OrderedPool, AfterDiscardOnlyNewTasksResultsComeBack) {
  ThreadPool threads(2);
  OrderedPool<int> pool(threads);
  Gate gate;
  for (int i = 0; i < 10; ++i)
    pool.submit([&, i](unsigned) {
      gate.pass();
      return i;
    });
  pool.discard();
  EXPECT_EQ(pool.pending(), 0u);
  gate.open();
  for (int i = 100; i < 105; ++i) pool.submit([i](unsigned) { return i; });
  for (int i = 100; i < 105; ++i) EXPECT_EQ(pool.take(), i);
}

TEST(OrderedPool, WithNothingSubmittedNothingIsPendingOrReady) {
  ThreadPool threads(2);
  OrderedPool<int> pool(threads);
  EXPECT_EQ(pool.pending(), 0u);
  EXPECT_FALSE(pool.front_ready());
  pool.discard();
}

TEST(OrderedPool, OneWorkerRunsTasksInOrder) {
  ThreadPool threads(1);
  EXPECT_EQ(threads.slots(), 1u);
  OrderedPool<std::vector<int>> pool(threads);
  std::vector<int> order;  // only the one worker touches it
  for (int i = 0; i < 20; ++i)
    pool.submit([&, i](unsigned worker) {
      EXPECT_EQ(worker, 0u);
      order.push_back(i);
      return order;
    });
  for (int i = 0; i < 20; ++i) EXPECT_EQ(pool.take().size(), static_cast<size_t>(i + 1));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(OrderedPool, WithoutThreadsEachTaskRunsInSubmitOnTheCallersThread) {
  ThreadPool threads(0);
  EXPECT_EQ(threads.threads(), 0u);
  EXPECT_EQ(threads.slots(), 1u);
  OrderedPool<std::thread::id> pool(threads);
  pool.submit([](unsigned) { return std::this_thread::get_id(); });
  EXPECT_TRUE(pool.front_ready());
  EXPECT_EQ(pool.take(), std::this_thread::get_id());
  pool.submit([](unsigned) -> std::thread::id { throw std::runtime_error("carried, not thrown by submit"); });
  EXPECT_THROW(pool.take(), std::runtime_error);
}

TEST(OrderedPool, TwoPoolsOnOneThreadPoolEachGetTheirOwnResults) {
  ThreadPool threads(3);
  OrderedPool<int> a(threads), b(threads);
  for (int i = 0; i < 50; ++i) {
    a.submit([i](unsigned) { return i; });
    b.submit([i](unsigned) { return -i; });
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(b.take(), -i);
    EXPECT_EQ(a.take(), i);
  }
}

TEST(ThreadPool, DropsJobsNotStartedWhenItGoes) {
  Gate gate;
  std::atomic<int> started{0}, ran{0};
  std::thread opener;
  {
    ThreadPool threads(1);
    for (int i = 0; i < 10; ++i)
      threads.submit([&](unsigned) {
        ++started;
        gate.pass();
        ++ran;
      });
    while (started.load() == 0) sleep_us(100);
    opener = std::thread([&] {
      sleep_us(20000);
      gate.open();
    });
  }  // waits for the running job only
  opener.join();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace pybcast
