#pragma once
// Counts of the requests that reached the daemon, by type, and their JSON form.
#include <atomic>
#include <cstdint>
#include <string>

#include "settings.h"

namespace slowfs {

struct Stats {
  std::atomic<uint64_t> lookup{0};
  std::atomic<uint64_t> lookup_negative{0};  ///< Lookups of names that do not exist.
  std::atomic<uint64_t> getattr{0};
  std::atomic<uint64_t> open{0};
  std::atomic<uint64_t> opendir{0};
  std::atomic<uint64_t> readdir{0};
  std::atomic<uint64_t> readlink{0};
  std::atomic<uint64_t> statfs{0};
  std::atomic<uint64_t> access{0};
  std::atomic<uint64_t> read{0};
  std::atomic<uint64_t> read_bytes{0};

  void reset();
  /// Every delayed request: what a metadata server would have served.
  uint64_t metadata_ops() const;
};

/// One JSON object: every counter, `metadata_ops`, and the settings that produced them.
std::string to_json(const Stats& stats, const Settings& settings);

/// Writes to_json() to `path` through a temporary file and rename; false (errno set) on failure.
bool write_json_file(const std::string& path, const Stats& stats, const Settings& settings);

}  // namespace slowfs
