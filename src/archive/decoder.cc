#include "archive/decoder.h"

#include <bzlib.h>
#ifdef PYBCAST_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <lzma.h>
#include <zlib.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "archive/frame_trailer.h"
#include "archive/gzip_member_watch.h"
#include "archive/zstd_frames.h"
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
  std::string name() const override { return "uncompressed"; }
  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override {
    size_t n = std::min(in.size(), out.size());
    if (n > 0) std::memcpy(out.data(), in.data(), n);  // an empty `in` may have no data pointer
    return {n, n};
  }
  void finish() override {}
};

/// gzip, including concatenated members (as `cat a.gz b.gz` or some parallel
/// gzips write), and zero padding after the last one. The inflater (zlib or
/// ISA-L) decodes one member at a time and checks its CRC32 and length; what
/// follows a member is checked here, the same for both: another member's
/// magic, zero padding, or else trailing data, refused as such. pack's
/// trailer member is held against the members before it.
class GzipDecoder : public Decoder {
 public:
  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override {
    if (member_done_ && in.empty()) return {0, 0};
    if (member_done_) {
      // Zero bytes after the last member are padding (tape blocking, some
      // writers), which gzip -t and tar -xzf accept; anything after them is not.
      size_t zeros = 0;
      while (zeros < in.size() && in[zeros] == std::byte{0}) ++zeros;
      if (zeros > 0 || padding_) {
        if (zeros < in.size())
          fail("trailing data after the gzip stream: a byte other than zero at offset {}, after its zero padding",
               offset_ + zeros);
        padding_ = true;
        offset_ += in.size();
        return {in.size(), 0};
      }
      next_member();
      member_done_ = false;
      watch_.reset();
      member_bytes_ = 0;
      magic_checked_ = 0;
    }
    // The inflaters would take anything else for a broken header (zlib) or
    // wait for the rest of one (ISA-L, then "truncated").
    size_t checked = 0;
    for (; magic_checked_ + checked < kMagic.size() && checked < in.size(); ++checked)
      if (in[checked] != kMagic[magic_checked_ + checked])
        fail(
            "trailing data after the gzip stream: the bytes at offset {} start neither another gzip member nor "
            "zero padding",
            offset_ - magic_checked_);
    // Both inflaters count in 32 bits.
    constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
    Step step = inflate_some(in.first(std::min(in.size(), kMax)), out.first(std::min(out.size(), kMax)));
    watch_.consumed(in.first(step.consumed));
    member_bytes_ += step.produced;
    started_ = true;
    magic_checked_ += std::min(checked, step.consumed);
    offset_ += step.consumed;
    if (member_done_) {
      if (auto trailer = parse_gzip_trailer(watch_.extra())) tally_.trailer(*trailer);
      else tally_.data_frame(member_bytes_, watch_.crc());
    }
    return step;
  }
  void finish() override {
    if (!started_ || !member_done_) fail("truncated gzip data (the stream ends before its end marker)");
  }

 protected:
  /// Inflates; sets member_done_ at a member's end (its trailer checked).
  virtual Step inflate_some(std::span<const std::byte> in, std::span<std::byte> out) = 0;
  virtual void next_member() = 0;
  bool member_done_ = false;

 private:
  static constexpr std::array<std::byte, 2> kMagic{std::byte{0x1f}, std::byte{0x8b}};
  bool started_ = false;
  bool padding_ = false;
  size_t magic_checked_ = kMagic.size();  ///< of the current member's; the first's was detected
  uint64_t offset_ = 0;                   ///< compressed bytes consumed so far
  GzipMemberWatch watch_;
  uint64_t member_bytes_ = 0;
  FrameTally tally_{"gzip", "member"};
};

class ZlibGzipDecoder : public GzipDecoder {
 public:
  ZlibGzipDecoder() {
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail("zlib: cannot initialise");
  }
  ~ZlibGzipDecoder() override { inflateEnd(&z_); }
  std::string name() const override { return "gzip (zlib)"; }

 private:
  Step inflate_some(std::span<const std::byte> in, std::span<std::byte> out) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    int r = inflate(&z_, Z_NO_FLUSH);
    if (r == Z_STREAM_END) member_done_ = true;
    else if (r != Z_OK && r != Z_BUF_ERROR) fail("corrupt gzip data ({})", z_.msg ? z_.msg : zError(r));
    return {in.size() - z_.avail_in, out.size() - z_.avail_out};
  }
  void next_member() override { inflateReset(&z_); }

  z_stream z_{};
};

