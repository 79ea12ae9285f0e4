// A pack-made bundle damaged as partial copies, broken transfers and bit rot
// damage it (issue 24), at the granularity of tar members and then of
// compressed frames (zstd frames, gzip members, the trailer among them), and
// extracted as a node leader extracts, with 1 and 8 extract threads. The
// invariant: refused, or exactly the tree that was packed (paths, types,
// modes, sizes, bytes, symlink targets), the same with either thread count.
// Never a partial or different tree staged as if it were whole.
//
// The input: byte 0 picks the encoding (plain tar, pack's zstd, pack's gzip,
// 4 KiB of tar per frame so that frames cut members), then up to 6
// operations of 3 bytes (what, a, b):
//   member level, on the tar before it is compressed: drop, swap, repeat a
//   member, cut after one, flip a byte of one, drop the end-of-archive marker;
//   frame level, on the compressed stream: drop, swap, repeat a frame, cut
//   after one, flip a byte of one.
// Member-level damage keeps the manifest the first member: a tar whose first
// member is not a manifest is an ordinary bundle of someone else's making,
// which nothing can tell from a damaged one (docs/design.md, "What staging
// verifies").
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "archive/frame_compressor.h"
#include "bundle/manifest.h"
#include "fuzz_common.h"
#include "fuzz_tree.h"
#include "util/hash.h"

namespace {

using namespace pybcast;
using Bytes = std::string;

std::string g_scratch;
std::vector<Bytes> g_members;  ///< the packed tar, member by member (the manifest first)
Bytes g_end;                   ///< its end-of-archive marker
std::string g_tree;            ///< the listing of the intact bundle, extracted

struct Item {
  char type;  ///< 'd', 'f', 'l'
  std::string path, data;
};

Bytes bytes_of(size_t n, unsigned seed) {
  Bytes b(n, '\0');
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>((i * 2654435761u + seed * 40503u) >> 13);
  return b;
}

/// The tree, its manifest first, as pax tar members (as pack writes them), cut at member boundaries.
void build_members() {
  std::vector<Item> tree = {{'d', "lib", ""},
                            {'f', "lib/a.py", bytes_of(10000, 1)},
                            {'f', "lib/b.txt", "abc"},
                            {'f', "lib/empty", ""},
                            {'l', "lib/link", "a.py"},
                            {'d', "lib/pkg", ""},
                            {'f', "lib/pkg/c.so", bytes_of(7000, 2)},
                            {'d', "lib/void", ""},
                            {'f', "z", bytes_of(600, 3)}};
  Manifest m;
  m.name = "fuzz";
  m.dirs.emplace();
  for (const auto& e : tree) {
    if (e.type == 'd') m.dirs->push_back(e.path);
    if (e.type == 'l') m.entries.push_back({e.path, 0, "", e.data});
    if (e.type == 'f') {
      m.entries.push_back({e.path, e.data.size(), hex64(hash64(std::as_bytes(std::span(e.data)))), ""});
      m.unpacked_bytes += e.data.size();
    }
  }
  m.files = m.entries.size();
  tree.insert(tree.begin(), Item{'f', ".pybcast/manifest.json", manifest_to_json(m)});

  Bytes tar;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_per_block(a, 0);  // unblocked: each member's bytes arrive as it is written
  auto append = [](archive*, void* out, const void* data, size_t n) -> la_ssize_t {
    static_cast<Bytes*>(out)->append(static_cast<const char*>(data), n);
    return static_cast<la_ssize_t>(n);
  };
  if (archive_write_open2(a, &tar, nullptr, append, nullptr, nullptr) != ARCHIVE_OK) fuzz::die("tar open");
  size_t start = 0;
  for (const auto& e : tree) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type == 'd' ? AE_IFDIR : e.type == 'l' ? AE_IFLNK : AE_IFREG);
    archive_entry_set_perm(entry, e.type == 'f' ? 0644 : 0755);
    archive_entry_set_mtime(entry, 1700000000, 0);
    if (e.type == 'f') archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    if (e.type == 'l') archive_entry_set_symlink(entry, e.data.c_str());
    if (archive_write_header(a, entry) != ARCHIVE_OK) fuzz::die("tar header");
    if (!e.data.empty() && e.type == 'f') archive_write_data(a, e.data.data(), e.data.size());
    archive_write_finish_entry(a);
    archive_entry_free(entry);
    g_members.push_back(tar.substr(start));
    start = tar.size();
  }
  archive_write_close(a);
  archive_write_free(a);
  g_end = tar.substr(start);
}

/// pack's frames of `tar`, with its trailer (FrameCompressor into a memory file).
Bytes compressed(const Bytes& tar, Compression kind) {
  int fd = ::memfd_create("fuzz-verify", 0);
  if (fd < 0) fuzz::die("memfd_create");
  {
    CompressionOptions options;
    options.kind = kind;
    options.level = 1;
    options.frame_bytes = 4096;
    FrameCompressor out(options, fd, "memfd");
    out.write(std::as_bytes(std::span(tar)));
    out.finish();
  }
  Bytes result(static_cast<size_t>(::lseek(fd, 0, SEEK_END)), '\0');
  if (::pread(fd, result.data(), result.size(), 0) != static_cast<ssize_t>(result.size())) fuzz::die("pread");
  ::close(fd);
  return result;
}

