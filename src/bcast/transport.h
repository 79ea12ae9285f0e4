#pragma once
// The collective operations staging needs, behind an interface so that the
// protocol (the chunk pipeline, agreement, the node topology, the stager)
// runs in unit tests with an in-process fake and in production over MPI.
// Operations are started in the same order on every member.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pybcast {

enum class Reduction { kMax, kMin };

class Transport {
 public:
  /// split() colour of a member that joins no sub-group (MPI_UNDEFINED).
  static constexpr int kNoGroup = -1;

  virtual ~Transport() = default;
  /// Member 0 is the root: the reader of the bundles.
  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// Starts broadcasting `bytes` bytes from the root's `data` into everyone's `data`.
  virtual size_t start_bcast(void* data, size_t bytes) = 0;
  /// Starts a logical OR of `flag` over all members into `*result`.
  virtual size_t start_any(int flag, int* result) = 0;
  /// Completes operation `op` (blocking, but without burning the CPU).
  virtual void wait(size_t op) = 0;

  // Blocking collectives; they wait as gently as wait() does.
  /// `value` reduced over all members.
  virtual int allreduce(int value, Reduction op) = 0;
  /// Copies `bytes` bytes from member `root`'s `data` into everyone's `data`.
  virtual void bcast(int root, void* data, size_t bytes) = 0;
  /// `text` of member `root`, on every member (the others' `text` is ignored).
  virtual std::string bcast_string(int root, const std::string& text) = 0;
  /// Every member's `mine` (all of the same size), concatenated in rank order
  /// on member 0; empty on the others.
  virtual std::vector<std::byte> gather(std::span<const std::byte> mine) = 0;
  /// Every member's `mine` (any sizes, 2 GiB in all at most) on member 0,
  /// by rank; empty on the others.
  virtual std::vector<std::vector<std::byte>> gatherv(std::span<const std::byte> mine) = 0;
  /// The sub-group of the members that gave the same `color`, ranked by
  /// (`key`, rank); nullptr for a member that gave kNoGroup.
  virtual std::unique_ptr<Transport> split(int color, int key) = 0;
  /// The sub-group of the members on this member's host, ranked as here.
  virtual std::unique_ptr<Transport> split_by_host() = 0;
  /// This member's host name, for messages.
  virtual std::string host() const = 0;
};

}  // namespace pybcast
