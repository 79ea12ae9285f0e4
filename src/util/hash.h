#pragma once
// xxh3 hashing: the integrity check between the reader and each node leader
// (streaming, 64-bit) and the base of cache keys (one-shot, 128-bit).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

struct XXH3_state_s;

namespace pybcast {

class StreamHash {
 public:
  StreamHash();
  ~StreamHash();
  StreamHash(const StreamHash&) = delete;
  StreamHash& operator=(const StreamHash&) = delete;

  void update(std::span<const std::byte> data);
  uint64_t digest() const;
  void reset();

 private:
  XXH3_state_s* state_;
};

uint64_t hash64(std::span<const std::byte> data);
/// 128-bit xxh3 of text as 32 lowercase hex characters.
std::string hex128(std::string_view text);
std::string hex64(uint64_t value);

}  // namespace pybcast
