#pragma once
// The skippable frame `pybcast pack` ends a zstd bundle with: how many data
// frames come before it and how many bytes they decode to. Each zstd frame
// checks only itself, so without it a frame lost, repeated or added, or a
// bundle cut where a frame ends, decodes cleanly; with it the decoder refuses
// them. Decoders that do not know it (zstd, tar --zstd, libarchive) skip it,
// as RFC 8878 says of skippable frames.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pybcast {

struct ZstdTrailer {
  uint64_t frames = 0;         ///< data frames before the trailer
  uint64_t content_bytes = 0;  ///< what they decode to
};

/// The whole skippable frame (magic, size, payload).
std::vector<std::byte> encode_zstd_trailer(const ZstdTrailer& trailer);
/// Ours, from a skippable frame's magic and payload; nullopt for anyone else's.
std::optional<ZstdTrailer> parse_zstd_trailer(uint32_t magic, std::span<const std::byte> payload);

/// What one zstd stream held, frame by frame in order, held against its trailer.
class ZstdFrameTally {
 public:
  /// A data frame that decoded to `content_bytes`. Throws Error after the trailer.
  void data_frame(uint64_t content_bytes);
  /// A skippable frame; if it is the trailer, throws Error unless the frames so far match it.
  void skippable_frame(uint32_t magic, std::span<const std::byte> payload);

 private:
  uint64_t frames_ = 0;
  uint64_t content_bytes_ = 0;
  bool ended_ = false;  ///< the trailer came
};

}  // namespace pybcast
