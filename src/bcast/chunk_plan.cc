#include "bcast/chunk_plan.h"

#include "util/error.h"

namespace pybcast {

std::vector<ChunkSpec> plan_chunks(const std::vector<uint64_t>& bundle_sizes, uint64_t chunk_size) {
  if (chunk_size < kMinChunkSize || chunk_size > kMaxChunkSize)
    fail("chunk size {} is out of range ({} to {} bytes)", chunk_size, kMinChunkSize, kMaxChunkSize);
  std::vector<ChunkSpec> plan;
  for (size_t b = 0; b < bundle_sizes.size(); ++b) {
    uint64_t total = bundle_sizes[b];
    uint64_t offset = 0;
    do {
      uint64_t size = std::min(chunk_size, total - offset);
      plan.push_back(ChunkSpec{b, offset, static_cast<uint32_t>(size), offset + size == total});
      offset += size;
    } while (offset < total);
  }
  return plan;
}

}  // namespace pybcast
