#pragma once
// Extracts a sequence of bundles, arriving as chunks of compressed bytes, into
// one directory while later chunks are still in flight. One thread
// decompresses (see decoder.h; with more than one extract thread, zstd frames
// decode on a FrameDecodePool, see zstd_frames.h), one parses tar with libarchive and creates
// every entry through SafeWriter, in stream order; with more than one extract
// thread, a WriterPool writes the regular files' bodies. Failures go to
// LocalStatus; the threads then drain their input so the producer never blocks.
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archive/decoder.h"
#include "archive/safe_writer.h"
#include "archive/writer_pool.h"
#include "archive/zstd_frames.h"
#include "bundle/manifest.h"
#include "bundle/manifest_check.h"
#include "util/blocking_queue.h"
#include "util/buffer_pool.h"
#include "util/local_status.h"
#include "util/worker_threads.h"

struct archive;
struct archive_entry;

namespace pybcast {

/// A piece of one bundle's compressed byte stream, in order.
struct StreamChunk {
  size_t bundle = 0;
  const std::byte* data = nullptr;
  size_t size = 0;
  bool last = false;           ///< the final chunk of this bundle
  std::byte* owner = nullptr;  ///< handed back to `release` once consumed
};

struct ExtractResult {
  ExtractStats stats;
  uint64_t tar_bytes = 0;             ///< decompressed stream size
  std::vector<std::string> decoders;  ///< per bundle: what decoded it ("gzip (ISA-L)", "zstd", ...)
  double busy_seconds = 0;            ///< first byte in to last entry written
};

struct ExtractOptions {
  /// 1: the parser writes every file itself; N > 1: N writer threads besides it.
  unsigned threads = 1;
  size_t queue_bytes = WriterPool::kDefaultQueueBytes;
  /// The fds it may hold (archive/fd_budget): directory fds SafeWriter caches,
  /// bodies queued for the writers. 0: this process's own budget, measured now.
  size_t dir_fds = 0;
  size_t queued_files = 0;
  uint64_t chunk_window_bytes = 0;  ///< the caller's chunk buffers, for the memory bound in the report
  GzipInflater gzip_inflater = GzipInflater::kIsal;
};

class StreamExtractor {
 public:
  using Release = std::function<void(std::byte*)>;

  StreamExtractor(int root_fd, std::vector<std::string> bundle_names, LocalStatus& status, Release release,
                  ExtractOptions options = {});
  ~StreamExtractor();
  StreamExtractor(const StreamExtractor&) = delete;
  StreamExtractor& operator=(const StreamExtractor&) = delete;

  /// Queues a chunk; chunks of bundle i must all precede those of bundle i+1.
  void push(const StreamChunk& chunk) { input_.push(chunk); }
  /// Waits for both threads and applies directory attributes.
  ExtractResult finish();

 private:
  struct PlainBlock {
    size_t bundle;
    std::byte* data;
    size_t size;
    bool last;
  };
  /// The read side of a libarchive reader: pops items until the bundle's last.
  template <typename Item>
  struct Feed;

  void decompress_all();
  void decompress_bundle(size_t bundle, Feed<StreamChunk>& feed);
  void extract_all();
  void extract_bundle(size_t bundle, Feed<PlainBlock>& feed);
  /// The next member's header; nullptr at the end (or after a failure
  /// elsewhere). Throws Error for a damaged header or a stream cut short.
  archive_entry* next_header(const std::string& name, archive* a, size_t entries);
  /// Checks one member against the manifest (if any) and creates it; the
  /// first member, if it is the manifest, starts the check.
  void extract_member(const std::string& name, archive* a, archive_entry* entry, bool first,
                      std::optional<ManifestCheck>& check);
  /// Refuses a bundle whose manifest says it will not fit, before extracting the rest.
  void check_space_for(const std::string& bundle, const Manifest& manifest);
  void flush_plain(size_t bundle, bool last);

  int root_fd_;
  std::vector<std::string> names_;
  LocalStatus& status_;
  Release release_;
  BlockingQueue<StreamChunk> input_;
  BlockingQueue<PlainBlock> plain_;
  BufferPool plain_pool_;
  std::byte* plain_fill_ = nullptr;
  size_t plain_used_ = 0;
  ExtractOptions options_;  ///< with the fd caps decided
  SafeWriter writer_;
  std::optional<WriterPool> pool_;         ///< before the threads: they use it
  std::optional<FrameDecodePool> frames_;  ///< decodes zstd frames when threads > 1
  ExtractResult result_;
  std::atomic<double> first_byte_{-1};
  WorkerThreads decompressor_;  ///< the stages, each one thread
  WorkerThreads extractor_;
  bool finished_ = false;
};

}  // namespace pybcast
