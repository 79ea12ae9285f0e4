#pragma once
// A bundle file's tar stream, for a reader on one thread (`pybcast inspect`,
// pack's import check): its compression is detected from its first bytes and
// it is decoded by the Decoder staging uses (decoder.h), so that a bundle is
// refused for the same damage, in the same words, however it is read.
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "archive/decoder.h"
#include "archive/zstd_frames.h"
#include "util/io.h"

namespace pybcast {

class DecodedFile {
 public:
  /// Opens `path` (throws Error: "cannot open: ..."). `frame_threads` > 0
  /// decodes zstd frames on a pool of that many threads besides the
  /// reader's, as staging does; 0 streams them on the reader's thread.
  explicit DecodedFile(const std::string& path, unsigned frame_threads = 0);
  ~DecodedFile();
  DecodedFile(const DecodedFile&) = delete;
  DecodedFile& operator=(const DecodedFile&) = delete;

  /// Up to out.size() bytes of the tar stream, 0 at its end, which comes only
  /// once the decoder found the stream whole. Throws Error in the decoder's
  /// words (without the path) for damage: corrupt, truncated, trailing data;
  /// once it threw, every later call throws the same.
  size_t read(std::span<std::byte> out);
  /// Decodes what is left, so that damage after the tar's end (a cut, a
  /// corrupt or trailing frame) is refused too. Throws as read() does.
  void read_to_end();
  /// What decodes ("zstd", "gzip (ISA-L)", ...); empty before the first read.
  std::string decoder_name() const { return decoder_ ? decoder_->name() : ""; }

 private:
  /// Reads more compressed bytes; false at the end of the file.
  bool refill();
  size_t decode_into(std::span<std::byte> out);

  std::string path_;
  io::Fd fd_;
  std::optional<FrameDecodePool> pool_;  ///< declared before decoder_, which must go first
  std::unique_ptr<Decoder> decoder_;
  std::vector<std::byte> in_;
  size_t in_pos_ = 0;
  size_t in_size_ = 0;
  bool input_ended_ = false;
  bool finished_ = false;
  std::optional<std::string> failure_;  ///< said again by every later read: the decoder is spent
};

}  // namespace pybcast
