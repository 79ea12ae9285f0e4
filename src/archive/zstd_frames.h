#pragma once
// Parallel decoding of a zstd stream made of independent frames, as
// `pybcast pack` writes (4 MiB of tar per frame) and `zstd`, `pzstd` or a
// `for part; do zstd; done` loop write too. The decompressor thread only cuts
// the stream into frames by their block headers (RFC 8878, no decoding); a
// pool of threads decodes whole frames at once, and the decoded bytes are
// handed on in stream order. A frame that does not state its content size
// (`tar --zstd` writes one), or states more than kMaxFrameBytes, is decoded
// as a stream on the decompressor thread, in order, with bounded memory:
// such a bundle extracts exactly as before.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "archive/decoder.h"
#include "util/ordered_pool.h"
#include "util/thread_pool.h"

namespace pybcast {

struct FrameThreadStats {
  double busy_seconds = 0;  ///< inside ZSTD_decompressDCtx
  uint64_t frames = 0;
  uint64_t bytes = 0;  ///< decoded
};

/// The threads that decode whole frames, one zstd context each, shared by
/// the decoders of a StreamExtractor's bundles (one at a time).
class FrameDecodePool {
 public:
  /// One zstd frame's content.
  struct Decoded {
    std::unique_ptr<std::byte[]> bytes;
    size_t size = 0;
    size_t cost = 0;  ///< bytes it held against the decoder's budget
  };

  /// Frames larger than this are decoded as a stream (memory stays bounded).
  static constexpr size_t kMaxFrameBytes = size_t{16} << 20;
  /// Above kMaxFrameBytes, what a frame may take compressed (zstd's bound).
  static constexpr size_t kSlackBytes = size_t{1} << 20;

  explicit FrameDecodePool(unsigned threads);
  ~FrameDecodePool();
  FrameDecodePool(const FrameDecodePool&) = delete;
  FrameDecodePool& operator=(const FrameDecodePool&) = delete;

  /// The task that decodes one whole frame of `content` bytes on a worker;
  /// it throws Error("corrupt zstd data (...)") for a corrupt frame.
  OrderedPool<Decoded>::Task decode_task(std::vector<std::byte> frame, size_t content, size_t cost);
  ThreadPool& workers() { return workers_; }

  unsigned threads() const { return workers_.slots(); }
  /// What each thread did so far (read once every frame is handed out).
  std::vector<FrameThreadStats> stats();
  /// Compressed plus decoded bytes of the frames one decoder keeps in flight.
  size_t budget_bytes() const { return budget_; }
  /// The most a decoder holds: its budget plus the frame it is cutting.
  size_t max_bytes() const { return budget_ + kMaxFrameBytes + kSlackBytes; }

 private:
  struct Context;

  size_t budget_;
  std::mutex mutex_;
  std::vector<FrameThreadStats> stats_;             ///< guarded by mutex_
  std::vector<std::unique_ptr<Context>> contexts_;  ///< one per worker
  ThreadPool workers_;                              ///< last: its jobs use the above
};

/// A zstd Decoder that decodes frames on `pool` (see above), or streams
/// every frame itself when `pool` is null; the report names how many frames
/// went to the pool and how many were streamed. Either way it checks pack's
/// trailer frame (frame_trailer.h) when the stream has one.
std::unique_ptr<Decoder> make_zstd_decoder(FrameDecodePool* pool);

}  // namespace pybcast
