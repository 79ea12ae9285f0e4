#pragma once
// Compresses a byte stream as a sequence of independent frames (zstd frames
// or gzip members) of a fixed amount of input each, on a pool of threads,
// and writes them in order; the stream ends with a trailer that counts them
// (archive/frame_trailer.h). Independent frames let a later reader
// decompress in parallel; compressing each with one thread makes the bytes
// the same whatever --threads is.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "archive/decoder.h"
#include "archive/frame_trailer.h"
#include "util/ordered_pool.h"
#include "util/thread_pool.h"

namespace pybcast {

struct CompressionOptions {
  Compression kind = Compression::kZstd;  ///< kNone, kGzip or kZstd
  int level = 0;                          ///< 0: the format's default (zstd 3, gzip 6)
  int threads = 1;
  size_t frame_bytes = size_t{4} << 20;
};

/// The default level of a format, and the range --level accepts.
int default_level(Compression kind);
int max_level(Compression kind);

class FrameCompressor {
 public:
  /// Writes to `fd`; `shown` names it in errors.
  FrameCompressor(const CompressionOptions& options, int fd, std::string shown);
  ~FrameCompressor();
  FrameCompressor(const FrameCompressor&) = delete;
  FrameCompressor& operator=(const FrameCompressor&) = delete;

  void write(std::span<const std::byte> data);
  /// Compresses what is buffered and waits for every frame to be written.
  void finish();

  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }

 private:
  /// A frame as written: its bytes, and how much input they hold.
  struct Frame {
    std::vector<std::byte> bytes;
    size_t content = 0;
  };
  class Encoder;
  void submit();
  void write_ready(size_t keep);

  CompressionOptions options_;
  int fd_;
  std::string shown_;
  std::vector<std::byte> buffer_;
  uint64_t bytes_in_ = 0, bytes_out_ = 0;
  FrameTally tally_{"", ""};  ///< the frames written, for the trailer

  std::vector<std::unique_ptr<Encoder>> encoders_;  ///< one per worker
  ThreadPool workers_;                              ///< none: frames are compressed in write()
  OrderedPool<Frame> frames_{workers_};             ///< in stream order; last: it uses the above
};

}  // namespace pybcast
