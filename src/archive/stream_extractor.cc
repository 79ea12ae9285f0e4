#include "archive/stream_extractor.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/resource.h>

#include <cstring>

#include "archive/decoder.h"
#include "archive/fd_budget.h"
#include "archive/member_type.h"
#include "archive/safe_path.h"
#include "archive/zstd_frames.h"
#include "bundle/manifest.h"
#include "bundle/manifest_check.h"
#include "util/error.h"
#include "util/interrupt.h"
#include "util/io.h"
#include "util/test_seams.h"
#include "util/timer.h"
#include "util/units.h"

namespace pybcast {

namespace {

constexpr size_t kPlainBlockSize = 1 << 20;
constexpr size_t kPlainBlocks = 8;
constexpr size_t kMaxManifestBytes = 64 << 20;
constexpr int64_t kTarBlock = 512;

std::string archive_message(archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown libarchive error";
}

struct ArchiveReader {
  archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};

/// Members under ".pybcast/" describe their own bundle; keep one copy per
/// bundle instead of letting later bundles overwrite earlier ones.
void place_bundle_metadata(PathParts& parts, const std::string& bundle_name) {
  if (parts.empty() || parts[0] != kMetadataDir) return;
  PathParts placed = staged_metadata_dir(bundle_name);
  placed.insert(placed.end(), parts.begin() + 1, parts.end());
  parts = std::move(placed);
}

/// The caller's fd caps, or those of an extracting process's own budget.
ExtractOptions with_fd_caps(ExtractOptions options) {
  bool pool = options.threads > 1;
  if (options.dir_fds == 0 || (pool && options.queued_files == 0)) {
    FdShares shares = share_fds(measure_fd_usage(), FdNeeds{true, pool, 0});
    if (options.dir_fds == 0) options.dir_fds = shares.dir_cache;
    if (options.queued_files == 0) options.queued_files = shares.queued_bodies;
  }
  return options;
}

}  // namespace

template <typename Item>
struct StreamExtractor::Feed {
  BlockingQueue<Item>& queue;
  std::function<void(const Item&)> release;
  std::function<void()> on_data;
  bool have_current = false;
  Item current{};
  bool ended = false;

  void drop_current() {
    if (have_current) release(current);
    have_current = false;
  }

  /// Next non-empty piece of this bundle; size 0 at its end.
  const void* next(size_t& size) {
    drop_current();
    size = 0;
    while (!ended) {
      std::optional<Item> item = queue.pop();
      if (!item) {
        ended = true;
        break;
      }
      current = *item;
      have_current = true;
      ended = current.last;
      if (current.size > 0) {
        if (on_data) on_data();
        size = current.size;
        return current.data;
      }
      drop_current();
    }
    return nullptr;
  }

  void drain() {
    size_t size;
    while (!ended) next(size);
    drop_current();
  }

