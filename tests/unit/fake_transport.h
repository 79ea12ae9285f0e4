#pragma once
// An in-process Transport: members are threads of one test. It checks that
// every member starts the same sequence of operations (same kind, same root,
// same sizes), which is exactly the property that keeps the MPI version from
// hanging. A member that diverges, and every member waiting anywhere in the
// test's groups, gets std::logic_error instead of hanging; so does every
// waiter after abort() (a test's timeout).
#include <algorithm>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bcast/transport.h"

namespace pybcast::testing {

class FakeGroup {
 public:
  /// `members` members on one host.
  explicit FakeGroup(int members) : FakeGroup(std::vector<std::string>(static_cast<size_t>(members), "fakehost")) {}
  /// One member per entry, on that host (split_by_host groups them).
  explicit FakeGroup(std::vector<std::string> hosts)
      : FakeGroup(std::make_shared<State>(), std::move(hosts), nullptr) {}
  FakeGroup(const FakeGroup&) = delete;
  FakeGroup& operator=(const FakeGroup&) = delete;

  int members() const { return static_cast<int>(hosts_.size()); }
  /// Optional tampering with the bytes a receiver gets (rank, op, data, bytes)
  /// of start_bcast; groups split from this one inherit it.
  std::function<void(int, size_t, void*, size_t)> tamper;

  /// Wakes every member waiting in this group or those split from it with
  /// std::logic_error; later operations fail the same way.
  void abort() {
    std::lock_guard lock(state_->mutex);
    state_->aborted = true;
    state_->changed.notify_all();
  }
  /// The first difference between the members' operations ("" if none).
  std::string divergence() const {
    std::lock_guard lock(state_->mutex);
    return state_->divergence;
  }
  /// Operations that some member started and another never did, here and in
  /// the groups split from this one: a member that returned early.
  size_t unmatched() const {
    std::lock_guard lock(state_->mutex);
    return unmatched_locked();
  }

 private:
  friend class FakeTransport;
  /// What every group of one test shares: one lock, and the verdicts.
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    std::string divergence;
    bool aborted = false;
  };
  enum class Kind { kBcast, kMax, kMin, kBcastString, kGather, kGatherv, kSplit, kSplitByHost };
  struct Op {
    bool created = false;
    Kind kind{};
    int root = 0;
    size_t bytes = 0;
    int joined = 0;  ///< members that started it
    bool root_posted = false;
    std::vector<char> data;
    int value = 0;                                   ///< reductions
    std::vector<std::vector<char>> parts;            ///< gather, by rank
    std::vector<std::pair<int, int>> colors;         ///< split: (colour, key) by rank
    std::vector<std::pair<FakeGroup*, int>> placed;  ///< split: (group or null, new rank) by rank
  };

  FakeGroup(std::shared_ptr<State> state, std::vector<std::string> hosts, FakeGroup* parent)
      : state_(std::move(state)), hosts_(std::move(hosts)) {
    if (parent) tamper = parent->tamper;
  }

