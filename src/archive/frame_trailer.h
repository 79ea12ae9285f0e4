#pragma once
// The trailer `pybcast pack` ends a compressed bundle with: how many frames
// (zstd frames, gzip members) come before it, what they decode to, and a
// digest of their own checksums in order. Each frame checks only itself, so
// without it a frame lost, repeated, added, reordered or replaced by another
// valid frame, or a bundle cut where a frame ends, decodes cleanly; with it
// the decoder refuses them. A zstd bundle carries it in a skippable frame, a
// gzip bundle in the extra field of an empty last member: decoders that do
// not know it (zstd, gzip, tar, libarchive) skip it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/hash.h"

namespace pybcast {

struct FrameTrailer {
  uint64_t frames = 0;         ///< data frames (gzip members) before the trailer
  uint64_t content_bytes = 0;  ///< what they decode to
  uint64_t checksums = 0;      ///< xxh3 of their own checksums, 4 bytes each, little-endian, in order
};

/// The trailer's payload: the same in both formats.
std::vector<std::byte> encode_trailer_payload(const FrameTrailer& trailer);
/// Ours, or nullopt for anyone else's payload.
std::optional<FrameTrailer> parse_trailer_payload(std::span<const std::byte> payload);

/// The whole skippable zstd frame (magic, size, payload).
std::vector<std::byte> encode_zstd_trailer(const FrameTrailer& trailer);
/// Ours, from a skippable frame's magic and payload; nullopt for anyone else's.
std::optional<FrameTrailer> parse_zstd_trailer(uint32_t magic, std::span<const std::byte> payload);
/// The gzip extra field's subfield that carries it ("PB").
inline constexpr char kGzipTrailerId[2] = {'P', 'B'};
/// Ours, from a gzip member's whole extra field; nullopt if it has no such subfield.
std::optional<FrameTrailer> parse_gzip_trailer(std::span<const std::byte> extra);

/// What one stream held, frame by frame in order, held against its trailer.
class FrameTally {
 public:
  /// `format` and `unit` word the refusals: "corrupt zstd data (3 of the 4 frames ...".
  FrameTally(std::string format, std::string unit) : format_(std::move(format)), unit_(std::move(unit)) {}
  /// A data frame that decoded to `content_bytes`, with its own `checksum`
  /// (zstd: the content checksum; gzip: the CRC32). Throws Error after the trailer.
  void data_frame(uint64_t content_bytes, uint32_t checksum);
  /// The trailer: throws Error unless the frames so far are those it counts.
  void trailer(const FrameTrailer& trailer);
  /// The trailer the frames so far would have (for the writer).
  FrameTrailer so_far() const { return {frames_, content_bytes_, checksums_.digest()}; }

 private:
  std::string format_, unit_;
  uint64_t frames_ = 0;
  uint64_t content_bytes_ = 0;
  StreamHash checksums_;
  bool ended_ = false;  ///< the trailer came
};

}  // namespace pybcast
