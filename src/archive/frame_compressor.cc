#include "archive/frame_compressor.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#include "archive/frame_trailer.h"
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

namespace {

/// Plain tar needs no helpers (its "frames" are copies), nor does one thread.
unsigned worker_threads(const CompressionOptions& options) {
  if (options.kind == Compression::kNone || options.threads <= 1) return 0;
  return static_cast<unsigned>(options.threads);
}

uint32_t le32(const std::byte* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<uint32_t>(p[i]);
  return v;
}

/// A frame's own checksum, as the trailer counts it: a zstd frame's content
/// checksum (its last 4 bytes), a gzip member's CRC32 (before its size).
uint32_t frame_checksum(Compression kind, const std::vector<std::byte>& frame) {
  if (kind == Compression::kZstd && frame.size() >= 4) return le32(frame.data() + frame.size() - 4);
  if (kind == Compression::kGzip && frame.size() >= 8) return le32(frame.data() + frame.size() - 8);
  return 0;
}

/// An empty gzip member whose extra field carries the trailer.
std::vector<std::byte> gzip_trailer(const FrameTrailer& trailer) {
  std::vector<std::byte> payload = encode_trailer_payload(trailer);
  std::vector<unsigned char> extra = {
      static_cast<unsigned char>(kGzipTrailerId[0]), static_cast<unsigned char>(kGzipTrailerId[1]),
      static_cast<unsigned char>(payload.size() & 0xff), static_cast<unsigned char>(payload.size() >> 8)};
  for (std::byte b : payload) extra.push_back(std::to_integer<unsigned char>(b));
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("zlib: init failed");
  gz_header header{};
  header.os = 3;  // Unix, as zlib's default header says
  header.extra = extra.data();
  header.extra_len = static_cast<uInt>(extra.size());
  deflateSetHeader(&z, &header);
  std::vector<std::byte> out(256);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int r = deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  if (r != Z_STREAM_END) fail("zlib: the trailer member did not finish");
  return out;
}

}  // namespace

int default_level(Compression kind) { return kind == Compression::kZstd ? 3 : kind == Compression::kGzip ? 6 : 0; }

int max_level(Compression kind) {
  return kind == Compression::kZstd ? ZSTD_maxCLevel() : kind == Compression::kGzip ? 9 : 0;
}

FrameCompressor::FrameCompressor(const CompressionOptions& options, int fd, std::string shown)
    : options_(options), fd_(fd), shown_(std::move(shown)), workers_(worker_threads(options)) {
  if (options_.level == 0) options_.level = default_level(options_.kind);
  options_.frame_bytes = std::max<size_t>(options_.frame_bytes, 4096);
  buffer_.reserve(options_.frame_bytes);
  for (unsigned i = 0; i < workers_.slots(); ++i)
    encoders_.push_back(std::make_unique<Encoder>(options_.kind, options_.level));
}

FrameCompressor::~FrameCompressor() = default;

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
  std::vector<std::byte> trailer;
  if (options_.kind == Compression::kZstd) trailer = encode_zstd_trailer(tally_.so_far());
  if (options_.kind == Compression::kGzip) trailer = gzip_trailer(tally_.so_far());
  io::write_all(fd_, trailer, shown_);
  bytes_out_ += trailer.size();
}

void FrameCompressor::submit() {
  std::vector<std::byte> input;
  input.swap(buffer_);
  buffer_.reserve(options_.frame_bytes);
  frames_.submit([this, input = std::move(input)](unsigned worker) {
    return Frame{encoders_[worker]->encode(input), input.size()};
  });
  // Bound memory: a few frames per thread in flight at most.
  write_ready(2 * workers_.threads());
}

void FrameCompressor::write_ready(size_t keep) {
  while (frames_.pending() > 0) {
    if (frames_.pending() <= keep && !frames_.front_ready()) return;
    Frame frame = frames_.take();
    tally_.data_frame(frame.content, frame_checksum(options_.kind, frame.bytes));
    io::write_all(fd_, frame.bytes, shown_);
    bytes_out_ += frame.bytes.size();
  }
}

}  // namespace pybcast