  [[noreturn]] void diverge(const std::string& what) {
    if (state_->divergence.empty()) state_->divergence = what;
    state_->changed.notify_all();
    throw std::logic_error(what);
  }
  /// Joins operation `index` as `rank`: checks it is the same operation every member started there.
  Op& join(size_t index, Kind kind, int root, size_t bytes) {
    if (state_->aborted) throw std::logic_error("fake transport aborted");
    if (ops_.size() <= index) ops_.resize(index + 1);
    Op& o = ops_[index];
    if (!o.created) {
      o.created = true;
      o.kind = kind;
      o.root = root;
      o.bytes = bytes;
      o.value = kind == Kind::kMin ? INT_MAX : INT_MIN;
      o.parts.resize(hosts_.size());
      o.colors.resize(hosts_.size());
    } else if (o.kind != kind) {
      diverge("members started different operations at the same position (" + std::to_string(index) + ")");
    } else if (o.root != root) {
      diverge("members gave different roots to operation " + std::to_string(index));
    } else if (o.bytes != bytes && kind != Kind::kBcastString && kind != Kind::kGatherv) {
      diverge("members gave different sizes to operation " + std::to_string(index));
    }
    ++o.joined;
    state_->changed.notify_all();
    return o;
  }
  /// Waits, with the lock held, until `ready`; throws on divergence or abort.
  template <class Ready>
  void await(std::unique_lock<std::mutex>& lock, Ready ready) {
    state_->changed.wait(lock, [&] { return ready() || state_->aborted || !state_->divergence.empty(); });
    if (!ready()) throw std::logic_error("fake transport: " + (state_->aborted ? "aborted" : state_->divergence));
  }
  void form_groups(Op& o) {
    std::map<int, std::vector<int>> by_color;
    for (int r = 0; r < members(); ++r)
      if (o.colors[static_cast<size_t>(r)].first != Transport::kNoGroup)
        by_color[o.colors[static_cast<size_t>(r)].first].push_back(r);
    o.placed.assign(hosts_.size(), {nullptr, 0});
    for (auto& [color, ranks] : by_color) {
      std::stable_sort(ranks.begin(), ranks.end(), [&](int a, int b) {
        return o.colors[static_cast<size_t>(a)].second < o.colors[static_cast<size_t>(b)].second;
      });
      std::vector<std::string> hosts;
      for (int r : ranks) hosts.push_back(hosts_[static_cast<size_t>(r)]);
      children_.push_back(std::unique_ptr<FakeGroup>(new FakeGroup(state_, std::move(hosts), this)));
      for (size_t i = 0; i < ranks.size(); ++i)
        o.placed[static_cast<size_t>(ranks[i])] = {children_.back().get(), static_cast<int>(i)};
    }
  }
  size_t unmatched_locked() const {
    size_t n = 0;
    for (const auto& o : ops_)
      if (o.joined != members()) ++n;
    for (const auto& child : children_) n += child->unmatched_locked();
    return n;
  }

  std::shared_ptr<State> state_;
  std::vector<std::string> hosts_;
  std::deque<Op> ops_;  // grows while members wait on earlier ops: references must stay valid
  std::vector<std::unique_ptr<FakeGroup>> children_;
};

class FakeTransport : public Transport {
 public:
  FakeTransport(FakeGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.members(); }
  std::string host() const override { return group_.hosts_[static_cast<size_t>(rank_)]; }

  size_t start_bcast(void* data, size_t bytes) override {
    std::lock_guard lock(group_.state_->mutex);
    size_t index = next_++;
    post(group_.join(index, Kind::kBcast, 0, bytes), data, bytes);
    pending_.push_back({index, data, bytes, nullptr});
    return index;
  }

  size_t start_any(int flag, int* result) override {
    std::lock_guard lock(group_.state_->mutex);
    size_t index = next_++;
    auto& op = group_.join(index, Kind::kMax, -1, sizeof(int));
    op.value = std::max(op.value, flag);
    pending_.push_back({index, nullptr, 0, result});
    return index;
  }

  void wait(size_t index) override {
    Pending p{};
    for (auto& candidate : pending_)
      if (candidate.index == index) p = candidate;
    std::unique_lock lock(group_.state_->mutex);
    auto& op = group_.ops_[index];
    if (op.kind == Kind::kBcast) {
      receive(lock, op, p.data, p.bytes);
      if (rank_ != 0 && group_.tamper) group_.tamper(rank_, index, p.data, p.bytes);
    } else {
      group_.await(lock, [&] { return op.joined == group_.members(); });
      *p.result = op.value;
    }
  }

  int allreduce(int value, Reduction reduction) override {
    std::unique_lock lock(group_.state_->mutex);
    bool max = reduction == Reduction::kMax;
    auto& op = group_.join(next_++, max ? Kind::kMax : Kind::kMin, -1, sizeof(int));
    op.value = max ? std::max(op.value, value) : std::min(op.value, value);
    group_.await(lock, [&] { return op.joined == group_.members(); });
    return op.value;
  }

