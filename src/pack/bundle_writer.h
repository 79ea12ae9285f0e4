#pragma once
// Turns a sorted list of entries into the bundle's bytes: the manifest member
// first, then every entry as a pax (restricted) tar member with fixed owners
// and times, through the frame compressor. Same entries, same bytes.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "archive/frame_compressor.h"
#include "pack/progress.h"
#include "tree/file_set.h"

namespace pybcast {

/// Reads every regular file once for its size and xxh3 (the manifest needs
/// them before the first member is written), on `threads` threads.
void hash_entries(std::vector<PackEntry>& entries, int threads, Progress& progress);

/// Writes the tar stream. Each file is hashed again as it is copied; a file
/// that changed since hash_entries is an error, not a wrong manifest.
void write_tar(FrameCompressor& out, const std::string& manifest_json, const std::vector<PackEntry>& entries,
               int64_t mtime, Progress& progress);

}  // namespace pybcast
