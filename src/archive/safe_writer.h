#pragma once
// Creates archive entries beneath one directory, only through directory file
// descriptors opened with O_NOFOLLOW: no write ever passes through a symlink,
// whether the archive made it or it was there before. Parent directories are
// cached as open fds because tar members arrive grouped by directory.
// With a WriterPool, regular-file bodies are written by its threads; every
// namespace operation stays here, on the one thread that calls write_entry.
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "archive/safe_path.h"
#include "archive/writer_pool.h"
#include "archive/zstd_frames.h"

struct archive;
struct archive_entry;

namespace pybcast {

/// Where extraction time and memory went, on this node leader.
struct ExtractPerf {
  std::vector<WriterThreadStats> writers;  ///< one per writer-pool thread (none: the parser wrote everything)
  WriterThreadStats parser_writes;         ///< bodies the parser wrote itself (no pool, large files, manifests)
  double parser_blocked_seconds = 0;       ///< the parser waited for room in the writer queue
  uint64_t chunk_window_bytes = 0;         ///< the broadcast's chunk buffers
  uint64_t decode_buffer_bytes = 0;        ///< decoded blocks between decoder and parser
  uint64_t frame_buffer_bytes = 0;         ///< zstd frames decoding in parallel (0: none)
  std::vector<FrameThreadStats>
      frame_threads;                ///< one per frame-decoding thread (none: no zstd frames decoded in parallel)
  uint64_t writer_queue_bytes = 0;  ///< the writer queue's cap, plus one body being read (0: no pool)
  uint64_t peak_rss_bytes = 0;      ///< getrusage ru_maxrss when extraction ended
};

struct ExtractStats {
  uint64_t files = 0;
  uint64_t dirs = 0;
  uint64_t symlinks = 0;
  uint64_t hardlinks = 0;
  uint64_t bytes = 0;      ///< regular file bytes written
  uint64_t conflicts = 0;  ///< entries that replaced an existing path
  uint64_t outside_symlink_count = 0;
  std::vector<std::string> outside_symlinks;  ///< first few, "path -> target"
  /// Regular files "<dir>/__pycache__/<name>.pyc", in extraction order (for stage/bytecode_mirror).
  std::vector<std::string> bytecode;
  /// How this run went (for --report; not kept in the cache entry's record).
  ExtractPerf perf;
};

class SafeWriter {
 public:
  /// Writes beneath root_fd, which the caller keeps open, caching at most
  /// `max_dirs` directory fds (archive/fd_budget; at least 1). Within one
  /// entry it may hold 3 more (fd_budget.cc counts them).
  SafeWriter(int root_fd, size_t max_dirs);
  ~SafeWriter();
  SafeWriter(const SafeWriter&) = delete;
  SafeWriter& operator=(const SafeWriter&) = delete;

  /// Regular-file bodies go to `pool` from now on (nullptr: written here).
  void use_pool(WriterPool* pool) { pool_ = pool; }
  /// Tags the bodies handed to the pool, so that their errors name the bundle.
  void set_bundle(size_t bundle) { bundle_ = bundle; }
  /// Creates the entry at `parts`; regular-file data is read from `a`.
  /// `body_here`: write the body on this thread (the caller reads it back).
  /// `xxh3`: what a regular file's content must hash to (its manifest's),
  /// checked where the body is written; a difference refuses the entry.
  /// Throws Error("entry '<path>': ...") when the entry is refused.
  void write_entry(const PathParts& parts, archive* a, archive_entry* entry, bool body_here = false,
                   std::optional<uint64_t> xxh3 = std::nullopt);
  /// Reads back (at most `limit` bytes of) a file this writer created.
  std::string read_back(const PathParts& parts, size_t limit);
  /// Applies directory modes and mtimes, deepest first. Deferred so that
  /// read-only directories can still be filled while extracting. Call it
  /// once the pool has drained, so that it stays the last step.
  void finish();
  const ExtractStats& stats() const { return stats_; }

  static constexpr size_t kMaxListedOutsideSymlinks = 20;

 private:
  struct DirAttrs {
    mode_t mode;
    timespec mtime;
  };

  /// True when the fd cache should be emptied before working at this depth.
  bool cache_full() const;
  int dir_fd(const PathParts& parts, size_t count, bool create);
  int open_child_dir(int parent, const PathParts& parts, size_t index, bool create);
  void forget_dirs();
  void forget_dirs_below(const std::string& path);
  bool make_room(int parent, const std::string& name, const PathParts& parts, bool for_dir);
  void write_file(int parent, const PathParts& parts, archive* a, archive_entry* entry, bool body_here,
                  std::optional<uint64_t> xxh3);
  /// Hands each data block of the current entry to `use`, counting its bytes.
  void read_data(const PathParts& parts, archive* a, const std::function<void(int64_t, const void*, size_t)>& use);
  void stream_body(int fd, const PathParts& parts, archive* a, archive_entry* entry, std::optional<uint64_t> xxh3);
  void queue_body(io::Fd file, const PathParts& parts, archive* a, archive_entry* entry, std::optional<uint64_t> xxh3);
  /// A hard link's target may still be queued: its body is written first.
  void wait_for_body(const std::string& path);
  void write_dir(int parent, const PathParts& parts, archive_entry* entry);
  void write_symlink(int parent, const PathParts& parts, archive_entry* entry);
  void write_hardlink(int parent, const PathParts& parts, archive_entry* entry);

  int root_fd_;
  size_t max_dirs_;
  std::unordered_map<std::string, int> dir_fds_;  ///< "a/b" -> open fd (root excluded)
  std::unordered_map<std::string, DirAttrs> dir_attrs_;
  ExtractStats stats_;
  WriterPool* pool_ = nullptr;
  size_t bundle_ = 0;
  std::unordered_map<std::string, uint64_t> queued_;  ///< path -> sequence number of its queued body
};

}  // namespace pybcast
