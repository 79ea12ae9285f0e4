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
  /// Bundles that are directories staged as they are: their sizes are 0
  /// until rank 0 lays out their streams (only when some node extracts).
  std::vector<bool> trees;
  /// Image bundles (squashfs): then the only bundle of the plan.
  std::vector<bool> images;

  bool has_trees() const;
  bool is_image() const { return images.size() == 1 && images[0]; }

  uint64_t total_bytes() const;
  std::string encode() const;
  /// Throws Error on malformed input.
  static StagePlan decode(const std::string& text);
};

}  // namespace pybcast
