#pragma once
// Whether a published cache entry may be used. A hit needs the entry's
// stage record, well-formed and of the right key (an entry with it deleted
// or truncated is staged again). With --verify-cache, and in `pybcast
// doctor`, every file the bundles' manifests list is also re-hashed (xxh3)
// and every symlink re-read: entries are published read-only, but root, or
// a user who chmods them back, can still change them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

struct ContentCheck {
  uint64_t files = 0;                     ///< files and symlinks compared with a manifest
  std::vector<std::string> problems;      ///< "path: why", at most kMaxListedProblems
  uint64_t problem_count = 0;
  std::vector<std::string> unverifiable;  ///< bundles without a manifest (plain tarballs)

  static constexpr size_t kMaxListedProblems = 10;
};

/// Compares the entry (through its directory fd) with the manifests staged
/// in it, later bundles winning as in the merge. Files of a bundle that a
/// later bundle without a manifest may have replaced are not compared.
ContentCheck check_entry_content(int entry_fd, const std::vector<std::string>& bundles);

/// nullopt if the entry is usable, else why not ("has no stage record: ...",
/// "was changed after staging: lib/python3.11/json/decoder.py: ...").
std::optional<std::string> check_published_entry(int entry_fd, const std::string& shown, const std::string& key,
                                                 const std::vector<std::string>& bundles, bool verify_content);

}  // namespace pybcast
