#include "tree/tree_tar.h"

#include <archive.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "bundle/metadata_layout.h"
#include "tree/tar_member.h"
#include "util/error.h"

namespace pybcast {

namespace {

constexpr uint64_t kBlock = 512;

uint64_t padded(uint64_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

/// Collects what libarchive writes: header bytes into `text`, body bytes
/// (libarchive's own zero fill, as we never hand it data) only counted.
struct HeaderSink {
  std::string* text = nullptr;
  uint64_t counted = 0;
};

la_ssize_t capture(archive*, void* client, const void* data, size_t size) {
  auto* sink = static_cast<HeaderSink*>(client);
  if (sink->text != nullptr) sink->text->append(static_cast<const char*>(data), size);
  else sink->counted += size;
  return static_cast<la_ssize_t>(size);
}

int64_t seconds(int64_t ns) { return ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000); }

}  // namespace

TreeTar::TreeTar(const std::string& manifest_json, std::vector<PackEntry> entries)
    : entries_(std::move(entries)), manifest_(manifest_json) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
  HeaderSink sink;
  archive_write_set_format_pax_restricted(a.get());
  archive_write_add_filter_none(a.get());
  // Unblocked: every header reaches the sink as it is written, nothing is held back.
  archive_write_set_bytes_per_block(a.get(), 0);
  auto check = [&](int rc, const std::string& what) {
    if (rc >= ARCHIVE_WARN) return;
    const char* why = archive_error_string(a.get());
    fail("tar: {}: {}", what, why ? why : "unknown error");
  };
  check(archive_write_open2(a.get(), &sink, nullptr, capture, nullptr, nullptr), "open");
  auto add = [&](const std::string& member, EntryType type, uint64_t size, bool executable, const std::string& link,
                 int64_t mtime, size_t entry) {
    Member m;
    m.start = size_;
    m.size = type == EntryType::file ? size : 0;
    m.entry = entry;
    sink.text = &m.header;
    TarEntry e = make_tar_entry(member, type, m.size, executable, link, mtime);
    check(archive_write_header(a.get(), e.get()), member);
    sink.text = nullptr;
    sink.counted = 0;
    check(archive_write_finish_entry(a.get()), member);
    if (sink.counted != padded(m.size))
      fail("tar: {}: libarchive wrote {} body bytes for {} (internal error)", member, sink.counted, m.size);
    size_ = m.start + m.header.size() + padded(m.size);
    members_.push_back(std::move(m));
  };
  add(kManifestMember, EntryType::file, manifest_.size(), false, "", 0, kInline);
  for (size_t i = 0; i < entries_.size(); ++i) {
    const PackEntry& e = entries_[i];
    add(e.member, e.type, e.size, e.executable, e.link, seconds(e.mtime_ns), i);
  }
  sink.text = &trailer_;
  check(archive_write_close(a.get()), "end of archive");
  size_ += trailer_.size();
}

uint64_t TreeTar::member_end(const Member& m) const { return m.start + m.header.size() + padded(m.size); }

void TreeTar::read(uint64_t offset, std::span<std::byte> out) {
  if (offset == 0 && position_ != 0) {
    // Streamed again from the start: a later staging round, for nodes whose other job failed.
    position_ = 0;
    current_ = 0;
    body_ = io::Fd();
    body_member_ = kInline;
  }
  if (offset != position_) fail("tree stream read at {}, expected {} (internal error)", offset, position_);
  size_t done = 0;
  while (done < out.size()) {
    std::span<std::byte> rest = out.subspan(done);
    uint64_t at = position_;
    size_t n = 0;
    if (current_ == members_.size()) {
      uint64_t trailer_start = size_ - trailer_.size();
      if (at < trailer_start || at >= size_) fail("tree stream read past its end (internal error)");
      n = std::min<uint64_t>(rest.size(), size_ - at);
      std::memcpy(rest.data(), trailer_.data() + (at - trailer_start), n);
    } else {
      const Member& m = members_[current_];
      uint64_t header_end = m.start + m.header.size();
      if (at < header_end) {
        n = std::min<uint64_t>(rest.size(), header_end - at);
        std::memcpy(rest.data(), m.header.data() + (at - m.start), n);
      } else if (at < body_end(m)) {
        n = std::min<uint64_t>(rest.size(), body_end(m) - at);
        read_body(m, at - header_end, rest.first(n));
      } else {
        n = std::min<uint64_t>(rest.size(), member_end(m) - at);
        std::memset(rest.data(), 0, n);
      }
      if (at + n == member_end(m)) ++current_;
    }
    done += n;
    position_ += n;
  }
}

void TreeTar::read_body(const Member& m, uint64_t at, std::span<std::byte> out) {
  if (m.entry == kInline) {
    std::memcpy(out.data(), manifest_.data() + at, out.size());
    return;
  }
  const PackEntry& e = entries_[m.entry];
  if (body_member_ != current_) {
    open_body(e);
    body_member_ = current_;
  }
  size_t got = io::pread_full(body_.get(), out, static_cast<off_t>(at), e.source);
  if (got < out.size())
    fail("{} changed while being staged (it was {} bytes, now it ends at {}); stage again once it is stable", e.source,
         e.size, at + got);
  if (at + out.size() == m.size) close_body(e);
}

void TreeTar::open_body(const PackEntry& e) {
  // Without blocking: the file may have become a FIFO since the walk, and
  // nobody would ever open its other end.
  struct stat st {};
  body_ = io::open_without_blocking(e.source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, st);
  ++files_opened_;
  if (!S_ISREG(st.st_mode))
    fail("{} changed while being staged (now {}, since the walk of its tree); stage again once it is stable", e.source,
         io::type_name(st.st_mode));
  if (!same_as_walk(e, st))
    fail("{} changed while being staged (since the walk of its tree); stage again once it is stable", e.source);
}

void TreeTar::close_body(const PackEntry& e) {
  if (!same_as_walk(e, io::fstat(body_.get(), e.source)))
    fail("{} changed while being staged (modified during the read); stage again once it is stable", e.source);
  body_ = io::Fd();
  body_member_ = kInline;
}

}  // namespace pybcast
