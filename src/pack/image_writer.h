#pragma once
// Image bundles (issue 29): a tar bundle's tree as one squashfs image that
// staging copies to each node and mounts instead of extracting
// (archive/squashfs_image.h has the format). The tar stream is the one pack
// makes reproducibly (manifest first, fixed owners and times), decoded as
// staging decodes it, checked with staging's member rules, and piped through
// squashfs-tools-ng's tar2sqfs (zstd); tar2sqfs writes what the stream says
// and nothing of the machine (times, owners), so the same bundle gives the
// same image bytes. Then the trailer: the hash every node verifies.
// Several bundles become one image of their merged tree (staging mounts one
// image per job).
#include <cstdint>
#include <string>
#include <vector>

namespace pybcast {

/// Chosen for staging speed and first import (docs/image-mode.md: measured).
inline constexpr int kDefaultImageLevel = 6;
inline constexpr uint32_t kDefaultImageBlockBytes = 128 * 1024;

struct ImageOptions {
  int level = kDefaultImageLevel;  ///< zstd level of squashfs blocks (1-22)
  uint32_t block_bytes = kDefaultImageBlockBytes;
  int threads = 0;  ///< tar2sqfs compressor jobs; 0: the cores available
};

struct ImageResult {
  uint64_t bytes = 0;                 ///< of the image bundle, trailer included
  std::vector<std::string> warnings;  ///< symlinks that point off the node
};

/// Writes `output` (temporary name, renamed once complete) from the tar
/// bundles `bundles`, or seals a squashfs image made elsewhere (one input,
/// not yet an image bundle): its bytes and the trailer. From tar bundles: merged in order as staging merges them (a
/// later bundle wins), each bundle's manifest under .pybcast/bundles/<its file name>/ and their names in order in
/// .pybcast/image.json (kImageRecord), which the launcher reads in place of the job's bundle names. Throws Error naming
/// the bundle or tar2sqfs; the output then does not exist.
ImageResult write_image(const std::vector<std::string>& bundles, const std::string& output,
                        const ImageOptions& options);

/// "squashfs image" when the file at `path` starts with the squashfs magic.
bool is_image_file(const std::string& path);

}  // namespace pybcast
