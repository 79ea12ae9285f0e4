#pragma once
// Tasks submitted in order, run in parallel on a ThreadPool, results taken
// back in the order of submission: the frame compressor of pack and the
// frame decoder of staging. A task's exception is carried to whoever takes
// its result. The caller bounds what is in flight (pending()): it is usually
// the consumer too, so the pool never blocks submit(), which could not return.
// Stopping early is safe at any point: discard() or the destructor drops what
// is pending, tasks not started never run, and nothing waits for the rest.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "util/thread_pool.h"

namespace pybcast {

template <typename T>
class OrderedPool {
 public:
  /// Runs on worker `worker` of the ThreadPool; may throw.
  using Task = std::function<T(unsigned worker)>;

  /// Runs its tasks on `threads`, which must outlive it.
  explicit OrderedPool(ThreadPool& threads) : threads_(threads) {}
  ~OrderedPool() { discard(); }
  OrderedPool(const OrderedPool&) = delete;
  OrderedPool& operator=(const OrderedPool&) = delete;

  /// Queues a task; its result comes after those of every earlier task.
  void submit(Task task) {
    auto slot = std::make_shared<Slot>();
    order_.push_back(slot);
    threads_.submit([state = state_, slot, task = std::move(task)](unsigned worker) mutable {
      {
        std::lock_guard lock(state->mutex);
        if (state->abandoned) return;
      }
      std::optional<T> result;
      std::exception_ptr error;
      try {
        result.emplace(task(worker));
      } catch (...) {
        error = std::current_exception();
      }
      task = nullptr;  // what it holds (its input) goes before it counts as done
      {
        std::lock_guard lock(state->mutex);
        slot->result = std::move(result);
        slot->error = std::move(error);
        slot->done = true;
      }
      state->done.notify_all();
    });
  }

  /// Tasks submitted and not yet taken.
  size_t pending() const { return order_.size(); }

  /// Whether the oldest pending task has ended (false when none is pending).
  bool front_ready() {
    if (order_.empty()) return false;
    std::lock_guard lock(state_->mutex);
    return order_.front()->done;
  }

  /// Waits for the oldest pending task and returns its result, or rethrows
  /// what it threw. At least one task must be pending.
  T take() {
    std::shared_ptr<Slot> slot = std::move(order_.front());
    order_.pop_front();
    {
      std::unique_lock lock(state_->mutex);
      state_->done.wait(lock, [&] { return slot->done; });
    }
    if (slot->error) std::rethrow_exception(slot->error);
    return std::move(*slot->result);
  }

  /// Drops every pending task: those not started never run, the results of
  /// those running are thrown away when they end. The pool stays usable.
  void discard() {
    if (order_.empty()) return;
    {
      std::lock_guard lock(state_->mutex);
      state_->abandoned = true;
    }
    // Tasks still running report to the old state; new ones start afresh.
    state_ = std::make_shared<State>();
    order_.clear();
  }

 private:
  struct Slot {
    std::optional<T> result;
    std::exception_ptr error;
    bool done = false;  ///< guarded by State::mutex
  };
  /// Shared with the tasks, which may outlive the pool (running when it goes).
  struct State {
    std::mutex mutex;
    std::condition_variable done;
    bool abandoned = false;
  };

  ThreadPool& threads_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::deque<std::shared_ptr<Slot>> order_;  ///< pending tasks, in submission order
};

}  // namespace pybcast
