#include "archive/file_body.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bundle/manifest_check.h"
#include "util/error.h"

namespace pybcast {

namespace {

[[noreturn]] void refuse_errno(const std::string& shown, const std::string& what, int err) {
  throw Error("entry '" + shown + "': " + what + ": " + std::strerror(err));
}

}  // namespace

void FileBody::append(int64_t offset, const void* block, size_t bytes) {
  if (used + bytes > capacity) {
    // Sized from the header up front; grows only for archives whose data
    // exceeds the member's stated size (libarchive does not allow that).
    size_t grown = std::max(capacity * 2, used + bytes);
    auto bigger = std::make_unique<std::byte[]>(grown);
    if (used > 0) std::memcpy(bigger.get(), data.get(), used);
    data = std::move(bigger);
    capacity = grown;
  }
  std::memcpy(data.get() + used, block, bytes);
  used += bytes;
  if (!extents.empty() && extents.back().offset + static_cast<int64_t>(extents.back().size) == offset)
    extents.back().size += bytes;
  else extents.push_back({offset, bytes});
}

void finish_file(int fd, const std::string& shown, int64_t written_to, int64_t size, mode_t mode, timespec mtime) {
  if (size > written_to && ::ftruncate(fd, size) != 0) refuse_errno(shown, "cannot extend sparse file", errno);
  if (::fchmod(fd, mode) != 0) refuse_errno(shown, "chmod", errno);
  timespec times[2] = {{0, UTIME_OMIT}, mtime};
  if (::futimens(fd, times) != 0) refuse_errno(shown, "set mtime", errno);
}

void ContentHash::zeros(int64_t count) {
  static constexpr std::byte kZeros[64 << 10]{};
  while (count > 0) {
    size_t n = static_cast<size_t>(std::min<int64_t>(count, sizeof kZeros));
    hash_.update({kZeros, n});
    count -= static_cast<int64_t>(n);
  }
}

void ContentHash::add(int64_t offset, const void* data, size_t size) {
  if (offset > position_) zeros(offset - position_);
  hash_.update({static_cast<const std::byte*>(data), size});
  position_ = std::max(position_, offset + static_cast<int64_t>(size));
}

uint64_t ContentHash::digest(int64_t size) {
  if (size > position_) zeros(size - position_);
  return hash_.digest();
}

void check_content(const std::string& shown, int64_t size, uint64_t digest, std::optional<uint64_t> expected) {
  if (!expected) return;
  if (auto why = ManifestCheck::content(static_cast<uint64_t>(size), digest, static_cast<uint64_t>(size), expected))
    throw Error("entry '" + shown + "': " + *why);
}

namespace {

uint64_t body_digest(const FileBody& body) {
  // The usual case, one run from the start to the end: one call.
  if (body.extents.size() <= 1 && body.used == static_cast<size_t>(body.size) &&
      (body.extents.empty() || body.extents.front().offset == 0))
    return hash64({body.data.get(), body.used});
  ContentHash hash;
  size_t from = 0;
  for (const FileBody::Extent& extent : body.extents) {
    hash.add(extent.offset, body.data.get() + from, extent.size);
    from += extent.size;
  }
  return hash.digest(body.size);
}

}  // namespace

void check_file_body(const FileBody& body) {
  if (body.xxh3) check_content(body.shown, body.size, body_digest(body), body.xxh3);
}

void write_file_body(const FileBody& body) {
  check_file_body(body);
  int64_t position = 0;
  size_t from = 0;
  for (const FileBody::Extent& extent : body.extents) {
    if (extent.offset != position && ::lseek(body.fd.get(), extent.offset, SEEK_SET) < 0)
      refuse_errno(body.shown, "seek", errno);
    try {
      io::write_all(body.fd.get(), {body.data.get() + from, extent.size}, "write failed");
    } catch (const Error& e) {
      throw Error("entry '" + body.shown + "': " + e.what());
    }
    from += extent.size;
    position = extent.offset + static_cast<int64_t>(extent.size);
  }
  finish_file(body.fd.get(), body.shown, position, body.size, body.mode, body.mtime);
}

}  // namespace pybcast
