#include "pack/bundle_writer.h"

#include <archive.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <memory>

#include "bundle/manifest.h"
#include "tree/tar_member.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/io.h"
#include "util/parallel_for.h"

namespace pybcast {

namespace {

/// libarchive calls back into C++; exceptions must not cross its C frames.
struct TarSink {
  FrameCompressor& out;
  std::exception_ptr error;
};

la_ssize_t sink_write(archive*, void* client, const void* data, size_t size) {
  auto* sink = static_cast<TarSink*>(client);
  try {
    sink->out.write(std::span(static_cast<const std::byte*>(data), size));
    return static_cast<la_ssize_t>(size);
  } catch (...) {
    sink->error = std::current_exception();
    return -1;
  }
}

class TarWriter {
 public:
  TarWriter(FrameCompressor& out, int64_t mtime) : sink_{out, nullptr}, mtime_(mtime) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_add_filter_none(a_.get());
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    check(archive_write_open2(a_.get(), &sink_, nullptr, sink_write, nullptr, nullptr), "open");
  }

  void header(const std::string& member, EntryType type, uint64_t size, bool executable, const std::string& link) {
    TarEntry e = make_tar_entry(member, type, size, executable, link, mtime_);
    check(archive_write_header(a_.get(), e.get()), member);
  }

  void data(std::span<const std::byte> bytes, const std::string& member) {
    if (archive_write_data(a_.get(), bytes.data(), bytes.size()) < 0) check(ARCHIVE_FATAL, member);
  }

  void close() { check(archive_write_close(a_.get()), "end of archive"); }

 private:
  void check(int rc, const std::string& what) {
    if (sink_.error) std::rethrow_exception(sink_.error);
    if (rc >= ARCHIVE_WARN) return;
    const char* why = archive_error_string(a_.get());
    fail("tar: {}: {}", what, why ? why : "unknown error");
  }

  std::unique_ptr<archive, int (*)(archive*)> a_{archive_write_new(), archive_write_free};
  TarSink sink_;
  int64_t mtime_;
};

}  // namespace

void hash_entries(std::vector<PackEntry>& entries, int threads, Progress& progress) {
  parallel_for(entries.size(), static_cast<unsigned>(std::max(1, threads)), [&](size_t i) {
    PackEntry& e = entries[i];
    if (e.type != EntryType::file) return;
    StreamHash hash;
    uint64_t size = 0;
    read_file_chunks(e.source, [&](std::span<const std::byte> bytes) {
      hash.update(bytes);
      size += bytes.size();
    });
    e.size = size;
    e.xxh3 = hex64(hash.digest());
    progress.add(1, size);
  });
}

void write_tar(FrameCompressor& out, const std::string& manifest_json, const std::vector<PackEntry>& entries,
               int64_t mtime, Progress& progress) {
  TarWriter tar(out, mtime);
  tar.header(kManifestMember, EntryType::file, manifest_json.size(), false, "");
  tar.data(std::as_bytes(std::span(manifest_json)), kManifestMember);
  for (const auto& e : entries) {
    tar.header(e.member, e.type, e.size, e.executable, e.link);
    if (e.type != EntryType::file) continue;
    StreamHash hash;
    uint64_t size = 0;
    read_file_chunks(e.source, [&](std::span<const std::byte> bytes) {
      // Never write past the size already in the header.
      if (size + bytes.size() <= e.size) tar.data(bytes, e.member);
      size += bytes.size();
      hash.update(bytes);
    });
    if (size != e.size || hex64(hash.digest()) != e.xxh3) fail("{} changed while it was being packed", e.source);
    progress.add(1, size);
  }
  tar.close();
}

}  // namespace pybcast
