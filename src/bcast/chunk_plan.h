#pragma once
// Pure arithmetic of the chunk stream: which bytes of which bundle travel in
// chunk k. Offsets and totals are 64-bit; a single chunk always fits an int
// MPI count, so bundles of any size broadcast without MPI_ERR_COUNT.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pybcast {

struct ChunkSpec {
  size_t bundle = 0;
  uint64_t offset = 0;  ///< byte offset within the bundle
  uint32_t size = 0;    ///< payload bytes
  bool last = false;    ///< final chunk of its bundle
};

/// Largest chunk we accept: keeps header + payload far below INT_MAX.
constexpr uint64_t kMaxChunkSize = uint64_t{1} << 30;
constexpr uint64_t kMinChunkSize = uint64_t{4} << 10;

/// One or more chunks per bundle (an empty bundle still gets one empty chunk,
/// which carries its hash), never spanning two bundles.
std::vector<ChunkSpec> plan_chunks(const std::vector<uint64_t>& bundle_sizes, uint64_t chunk_size);

/// Fixed header in front of every chunk's payload on the wire.
struct ChunkHeader {
  static constexpr uint32_t kMagic = 0x70796263;  // "pybc"
  static constexpr uint32_t kAbort = 1;           ///< the reader failed; ignore the payload
  uint32_t magic = kMagic;
  uint32_t flags = 0;
  uint64_t payload = 0;
  uint64_t bundle_hash = 0;  ///< xxh3 of the whole bundle, set on its last chunk
  uint64_t reserved = 0;
};
static_assert(sizeof(ChunkHeader) == 32, "the wire header is part of the protocol");

}  // namespace pybcast
