#pragma once
// An in-process Transport: members are threads of one test. It checks that
// every member starts the same sequence of operations, which is exactly the
// property that keeps the MPI version from hanging.
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "bcast/transport.h"

namespace pybcast::testing {

class FakeGroup {
 public:
  explicit FakeGroup(int members) : members_(members) {}
  int members() const { return members_; }
  /// Optional tampering with the bytes a receiver gets (rank, op, data, bytes).
  std::function<void(int, size_t, void*, size_t)> tamper;

 private:
  friend class FakeTransport;
  struct Op {
    bool is_bcast = false;
    bool created = false;
    std::vector<char> data;
    bool root_posted = false;
    int contributions = 0;
    int any = 0;
  };
  Op& op(size_t index, bool is_bcast) {
    if (ops_.size() <= index) ops_.resize(index + 1);
    Op& o = ops_[index];
    if (!o.created) {
      o.created = true;
      o.is_bcast = is_bcast;
    } else if (o.is_bcast != is_bcast) {
      mismatch_ = true;
      throw std::logic_error("members started different operations at the same position");
    }
    return o;
  }
  int members_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Op> ops_;  // grows while members wait on earlier ops: references must stay valid
  bool mismatch_ = false;
};

class FakeTransport : public Transport {
 public:
  FakeTransport(FakeGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.members(); }

  size_t start_bcast(void* data, size_t bytes) override {
    std::lock_guard lock(group_.mutex_);
    size_t index = next_++;
    auto& op = group_.op(index, true);
    if (rank_ == 0) {
      op.data.assign(static_cast<char*>(data), static_cast<char*>(data) + bytes);
      op.root_posted = true;
      group_.changed_.notify_all();
    }
    pending_.push_back({index, data, bytes, nullptr});
    return index;
  }

  size_t start_any(int flag, int* result) override {
    std::lock_guard lock(group_.mutex_);
    size_t index = next_++;
    auto& op = group_.op(index, false);
    op.any |= flag;
    ++op.contributions;
    group_.changed_.notify_all();
    pending_.push_back({index, nullptr, 0, result});
    return index;
  }

  void wait(size_t index) override {
    Pending p{};
    for (auto& candidate : pending_)
      if (candidate.index == index) p = candidate;
    std::unique_lock lock(group_.mutex_);
    auto& op = group_.ops_[index];
    if (op.is_bcast) {
      group_.changed_.wait(lock, [&] { return op.root_posted; });
      if (rank_ != 0) {
        if (op.data.size() != p.bytes) throw std::logic_error("broadcast sizes differ between members");
        std::memcpy(p.data, op.data.data(), p.bytes);
        if (group_.tamper) group_.tamper(rank_, index, p.data, p.bytes);
      }
    } else {
      group_.changed_.wait(lock, [&] { return op.contributions == group_.members(); });
      *p.result = op.any;
    }
  }

 private:
  struct Pending {
    size_t index;
    void* data;
    size_t bytes;
    int* result;
  };
  FakeGroup& group_;
  int rank_;
  size_t next_ = 0;
  std::vector<Pending> pending_;
};

}  // namespace pybcast::testing
