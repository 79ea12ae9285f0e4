#pragma once
// Reads a bundle back: its manifest (`pybcast inspect`) and, with --verify,
// every member against it. Any compression libarchive knows is accepted.
#include <cstdint>
#include <string>
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

/// Reads the whole bundle and compares each member's type, size, hash and
/// link target with the manifest; members missing from either side count too.
VerifyReport verify_bundle(const std::string& bundle);

}  // namespace pybcast
