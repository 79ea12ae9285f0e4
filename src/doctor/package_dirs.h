#pragma once
// Directories named in PYTHON_MPI_PACKAGES are staged as they are: rank 0
// walks each at every job step, warm or cold. Doctor walks them the same
// way once, says what that costs here, and suggests packing a big one.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pybcast {

/// Above this many entries, the walk dominates a warm start: pack suggested.
inline constexpr uint64_t kPackSuggestedEntries = 50000;

/// One note per directory entry of PYTHON_MPI_PACKAGES (relative entries
/// under PYTHON_MPI_PKGROOT), with its entry count and measured walk time.
std::vector<std::string> package_dir_notes(const std::function<const char*(const char*)>& getenv,
                                           uint64_t suggest_pack_above = kPackSuggestedEntries);

}  // namespace pybcast
