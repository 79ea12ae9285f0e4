#pragma once
// The contents of one regular file, read out of the archive into memory and
// bound to a file the parser thread already created (O_CREAT|O_EXCL|O_NOFOLLOW
// beneath a checked directory fd). Writing it touches only that fd, never a
// path: see docs/design.md, "Parallel file creation".
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/hash.h"
#include "util/io.h"

namespace pybcast {

struct FileBody {
  /// One run of data at `offset` in the file (sparse members have several).
  struct Extent {
    int64_t offset;
    size_t size;
  };

  io::Fd fd;
  std::string shown;                  ///< the entry's path, for errors
  size_t bundle = 0;                  ///< index of the bundle it came from, for errors
  std::unique_ptr<std::byte[]> data;  ///< the extents' bytes, back to back
  size_t capacity = 0;
  size_t used = 0;
  std::vector<Extent> extents;
  int64_t size = 0;  ///< the member's size: a sparse tail is truncated up to it
  mode_t mode = 0;
  timespec mtime{0, UTIME_OMIT};
  /// What the content must hash to (its bundle's manifest); checked before anything is written.
  std::optional<uint64_t> xxh3;

  /// Appends a data block at `offset`; the buffer grows to at most the member's size.
  void append(int64_t offset, const void* block, size_t bytes);
};

/// The xxh3 of a file's content from its data blocks in order: holes
/// between them (sparse members) and up to its size count as zeros, as in
/// the file written.
class ContentHash {
 public:
  void add(int64_t offset, const void* data, size_t size);
  uint64_t digest(int64_t size);

 private:
  void zeros(int64_t count);
  StreamHash hash_;
  int64_t position_ = 0;
};

/// Checks the content against body.xxh3 (if set), writes the extents,
/// extends a sparse tail, applies mode and mtime.
/// Throws Error("entry '<shown>': ...").
void write_file_body(const FileBody& body);

/// Only the check of write_file_body: throws Error("entry '<shown>': content differs ...").
void check_file_body(const FileBody& body);

/// Throws Error("entry '<shown>': content differs ...") unless `digest` is `expected` (or nothing is expected).
void check_content(const std::string& shown, int64_t size, uint64_t digest, std::optional<uint64_t> expected);

/// The end of a file written by streaming (no FileBody): sparse tail, mode, mtime.
void finish_file(int fd, const std::string& shown, int64_t written_to, int64_t size, mode_t mode, timespec mtime);

}  // namespace pybcast