/// The frames of a compressed stream: zstd frames, or gzip members.
std::vector<Bytes> frames_of(const Bytes& data, Compression kind) {
  std::vector<Bytes> frames;
  for (size_t at = 0; at < data.size();) {
    size_t size = 0;
    if (kind == Compression::kZstd) {
      size = ZSTD_findFrameCompressedSize(data.data() + at, data.size() - at);
      if (ZSTD_isError(size)) fuzz::die("pack wrote a frame zstd cannot size");
    } else {
      z_stream z{};
      inflateInit2(&z, 16 + 15);
      char sink[1 << 14];
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + at));
      z.avail_in = static_cast<uInt>(data.size() - at);
      int r;
      do {
        z.next_out = reinterpret_cast<Bytef*>(sink);
        z.avail_out = sizeof sink;
        r = inflate(&z, Z_NO_FLUSH);
      } while (r == Z_OK);
      if (r != Z_STREAM_END) fuzz::die("pack wrote a gzip member zlib cannot read");
      size = data.size() - at - z.avail_in;
      inflateEnd(&z);
    }
    frames.push_back(data.substr(at, size));
    at += size;
  }
  return frames;
}

/// Applies one operation to `parts`; `keep_first`: never moves or drops part 0.
void apply(std::vector<Bytes>& parts, unsigned what, unsigned a, unsigned b, bool keep_first) {
  if (parts.empty()) return;
  size_t n = parts.size(), lo = keep_first && n > 1 ? 1 : 0;
  size_t i = lo + a % (n - lo), j = lo + b % (n - lo);
  switch (what % 5) {
    case 0:
      if (!keep_first || n > 1) parts.erase(parts.begin() + static_cast<ptrdiff_t>(i));
      break;
    case 1: std::swap(parts[i], parts[j]); break;
    case 2: parts.insert(parts.begin() + static_cast<ptrdiff_t>(a % n), parts[a % n]); break;
    case 3: parts.resize(1 + a % n); break;  // cut after a part
    case 4: {
      Bytes& p = parts[a % n];
      if (!p.empty()) p[(b * 2654435761u) % p.size()] ^= static_cast<char>(1u << (b % 8));
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_scratch = fuzz::make_extraction_scratch("fuzz-verify");
  build_members();
  Bytes intact;
  for (const auto& m : g_members) intact += m;
  intact += g_end;
  g_tree = fuzz::extract_and_check(g_scratch, {intact}, {"fuzz.tar"}, 4096, 1);
  if (g_tree == "refused") fuzz::die("the intact bundle is refused");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr Compression kEncodings[] = {Compression::kNone, Compression::kZstd, Compression::kGzip};
  Compression kind = kEncodings[data[0] % 3];
  std::vector<Bytes> members = g_members;
  members.push_back(g_end);  // the end-of-archive marker is a part too: it can be dropped or cut
  Bytes stream;
  bool compressed_yet = false;
  std::vector<Bytes> frames;
  for (size_t at = 1; at + 3 <= size && at < 1 + 3 * 6; at += 3) {
    unsigned what = data[at], a = data[at + 1], b = data[at + 2];
    if (what < 128) {  // member level: before compressing
      if (compressed_yet) continue;
      apply(members, what, a, b, /*keep_first=*/true);
    } else if (kind != Compression::kNone) {
      if (!compressed_yet) {
        Bytes tar;
        for (const auto& m : members) tar += m;
        frames = frames_of(compressed(tar, kind), kind);
        compressed_yet = true;
      }
      apply(frames, what, a, b, /*keep_first=*/false);
    }
  }
  if (compressed_yet) {
    for (const auto& f : frames) stream += f;
  } else {
    Bytes tar;
    for (const auto& m : members) tar += m;
    stream = kind == Compression::kNone ? tar : compressed(tar, kind);
  }
  if (stream.empty()) return 0;
  size_t chunk = 1 + (size * 2654435761u) % 9000;
  std::string outcomes[2];
  for (int pass = 0; pass < 2; ++pass)
    outcomes[pass] = fuzz::extract_and_check(g_scratch, {stream}, {"fuzz.tar"}, chunk, pass == 0 ? 1 : 8);
  for (const auto& outcome : outcomes)
    if (outcome != "refused" && outcome != g_tree)
      fuzz::die("a damaged bundle staged as a different tree: '" + outcome.substr(0, 3000) + "' instead of '" +
                g_tree.substr(0, 3000) + "'");
  if (outcomes[0] != outcomes[1]) fuzz::die("1 and 8 extract threads disagree");
  return 0;
}
