#include "pack/frame_compressor.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#include "archive/zstd_trailer.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {

/// One compressor per worker thread, reused for every frame it takes.
class FrameCompressor::Encoder {
 public:
  Encoder(Compression kind, int level) : kind_(kind), level_(level) {}
  ~Encoder() {
    if (zstd_) ZSTD_freeCCtx(zstd_);
    if (gzip_open_) deflateEnd(&gzip_);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  std::vector<std::byte> encode(std::span<const std::byte> in) {
    switch (kind_) {
      case Compression::kZstd: return encode_zstd(in);
      case Compression::kGzip: return encode_gzip(in);
      default: return {in.begin(), in.end()};
    }
  }

 private:
  std::vector<std::byte> encode_zstd(std::span<const std::byte> in) {
    if (!zstd_) {
      zstd_ = ZSTD_createCCtx();
      if (!zstd_) fail("zstd: out of memory");
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, level_);
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_checksumFlag, 1);
    }
    std::vector<std::byte> out(ZSTD_compressBound(in.size()));
    size_t n = ZSTD_compress2(zstd_, out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n)) fail("zstd: {}", ZSTD_getErrorName(n));
    out.resize(n);
    return out;
  }

  /// A complete gzip member: header without a timestamp, deflate data, CRC.
  std::vector<std::byte> encode_gzip(std::span<const std::byte> in) {
    if (!gzip_open_) {
      if (deflateInit2(&gzip_, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("zlib: init failed");
      gzip_open_ = true;
    } else {
      deflateReset(&gzip_);
    }
    std::vector<std::byte> out(deflateBound(&gzip_, in.size()) + 64);
    gzip_.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    gzip_.avail_in = static_cast<uInt>(in.size());
    gzip_.next_out = reinterpret_cast<Bytef*>(out.data());
    gzip_.avail_out = static_cast<uInt>(out.size());
    if (deflate(&gzip_, Z_FINISH) != Z_STREAM_END) fail("zlib: deflate did not finish");
    out.resize(out.size() - gzip_.avail_out);
    return out;
  }

  Compression kind_;
  int level_;
  ZSTD_CCtx* zstd_ = nullptr;
  z_stream gzip_{};
  bool gzip_open_ = false;
};

struct FrameCompressor::Frame {
  std::vector<std::byte> input;
  std::vector<std::byte> output;
  bool done = false;
  std::exception_ptr error;
};

int default_level(Compression kind) { return kind == Compression::kZstd ? 3 : kind == Compression::kGzip ? 6 : 0; }

int max_level(Compression kind) {
  return kind == Compression::kZstd ? ZSTD_maxCLevel() : kind == Compression::kGzip ? 9 : 0;
}

FrameCompressor::FrameCompressor(const CompressionOptions& options, int fd, std::string shown)
    : options_(options), fd_(fd), shown_(std::move(shown)) {
  if (options_.level == 0) options_.level = default_level(options_.kind);
  options_.frame_bytes = std::max<size_t>(options_.frame_bytes, 4096);
  buffer_.reserve(options_.frame_bytes);
  // Plain tar needs no helpers: its "frames" are copies.
  int threads = options_.kind == Compression::kNone ? 0 : std::max(1, options_.threads);
  if (threads > 1)
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  else inline_encoder_ = std::make_unique<Encoder>(options_.kind, options_.level);
}

FrameCompressor::~FrameCompressor() {
  work_.close();
  for (auto& t : workers_) t.join();
}

void FrameCompressor::write(std::span<const std::byte> data) {
  while (!data.empty()) {
    size_t n = std::min(data.size(), options_.frame_bytes - buffer_.size());
    buffer_.insert(buffer_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(n));
    data = data.subspan(n);
    bytes_in_ += n;
    if (buffer_.size() == options_.frame_bytes) submit();
  }
}

void FrameCompressor::finish() {
  if (!buffer_.empty()) submit();
  write_ready(0);
  if (options_.kind == Compression::kZstd) {
    std::vector<std::byte> trailer = encode_zstd_trailer({frames_, bytes_in_});
    io::write_all(fd_, trailer, shown_);
    bytes_out_ += trailer.size();
  }
}

void FrameCompressor::submit() {
  auto frame = std::make_shared<Frame>();
  ++frames_;
  frame->input.swap(buffer_);
  buffer_.reserve(options_.frame_bytes);
  if (inline_encoder_) {
    frame->output = inline_encoder_->encode(frame->input);
    frame->done = true;
  } else {
    work_.push(frame);
  }
  in_flight_.push_back(frame);
  // Bound memory: a few frames per thread in flight at most.
  write_ready(2 * workers_.size());
}

void FrameCompressor::write_ready(size_t keep) {
  while (!in_flight_.empty()) {
    std::shared_ptr<Frame> front = in_flight_.front();
    {
      std::unique_lock lock(mutex_);
      if (in_flight_.size() > keep) done_.wait(lock, [&] { return front->done; });
      else if (!front->done) return;
    }
    if (front->error) std::rethrow_exception(front->error);
    io::write_all(fd_, front->output, shown_);
    bytes_out_ += front->output.size();
    in_flight_.pop_front();
  }
}

void FrameCompressor::work() {
  Encoder encoder(options_.kind, options_.level);
  while (auto frame = work_.pop()) {
    try {
      (*frame)->output = encoder.encode((*frame)->input);
    } catch (...) {
      (*frame)->error = std::current_exception();
    }
    (*frame)->input = {};
    {
      std::lock_guard lock(mutex_);
      (*frame)->done = true;
    }
    done_.notify_all();
  }
}

}  // namespace pybcast
