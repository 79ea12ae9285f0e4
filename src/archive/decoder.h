#pragma once
// Decompression of one bundle's byte stream into its tar stream, written
// straight into the caller's buffers. We decode with ISA-L (or zlib), libzstd,
// liblzma and libbz2 directly rather than through libarchive's filters because we
// need every integrity check they offer (libarchive does not verify the
// gzip CRC) and because this runs on its own thread, apart from the tar
// parser, which is what makes extraction keep up with `tar`.
#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace pybcast {

enum class Compression { kNone, kGzip, kZstd, kXz, kBzip2 };

/// Recognises the format from the stream's first bytes (6 suffice).
Compression detect_compression(std::span<const std::byte> head);
const char* compression_name(Compression c);

class Decoder {
 public:
  struct Step {
    size_t consumed = 0;
    size_t produced = 0;
  };
  virtual ~Decoder() = default;
  /// Decodes as much of `in` into `out` as fits. Throws Error on corrupt data.
  /// Call again with the rest of `in`. Output may be held back while input
  /// keeps coming (frames decoding on other threads); after end_input(),
  /// call with an empty `in` until it produces less than `out` holds.
  virtual Step decode(std::span<const std::byte> in, std::span<std::byte> out) = 0;
  /// No more input comes: decode() now waits for output still being made.
  virtual void end_input() {}
  /// After all input: throws Error if the stream stopped mid-way (truncated).
  virtual void finish() = 0;
  /// What decodes, for the report ("gzip (ISA-L)", "zstd, 37 frames on 2 threads", ...).
  virtual std::string name() const = 0;
};

/// Which library inflates gzip: ISA-L where pybcast was built with it (else
/// zlib), or zlib always (the stage setting PYBCAST_GZIP_INFLATER=zlib).
enum class GzipInflater { kIsal, kZlib };

class FrameDecodePool;
/// The decoder of `c`; zstd decodes pack's independent frames on `frames`
/// when given (zstd_frames.h), else streams.
std::unique_ptr<Decoder> make_decoder(Compression c, GzipInflater inflater = GzipInflater::kIsal,
                                      FrameDecodePool* frames = nullptr);

}  // namespace pybcast
