#pragma once
// Streams the planned chunks from the root to every member with a window of
// non-blocking broadcasts over a fixed ring of buffers: the root reads chunk
// k+1 while chunk k travels and members extract chunk k-1.
//
// Early stop without hangs: after every `check_every` chunks all members
// start a non-blocking OR of "I have failed"; the result of check m decides,
// before chunk (m+2)*check_every is started, whether everybody stops there.
// Every member therefore starts exactly the same operations.
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "bcast/chunk_plan.h"
#include "bcast/transport.h"
#include "util/buffer_pool.h"
#include "util/hash.h"
#include "util/local_status.h"

namespace pybcast {

/// The root's supplier of chunk payloads (the bundle reader).
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  /// Fills `out` with the chunk's bytes; throws Error on a read failure or a
  /// bundle that changed (checked when `spec.last`).
  virtual void read(const ChunkSpec& spec, std::span<std::byte> out) = 0;
};

struct PipelineOptions {
  size_t window = 4;       ///< broadcasts in flight
  size_t check_every = 4;  ///< chunks between failure checks
};

struct PipelineStats {
  double seconds = 0;       ///< whole stream
  double read_seconds = 0;  ///< root: time inside ChunkSource::read
  uint64_t bytes = 0;       ///< payload bytes moved
  size_t chunks = 0;        ///< chunks started (fewer than planned after a stop)
  bool stopped_early = false;
};

class ChunkPipeline {
 public:
  /// Receives a chunk's payload; must eventually call pool.release(buffer).
  using Sink = std::function<void(const ChunkSpec& spec, std::byte* buffer, std::span<const std::byte> payload)>;

  /// `pool` buffers must hold sizeof(ChunkHeader) + the largest planned chunk.
  /// `bundle_names` and `where` only label error messages.
  ChunkPipeline(Transport& transport, std::vector<ChunkSpec> plan, BufferPool& pool, LocalStatus& status,
                std::vector<std::string> bundle_names, std::string where, PipelineOptions options = {});

  /// Root passes its source; a member that does not extract passes no sink.
  PipelineStats run(ChunkSource* source, const Sink& sink);

  static size_t buffer_bytes(uint64_t chunk_size) { return sizeof(ChunkHeader) + chunk_size; }

 private:
  struct Op {
    bool is_check;
    size_t handle;
    size_t chunk;  ///< for broadcasts
    std::byte* buffer;
    size_t check;  ///< for checks
  };

  void start_chunk(size_t k, ChunkSource* source, const Sink& sink);
  void complete_oldest(const Sink& sink);
  void deliver(const Op& op, const Sink& sink);
  bool locally_failed() const { return status_.failed() || aborted_by_root_; }

  Transport& transport_;
  std::vector<ChunkSpec> plan_;
  BufferPool& pool_;
  LocalStatus& status_;
  std::vector<std::string> names_;
  std::string where_;
  PipelineOptions options_;
  std::deque<Op> pending_;  ///< FIFO of started operations
  std::vector<int> check_results_;
  std::vector<bool> check_done_;
  StreamHash hash_;  ///< running xxh3 of the current bundle
  bool aborted_by_root_ = false;
  size_t bcasts_pending_ = 0;
  PipelineStats stats_;
};

}  // namespace pybcast
