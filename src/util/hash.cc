#include "util/hash.h"

#include <xxhash.h>

#include <fmt/format.h>

namespace pybcast {

StreamHash::StreamHash() : state_(XXH3_createState()) { reset(); }

StreamHash::~StreamHash() { XXH3_freeState(state_); }

void StreamHash::reset() { XXH3_64bits_reset(state_); }

void StreamHash::update(std::span<const std::byte> data) { XXH3_64bits_update(state_, data.data(), data.size()); }

uint64_t StreamHash::digest() const { return XXH3_64bits_digest(state_); }

uint64_t hash64(std::span<const std::byte> data) { return XXH3_64bits(data.data(), data.size()); }

std::string hex128(std::string_view text) {
  XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

std::string hex64(uint64_t value) { return fmt::format("{:016x}", value); }

}  // namespace pybcast