  static la_ssize_t read(archive*, void* self, const void** buffer) {
    size_t size = 0;
    *buffer = static_cast<Feed*>(self)->next(size);
    return static_cast<la_ssize_t>(size);
  }
};

StreamExtractor::StreamExtractor(int root_fd, std::vector<std::string> bundle_names, LocalStatus& status,
                                 Release release, ExtractOptions options)
    : root_fd_(root_fd),
      names_(std::move(bundle_names)),
      status_(status),
      release_(std::move(release)),
      plain_pool_(kPlainBlocks, kPlainBlockSize),
      options_(with_fd_caps(std::move(options))),
      writer_(root_fd_, options_.dir_fds) {
  result_.stats.perf.chunk_window_bytes = options_.chunk_window_bytes;
  if (options_.threads > 1) {
    pool_.emplace(
        options_.threads, options_.queue_bytes, options_.queued_files,
        [this](const FileBody& body, const Error& e) {
          return fmt::format("bundle '{}': {}", names_[body.bundle], e.what());
        },
        [this] { return status_.failed(); });
    writer_.use_pool(&*pool_);
    frames_.emplace(options_.threads);
  }
  decompressor_ = WorkerThreads(1, [this](unsigned) { decompress_all(); });
  extractor_ = WorkerThreads(1, [this](unsigned) { extract_all(); });
}

StreamExtractor::~StreamExtractor() {
  if (!finished_) {
    status_.fail("extraction abandoned");
    input_.close();
    decompressor_.join();
    plain_.close();
    extractor_.join();
  }
}

ExtractResult StreamExtractor::finish() {
  input_.close();
  decompressor_.join();
  plain_.close();
  extractor_.join();
  finished_ = true;
  return result_;
}

void StreamExtractor::decompress_all() {
  for (size_t bundle = 0; bundle < names_.size(); ++bundle) {
    Feed<StreamChunk> feed{input_,
                           [this](const StreamChunk& c) {
                             if (c.owner) release_(c.owner);
                           },
                           [this] {
                             if (first_byte_ < 0) first_byte_ = monotonic_seconds();
                           }};
    if (!status_.failed()) {
      try {
        decompress_bundle(bundle, feed);
      } catch (const std::exception& e) {
        status_.fail(e.what());
      }
    }
    feed.drain();
    flush_plain(bundle, true);
  }
}

void StreamExtractor::decompress_bundle(size_t bundle, Feed<StreamChunk>& feed) {
  const std::string& name = names_[bundle];
  std::unique_ptr<Decoder> decoder;
  // Decodes one piece, or with an empty piece after end_input() what is still held back.
  auto decode = [&](std::span<const std::byte> in) {
    for (;;) {
      if (plain_fill_ == nullptr) {
        plain_fill_ = plain_pool_.acquire();
        plain_used_ = 0;
      }
      std::span<std::byte> out(plain_fill_ + plain_used_, kPlainBlockSize - plain_used_);
      Decoder::Step step = decoder->decode(in, out);
      in = in.subspan(step.consumed);
      plain_used_ += step.produced;
      result_.tar_bytes += step.produced;
      if (plain_used_ == kPlainBlockSize) flush_plain(bundle, false);
      // Done with this piece once its input is used and the decoder had room to spare.
      if (in.empty() && step.produced < out.size()) break;
    }
  };
  try {
    size_t size = 0;
    while (const void* piece = feed.next(size)) {
      std::span<const std::byte> in(static_cast<const std::byte*>(piece), size);
      if (!decoder) {
        Compression kind = detect_compression(in);
        decoder = make_decoder(kind, options_.gzip_inflater, frames_ ? &*frames_ : nullptr);
        result_.decoders.push_back(decoder->name());
      }
      decode(in);
      if (status_.failed()) return;
    }
    if (decoder) {
      decoder->end_input();
      decode({});
      decoder->finish();
      result_.decoders.back() = decoder->name();
    }
  } catch (const Error& e) {
    fail("bundle '{}': {}", name, e.what());
  }
  if (!decoder) fail("bundle '{}' is empty", name);
}

void StreamExtractor::flush_plain(size_t bundle, bool last) {
  if (plain_fill_ == nullptr && !last) return;
  plain_.push(PlainBlock{bundle, plain_fill_, plain_used_, last});
  plain_fill_ = nullptr;
  plain_used_ = 0;
}

void StreamExtractor::extract_all() {
  for (size_t bundle = 0; bundle < names_.size(); ++bundle) {
    Feed<PlainBlock> feed{plain_,
                          [this](const PlainBlock& b) {
                            if (b.data) plain_pool_.release(b.data);
                          },
                          {}};
    writer_.set_bundle(bundle);
    std::optional<std::string> parser_error;
    if (!status_.failed()) {
      try {
        extract_bundle(bundle, feed);
        if (pool_) pool_->drain();  // this bundle's bodies checked before the next begins
      } catch (const std::exception& e) {
        if (interrupted()) status_.fail(e.what());
        else parser_error = e.what();
      }
    }
    // A writer may find a difference earlier in the stream than the
    // parser's: bodies queued before the parser's failure are still checked
    // (not written), and the earliest failure is the one said.
    if (pool_ && (parser_error || pool_->failed())) {
      if (parser_error) pool_->fail_at_next(*parser_error);
      pool_->drain();
      parser_error = pool_->failure();
    }
    // The decoder's verdict on the bundle comes first: what the parser
    // choked on may be what the decoder is about to refuse (a corrupt
    // block's bytes, a stream cut short), and which thread notices first
    // is timing. So the rest of the bundle is decoded before saying why.
    feed.drain();
    if (parser_error) status_.fail(*parser_error);
  }
  // Every body written (or dropped after a failure) before directories get their modes.
  std::vector<WriterThreadStats> writers;
  double blocked = 0;
  if (pool_) {
    writers = pool_->finish();
    blocked = pool_->blocked_seconds();
    // A body of the last bundle that failed after the parser was done with it.
    if (std::optional<std::string> failure = pool_->failure()) status_.fail(*failure);
  }
  if (!status_.failed()) {
    try {
      writer_.finish();
    } catch (const std::exception& e) {
      status_.fail(e.what());
    }
  }
  ExtractPerf perf = result_.stats.perf;
  result_.stats = writer_.stats();
  perf.parser_writes = result_.stats.perf.parser_writes;
  perf.writers = std::move(writers);
  perf.parser_blocked_seconds = blocked;
  perf.decode_buffer_bytes = kPlainBlocks * kPlainBlockSize;
  if (frames_) {
    perf.frame_buffer_bytes = frames_->max_bytes();
    perf.frame_threads = frames_->stats();
    bool any = false;
    for (const auto& t : perf.frame_threads) any = any || t.frames > 0;
    if (!any) perf.frame_threads.clear();
  }
  if (pool_) perf.writer_queue_bytes = pool_->max_bytes() + WriterPool::kMaxQueuedFile;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) perf.peak_rss_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  result_.stats.perf = std::move(perf);
  if (first_byte_ >= 0) result_.busy_seconds = monotonic_seconds() - first_byte_;
}