  void bcast(int root, void* data, size_t bytes) override {
    std::unique_lock lock(group_.state_->mutex);
    auto& op = group_.join(next_++, Kind::kBcast, root, bytes);
    post(op, data, bytes);
    receive(lock, op, data, bytes);
  }

  std::string bcast_string(int root, const std::string& text) override {
    std::unique_lock lock(group_.state_->mutex);
    auto& op = group_.join(next_++, Kind::kBcastString, root, 0);
    if (rank_ == root) {
      post(op, text.data(), text.size());
      return text;
    }
    group_.await(lock, [&] { return op.root_posted; });
    return std::string(op.data.begin(), op.data.end());
  }

  std::vector<std::byte> gather(std::span<const std::byte> mine) override {
    std::unique_lock lock(group_.state_->mutex);
    auto& op = group_.join(next_++, Kind::kGather, 0, mine.size());
    const char* bytes = reinterpret_cast<const char*>(mine.data());
    op.parts[static_cast<size_t>(rank_)].assign(bytes, bytes + mine.size());
    if (rank_ != 0) return {};
    group_.await(lock, [&] { return op.joined == group_.members(); });
    std::vector<std::byte> all;
    for (const auto& part : op.parts)
      for (char c : part) all.push_back(static_cast<std::byte>(c));
    return all;
  }

  std::vector<std::vector<std::byte>> gatherv(std::span<const std::byte> mine) override {
    std::unique_lock lock(group_.state_->mutex);
    auto& op = group_.join(next_++, Kind::kGatherv, 0, 0);
    const char* bytes = reinterpret_cast<const char*>(mine.data());
    op.parts[static_cast<size_t>(rank_)].assign(bytes, bytes + mine.size());
    if (rank_ != 0) return {};
    group_.await(lock, [&] { return op.joined == group_.members(); });
    std::vector<std::vector<std::byte>> out;
    for (const auto& part : op.parts) {
      out.emplace_back();
      for (char c : part) out.back().push_back(static_cast<std::byte>(c));
    }
    return out;
  }

  std::unique_ptr<Transport> split(int color, int key) override { return split_as(Kind::kSplit, color, key); }

  std::unique_ptr<Transport> split_by_host() override {
    const auto& hosts = group_.hosts_;
    auto first = std::find(hosts.begin(), hosts.end(), hosts[static_cast<size_t>(rank_)]);
    return split_as(Kind::kSplitByHost, static_cast<int>(first - hosts.begin()), rank_);
  }

 private:
  using Kind = FakeGroup::Kind;
  struct Pending {
    size_t index;
    void* data;
    size_t bytes;
    int* result;
  };

  /// The root's part of a broadcast (lock held).
  void post(FakeGroup::Op& op, const void* data, size_t bytes) {
    if (rank_ != op.root) return;
    op.data.assign(static_cast<const char*>(data), static_cast<const char*>(data) + bytes);
    op.root_posted = true;
    group_.state_->changed.notify_all();
  }
  /// The receivers' part of a broadcast (lock held).
  void receive(std::unique_lock<std::mutex>& lock, FakeGroup::Op& op, void* data, size_t bytes) {
    group_.await(lock, [&] { return op.root_posted; });
    if (rank_ != op.root && bytes > 0) std::memcpy(data, op.data.data(), bytes);
  }

  std::unique_ptr<Transport> split_as(Kind kind, int color, int key) {
    std::unique_lock lock(group_.state_->mutex);
    auto& op = group_.join(next_++, kind, -1, 0);
    op.colors[static_cast<size_t>(rank_)] = {color, key};
    group_.await(lock, [&] { return op.joined == group_.members(); });
    if (op.placed.empty()) group_.form_groups(op);
    auto [group, rank] = op.placed[static_cast<size_t>(rank_)];
    if (group == nullptr) return nullptr;
    return std::make_unique<FakeTransport>(*group, rank);
  }

  FakeGroup& group_;
  int rank_;
  size_t next_ = 0;
  std::vector<Pending> pending_;
};

}  // namespace pybcast::testing
