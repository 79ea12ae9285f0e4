#include "archive/decoder.h"

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "util/error.h"

namespace pybcast {

namespace {

bool starts_with(std::span<const std::byte> head, std::initializer_list<unsigned> magic) {
  if (head.size() < magic.size()) return false;
  size_t i = 0;
  for (unsigned m : magic)
    if (std::to_integer<unsigned>(head[i++]) != m) return false;
  return true;
}

class CopyDecoder : public Decoder {
 public:
  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override {
    size_t n = std::min(in.size(), out.size());
    std::memcpy(out.data(), in.data(), n);
    return {n, n};
  }
  void finish() override {}
};

/// gzip, including concatenated members (as `cat a.gz b.gz` or some parallel gzips write).
class GzipDecoder : public Decoder {
 public:
  GzipDecoder() {
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail("zlib: cannot initialise");
  }
  ~GzipDecoder() override { inflateEnd(&z_); }
  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override {
    if (member_done_ && !in.empty()) {
      // Zero bytes after the last member are padding (tape blocking, some
      // writers), which gzip -t and tar -xzf accept; anything after them is not.
      size_t zeros = 0;
      while (zeros < in.size() && in[zeros] == std::byte{0}) ++zeros;
      if (zeros > 0 || padding_) {
        if (zeros < in.size()) fail("corrupt gzip data (bytes after the zero padding that ends the stream)");
        padding_ = true;
        return {in.size(), 0};
      }
      inflateReset(&z_);  // another member follows
      member_done_ = false;
    }
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    int r = inflate(&z_, Z_NO_FLUSH);
    if (r == Z_STREAM_END) member_done_ = true;
    else if (r != Z_OK && r != Z_BUF_ERROR) fail("corrupt gzip data ({})", z_.msg ? z_.msg : zError(r));
    started_ = true;
    return {in.size() - z_.avail_in, out.size() - z_.avail_out};
  }
  void finish() override {
    if (!started_ || !member_done_) fail("truncated gzip data (the stream ends before its end marker)");
  }

 private:
  z_stream z_{};
  bool member_done_ = false;
  bool started_ = false;
  bool padding_ = false;
};

/// zstd, any number of frames; frame checksums are verified when present.
class ZstdDecoder : public Decoder {
 public:
  ZstdDecoder() : d_(ZSTD_createDCtx()) {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(d_); }
  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    size_t r = ZSTD_decompressStream(d_, &output, &input);
    if (ZSTD_isError(r)) fail("corrupt zstd data ({})", ZSTD_getErrorName(r));
    frame_open_ = r != 0;
    started_ = true;
    return {input.pos, output.pos};
  }
  void finish() override {
    if (!started_ || frame_open_) fail("truncated zstd data (the last frame is incomplete)");
  }

 private:
  ZSTD_DCtx* d_;
  bool frame_open_ = true;
  bool started_ = false;
};

class XzDecoder : public Decoder {
 public:
  XzDecoder() {
    constexpr uint64_t kMemoryLimit = uint64_t{1} << 30;
    if (lzma_stream_decoder(&s_, kMemoryLimit, LZMA_CONCATENATED) != LZMA_OK) fail("liblzma: cannot initialise");
  }
  ~XzDecoder() override { lzma_end(&s_); }
  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override { return run(in, out, LZMA_RUN); }
  void finish() override {
    std::byte sink[1];
    if (!ended_) run({}, {sink, 0}, LZMA_FINISH);
    if (!ended_) fail("truncated xz data");
  }

 private:
  Step run(std::span<const std::byte> in, std::span<std::byte> out, lzma_action action) {
    s_.next_in = reinterpret_cast<const uint8_t*>(in.data());
    s_.avail_in = in.size();
    s_.next_out = reinterpret_cast<uint8_t*>(out.data());
    s_.avail_out = out.size();
    lzma_ret r = lzma_code(&s_, action);
    if (r == LZMA_STREAM_END) ended_ = true;
    else if (r != LZMA_OK && r != LZMA_BUF_ERROR) fail("corrupt xz data (liblzma error {})", static_cast<int>(r));
    return {in.size() - s_.avail_in, out.size() - s_.avail_out};
  }
  lzma_stream s_ = LZMA_STREAM_INIT;
  bool ended_ = false;
};

/// bzip2, including the multi-stream files that parallel bzip2 tools write.
class Bzip2Decoder : public Decoder {
 public:
  Bzip2Decoder() { init(); }
  ~Bzip2Decoder() override { BZ2_bzDecompressEnd(&s_); }
  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override {
    if (stream_done_ && !in.empty()) {
      BZ2_bzDecompressEnd(&s_);
      init();
    }
    s_.next_in = reinterpret_cast<char*>(const_cast<std::byte*>(in.data()));
    s_.avail_in = static_cast<unsigned>(in.size());
    s_.next_out = reinterpret_cast<char*>(out.data());
    s_.avail_out = static_cast<unsigned>(out.size());
    int r = in.empty() && stream_done_ ? BZ_STREAM_END : BZ2_bzDecompress(&s_);
    if (r == BZ_STREAM_END) stream_done_ = true;
    else if (r != BZ_OK) fail("corrupt bzip2 data (libbz2 error {})", r);
    return {in.size() - s_.avail_in, out.size() - s_.avail_out};
  }
  void finish() override {
    if (!stream_done_) fail("truncated bzip2 data");
  }

 private:
  void init() {
    s_ = bz_stream{};
    if (BZ2_bzDecompressInit(&s_, 0, 0) != BZ_OK) fail("libbz2: cannot initialise");
    stream_done_ = false;
  }
  bz_stream s_{};
  bool stream_done_ = false;
};

}  // namespace

Compression detect_compression(std::span<const std::byte> head) {
  if (starts_with(head, {0x1f, 0x8b})) return Compression::kGzip;
  if (starts_with(head, {0x28, 0xb5, 0x2f, 0xfd})) return Compression::kZstd;
  if (starts_with(head, {0xfd, '7', 'z', 'X', 'Z', 0x00})) return Compression::kXz;
  if (starts_with(head, {'B', 'Z', 'h'})) return Compression::kBzip2;
  return Compression::kNone;
}

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
    case Compression::kXz: return "xz";
    case Compression::kBzip2: return "bzip2";
    case Compression::kNone: break;
  }
  return "uncompressed";
}

std::unique_ptr<Decoder> make_decoder(Compression c) {
  switch (c) {
    case Compression::kGzip: return std::make_unique<GzipDecoder>();
    case Compression::kZstd: return std::make_unique<ZstdDecoder>();
    case Compression::kXz: return std::make_unique<XzDecoder>();
    case Compression::kBzip2: return std::make_unique<Bzip2Decoder>();
    case Compression::kNone: break;
  }
  return std::make_unique<CopyDecoder>();
}

}  // namespace pybcast
