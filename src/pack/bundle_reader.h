#pragma once
// Reads a bundle back: its manifest (`pybcast inspect`) and, with --verify,
// every member against it. The bytes are decoded as staging decodes them
// (archive/decoded_file: the same formats, checks and messages); libarchive
// parses only the tar.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bundle/manifest.h"

namespace pybcast {

/// The manifest member, which must come first. Throws Error naming the bundle.
std::string read_manifest_text(const std::string& bundle);

struct VerifyReport {
  std::string manifest_text;
  Manifest manifest;
  uint64_t checked = 0;               ///< members compared
  std::vector<std::string> problems;  ///< one line each; empty when the bundle matches
};

/// Unpacks the bundle below `dir` (an empty directory of ours) with
/// libarchive's safe-extraction rules (no "..", no absolute names, nothing
/// through a symlink): for `pybcast pack`'s import check. Throws Error.
void extract_bundle(const std::string& bundle, const std::string& dir);

/// One tar stream of the tree staging would make of `bundles` merged in
/// order (a later bundle's member wins; each name appears once, from the last
/// bundle that has it), each bundle's `.pybcast/` members under
/// `.pybcast/bundles/<name>/` as staging puts them, and `extra_members`
/// (name, content) first. Written as pax tar to `fd`. Every member is first
/// checked with staging's rules (names relative without "..", no devices,
/// FIFOs or sockets, hard links to names inside; setuid/setgid dropped):
/// throws Error naming the bundle and member. Returns the symlinks that point
/// off the node (kept, as staging keeps them).
std::vector<std::string> write_merged_tar(const std::vector<std::pair<std::string, std::string>>& bundles_and_names,
                                          const std::vector<std::pair<std::string, std::string>>& extra_members,
                                          int fd);

/// Reads the whole bundle and compares each member's type, size, hash and
/// link target with the manifest; members missing from either side count too.
/// Throws Error for damage the decoder finds (zstd frames decode on the
/// cores staging would use).
VerifyReport verify_bundle(const std::string& bundle);

}  // namespace pybcast
