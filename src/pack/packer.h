#pragma once
// `pybcast pack`: from what was asked to a finished bundle file, as a list of
// named steps: open the output, collect files, add the shared libraries they
// need, compile bytecode, hash, write, publish.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tree/pack_options.h"

namespace pybcast {

struct PackResult {
  std::string output;
  uint64_t files = 0;     ///< regular files and symlinks
  uint64_t unpacked = 0;  ///< bytes of file content
  uint64_t packed = 0;    ///< bytes of the bundle
  double seconds = 0;
  std::vector<std::string> notes;     ///< decisions worth telling (moved, added)
  std::vector<std::string> warnings;  ///< things that may not work on the nodes
};

/// Throws Error on failure; the output file then does not exist.
PackResult pack(const PackOptions& options);

/// The compression an output name implies (.tar.zst/.tzst, .tar.gz/.tgz, .tar).
std::optional<Compression> compression_for_name(const std::string& output);
/// The output's file name without directory and tar/compression suffixes.
std::string bundle_name_for(const std::string& output);

}  // namespace pybcast