void StreamExtractor::check_space_for(const std::string& bundle, const Manifest& manifest) {
  uint64_t free = io::free_bytes(root_fd_, "the node-local file system");
  if (manifest.unpacked_bytes > free)
    fail("bundle '{}' unpacks to {} but only {} are free on the node-local file system", bundle,
         format_bytes(static_cast<double>(manifest.unpacked_bytes)), format_bytes(static_cast<double>(free)));
}

void StreamExtractor::extract_bundle(size_t bundle, Feed<PlainBlock>& feed) {
  const std::string& name = names_[bundle];
  ArchiveReader reader;
  archive_read_support_format_tar(reader.a);
  if (archive_read_open2(reader.a, &feed, nullptr, &Feed<PlainBlock>::read, nullptr, nullptr) != ARCHIVE_OK) {
    if (status_.failed()) return;  // the decompressor already said why (else extract_all waits for its verdict)
    fail("bundle '{}': not a tar archive: {}", name, archive_message(reader.a));
  }
  // A bundle that starts with its manifest (every bundle pack makes) is
  // checked member by member against it.
  std::optional<ManifestCheck> check;
  size_t entries = 0;
  while (archive_entry* entry = next_header(name, reader.a, entries)) {
    if (status_.failed() || (pool_ && pool_->failed())) return;
    if (int signo = interrupted()) fail("{}", Interrupted(signo).what());
    extract_member(name, reader.a, entry, entries == 0, check);
    ++entries;
  }
  if (status_.failed()) return;
  if (entries == 0) fail("bundle '{}' contains no entries", name);
  if (check)
    if (auto why = check->missing_summary()) fail("bundle '{}': {}", name, *why);
}

archive_entry* StreamExtractor::next_header(const std::string& name, archive* a, size_t entries) {
  // Where the next header, or the end-of-archive marker, starts.
  if (entries > 0) archive_read_data_skip(a);
  int64_t header_at = archive_filter_bytes(a, 0);
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(a, &entry);
  if (status_.failed()) return nullptr;
  if (r == ARCHIVE_EOF) {
    // libarchive also stops, silently, where the stream just ends at a
    // header: a bundle cut at a member's end. The marker is at least one
    // block of zeros, which it consumes.
    if (archive_filter_bytes(a, 0) < header_at + kTarBlock)
      fail("bundle '{}' ends after {} entries without the end-of-archive marker: it was cut short", name, entries);
    return nullptr;
  }
  if (r == ARCHIVE_RETRY)
    fail("bundle '{}': damaged tar header after {} entries ({}); refusing to skip to the next one", name, entries,
         archive_message(a));
  if (r < ARCHIVE_WARN) {
    if (entries == 0) fail("bundle '{}': not a tar archive: {}", name, archive_message(a));
    fail("bundle '{}': corrupt archive after {} entries: {}", name, entries, archive_message(a));
  }
  return entry;
}

void StreamExtractor::extract_member(const std::string& name, archive* a, archive_entry* entry, bool first,
                                     std::optional<ManifestCheck>& check) {
  const char* raw_name = archive_entry_pathname(entry);
  std::string member = raw_name ? raw_name : "";
  try {
    PathParts parts = split_member_path(member);
    std::string path = join_parts(parts);
    bool manifest = first && path == kManifestMember && archive_entry_filetype(entry) == AE_IFREG;
    std::optional<uint64_t> xxh3;
    if (check && !parts.empty()) {
      const char* link = archive_entry_symlink(entry);
      if (auto why = check->member(path, member_type(entry), static_cast<uint64_t>(archive_entry_size(entry)),
                                   link ? link : "", &xxh3))
        fail("{}", *why);
    }
    place_bundle_metadata(parts, name);
    writer_.write_entry(parts, a, entry, /*body_here=*/manifest, xxh3);
    if (manifest) {
      Manifest parsed = parse_manifest(writer_.read_back(parts, kMaxManifestBytes));
      check_space_for(name, parsed);
      if (!test_seams::skip_manifest_check()) check.emplace(parsed);
    }
  } catch (const Error& e) {
    std::string what = e.what();
    if (what.rfind("entry '", 0) != 0) what = "entry '" + shown_name(member) + "': " + what;
    fail("bundle '{}': {}", name, what);
  }
}

}  // namespace pybcast
