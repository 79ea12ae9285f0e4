#include "bcast/chunk_pipeline.h"

#include <cstring>

#include "util/error.h"
#include "util/timer.h"

namespace pybcast {

ChunkPipeline::ChunkPipeline(Transport& transport, std::vector<ChunkSpec> plan, BufferPool& pool, LocalStatus& status,
                             std::vector<std::string> bundle_names, std::string where, PipelineOptions options)
    : transport_(transport),
      plan_(std::move(plan)),
      pool_(pool),
      status_(status),
      names_(std::move(bundle_names)),
      where_(std::move(where)),
      options_(options) {
  if (options_.window == 0 || options_.check_every == 0) fail("pipeline window and check interval must be > 0");
  size_t checks = plan_.size() / options_.check_every + 1;
  check_results_.assign(checks, 0);
  check_done_.assign(checks, false);
}

PipelineStats ChunkPipeline::run(ChunkSource* source, const Sink& sink) {
  Stopwatch clock;
  const size_t every = options_.check_every;
  size_t next = 0;
  bool stop = false;
  while ((next < plan_.size() && !stop) || !pending_.empty()) {
    bool can_start = next < plan_.size() && !stop && bcasts_pending_ < options_.window;
    if (can_start && next % every == 0 && next / every >= 2) {
      size_t governing = next / every - 2;
      if (!check_done_[governing]) {
        complete_oldest(sink);
        continue;
      }
      if (check_results_[governing]) {
        stop = true;
        stats_.stopped_early = true;
        continue;
      }
    }
    if (!can_start) {
      complete_oldest(sink);
      continue;
    }
    start_chunk(next, source, sink);
    ++next;
    if (next % every == 0) {
      size_t check = next / every - 1;
      size_t handle = transport_.start_any(locally_failed() ? 1 : 0, &check_results_[check]);
      pending_.push_back(Op{true, handle, 0, nullptr, check});
    }
  }
  stats_.chunks = next;
  stats_.seconds = clock.seconds();
  return stats_;
}

void ChunkPipeline::start_chunk(size_t k, ChunkSource* source, const Sink& sink) {
  const ChunkSpec& spec = plan_[k];
  std::byte* buffer = pool_.try_acquire();
  while (buffer == nullptr) {
    // Every buffer is in flight or with a consumer: finish an operation if we
    // can (that is what frees buffers), else wait for a consumer.
    if (bcasts_pending_ > 0) {
      complete_oldest(sink);
      buffer = pool_.try_acquire();
    } else {
      buffer = pool_.acquire();
    }
  }
  ChunkHeader header;
  header.payload = spec.size;
  std::span<std::byte> payload(buffer + sizeof(ChunkHeader), spec.size);
  if (transport_.rank() == 0) {
    if (spec.offset == 0) hash_.reset();
    if (!status_.failed() && source != nullptr) {
      Stopwatch read_clock;
      try {
        source->read(spec, payload);
        hash_.update(payload);
      } catch (const std::exception& e) {
        status_.fail(e.what());
      }
      stats_.read_seconds += read_clock.seconds();
    }
    if (status_.failed()) header.flags |= ChunkHeader::kAbort;
    if (spec.last) header.bundle_hash = hash_.digest();
    std::memcpy(buffer, &header, sizeof header);
  }
  size_t handle = transport_.start_bcast(buffer, sizeof(ChunkHeader) + spec.size);
  pending_.push_back(Op{false, handle, k, buffer, 0});
  ++bcasts_pending_;
}

void ChunkPipeline::complete_oldest(const Sink& sink) {
  Op op = pending_.front();
  pending_.pop_front();
  transport_.wait(op.handle);
  if (op.is_check) {
    check_done_[op.check] = true;
    return;
  }
  --bcasts_pending_;
  deliver(op, sink);
}

void ChunkPipeline::deliver(const Op& op, const Sink& sink) {
  const ChunkSpec& spec = plan_[op.chunk];
  ChunkHeader header;
  std::memcpy(&header, op.buffer, sizeof header);
  std::span<const std::byte> payload(op.buffer + sizeof(ChunkHeader), spec.size);
  if (transport_.rank() != 0 && !locally_failed()) {
    if (header.magic != ChunkHeader::kMagic || header.payload != spec.size) {
      status_.fail(
          fmt::format("bundle '{}': malformed chunk {} received on {}", names_[spec.bundle], op.chunk, where_));
    } else if (header.flags & ChunkHeader::kAbort) {
      aborted_by_root_ = true;  // rank 0 holds the reason; agreement reports it
    } else {
      if (spec.offset == 0) hash_.reset();
      hash_.update(payload);
      if (spec.last && hash_.digest() != header.bundle_hash)
        status_.fail(fmt::format("bundle '{}': bytes received on {} differ from the bytes rank 0 read (xxh3 {} != {})",
                                 names_[spec.bundle], where_, hex64(hash_.digest()), hex64(header.bundle_hash)));
    }
  }
  stats_.bytes += spec.size;
  if (sink && !locally_failed()) {
    sink(spec, op.buffer, payload);
  } else {
    pool_.release(op.buffer);
  }
}

}  // namespace pybcast
