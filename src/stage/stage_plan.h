#pragma once
// What rank 0 tells every rank before anything moves: the cache key and the
// bundles (display names and sizes), as one broadcast string.
#include <cstdint>
#include <string>
#include <vector>

namespace pybcast {

struct StagePlan {
  std::string key;
  std::vector<std::string> names;
  std::vector<uint64_t> sizes;

  uint64_t total_bytes() const;
  std::string encode() const;
  /// Throws Error on malformed input.
  static StagePlan decode(const std::string& text);
};

}  // namespace pybcast
