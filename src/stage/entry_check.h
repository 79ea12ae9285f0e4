#pragma once
// Whether a published cache entry may be used. A hit needs the entry's
// stage record, well-formed and of the right key (an entry with it deleted
// or truncated is staged again), and its bytecode mirror, the one staged
// with it and read-only. With --verify-cache, and in `pybcast doctor`, every
// file the bundles' manifests list is also re-hashed (xxh3), every symlink
// re-read, and every mirror file checked to be the entry's own: entries are
// published read-only, but root, or a user who chmods them back, can still
// change them. The bundles are those the entry's own record names (its key
// is their identity, however a later job spells them).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

struct ContentCheck {
  uint64_t files = 0;                 ///< files and symlinks compared with a manifest
  std::vector<std::string> problems;  ///< "path: why", at most kMaxListedProblems
  uint64_t problem_count = 0;
  std::vector<std::string> unverifiable;  ///< bundles without a manifest (plain tarballs)

  static constexpr size_t kMaxListedProblems = 10;
};

/// Compares the entry (through its directory fd) with the manifests staged
/// in it, later bundles winning as in the merge. Files of a bundle that a
/// later bundle without a manifest may have replaced are not compared.
ContentCheck check_entry_content(int entry_fd, const std::vector<std::string>& bundles);
/// check_entry_content for the bundles of the entry's stage record, plus the
/// links of its bytecode mirror (mirror_fd, -1 if there is none).
ContentCheck check_staged_entry(int entry_fd, int mirror_fd, const std::string& shown);

/// nullopt if the entry is usable, else why not ("has no stage record: ...",
/// "was changed after staging: lib/python3.11/json/decoder.py: ...").
/// `mirror_fd`: its bytecode mirror, -1 if there is none. What could not be
/// verified (bundles without a manifest) is added to `unverified`.
std::optional<std::string> check_published_entry(int entry_fd, int mirror_fd, const std::string& shown,
                                                 const std::string& key, bool verify_content,
                                                 std::vector<std::string>& unverified);

}  // namespace pybcast