#ifdef PYBCAST_HAVE_ISAL
/// ISA-L's streaming isal_inflate with ISAL_GZIP_NO_HDR_VER: it inflates
/// each member and checks its trailer (CRC32 and length). Each member's
/// header is read here: ISA-L 2.30 parses a header with optional fields
/// (pack's trailer has an extra field, `gzip FILE` writes the name) from
/// uninitialised state when it arrives split over two calls (valgrind), and
/// then refuses a valid stream.
class IsalGzipDecoder : public GzipDecoder {
 public:
  IsalGzipDecoder() : s_(std::make_unique<inflate_state>()) { next_member(); }
  std::string name() const override { return "gzip (ISA-L)"; }

 private:
  Step inflate_some(std::span<const std::byte> in, std::span<std::byte> out) override {
    size_t header = 0;
    if (!header_.header_done()) {
      header = header_.take_header(in);
      if (!header_.header_done()) return {header, 0};
      in = in.subspan(header);
    }
    Step step = inflate_data(in, out);
    step.consumed += header;
    return step;
  }
  Step inflate_data(std::span<const std::byte> in, std::span<std::byte> out) {
    s_->next_in = reinterpret_cast<uint8_t*>(const_cast<std::byte*>(in.data()));
    s_->avail_in = static_cast<uint32_t>(in.size());
    s_->next_out = reinterpret_cast<uint8_t*>(out.data());
    s_->avail_out = static_cast<uint32_t>(out.size());
    int r = isal_inflate(s_.get());
    if (r != ISAL_DECOMP_OK) fail("corrupt gzip data ({})", error_name(r));
    size_t unused = s_->avail_in;
    if (s_->block_state == ISAL_BLOCK_FINISH) {
      member_done_ = true;
      // Whole bytes it buffered past the trailer belong to what follows.
      unused += static_cast<size_t>(std::max(s_->read_in_length, 0) / 8);
    }
    return {in.size() - unused, out.size() - s_->avail_out};
  }
  void next_member() override {
    isal_inflate_init(s_.get());
    s_->crc_flag = ISAL_GZIP_NO_HDR_VER;
    header_.reset();
  }
  static const char* error_name(int r) {
    switch (r) {
      case ISAL_INCORRECT_CHECKSUM: return "CRC32 or length mismatch";
      case ISAL_INVALID_BLOCK: return "invalid deflate block";
      case ISAL_INVALID_SYMBOL: return "invalid symbol";
      case ISAL_INVALID_LOOKBACK: return "invalid distance";
      case ISAL_INVALID_WRAPPER: return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD: return "unsupported method";
      case ISAL_NEED_DICT: return "needs a dictionary";
      default: return "ISA-L error";
    }
  }

  std::unique_ptr<inflate_state> s_;
  GzipMemberWatch header_;  ///< reads the member's header, which ISA-L is not given
};
#endif

/// kZlib chooses zlib where ISA-L is built in (the default).
std::unique_ptr<Decoder> make_gzip_decoder([[maybe_unused]] GzipInflater inflater) {
#ifdef PYBCAST_HAVE_ISAL
  if (inflater != GzipInflater::kZlib) return std::make_unique<IsalGzipDecoder>();
#endif
  return std::make_unique<ZlibGzipDecoder>();
}

class XzDecoder : public Decoder {
 public:
  std::string name() const override { return "xz"; }
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
  std::string name() const override { return "bzip2"; }
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

std::unique_ptr<Decoder> make_decoder(Compression c, GzipInflater inflater, FrameDecodePool* frames) {
  switch (c) {
    case Compression::kGzip: return make_gzip_decoder(inflater);
    case Compression::kZstd: return make_zstd_decoder(frames);  // zstd_frames: reads pack's trailer too
    case Compression::kXz: return std::make_unique<XzDecoder>();
    case Compression::kBzip2: return std::make_unique<Bzip2Decoder>();
    case Compression::kNone: break;
  }
  return std::make_unique<CopyDecoder>();
}

}  // namespace pybcast
