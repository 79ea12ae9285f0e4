#pragma once
// The state every request handler reaches through fuse_req_userdata().
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "inode_table.h"
#include "settings.h"
#include "stats.h"
#include "throttle.h"

namespace slowfs {

struct FileSystem {
  FileSystem(Settings s, int root_fd, const struct stat& root_st)
      : settings(std::move(s)),
        inodes(root_fd, root_st),
        metadata(settings.latency_ms, settings.serialise),
        bandwidth(settings.read_mibps) {}

  /// Every metadata request starts here: counted, then delayed (and, when
  /// serialised, alone until the returned lock is released).
  [[nodiscard]] std::unique_lock<std::mutex> metadata_request(std::atomic<uint64_t>& counter) {
    ++counter;
    return metadata.enter();
  }

  Settings settings;
  Stats stats;
  InodeTable inodes;
  MetadataDelay metadata;
  BandwidthCap bandwidth;
};

inline FileSystem& filesystem(fuse_req_t req) { return *static_cast<FileSystem*>(fuse_req_userdata(req)); }

/// The read-only passthrough with delays and counting, including the control file.
fuse_lowlevel_ops slowfs_operations();

}  // namespace slowfs
