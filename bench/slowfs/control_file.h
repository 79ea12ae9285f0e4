#pragma once
// `/.slowfs-stats`: a virtual file at the mount root. Reading it gives the
// counters as JSON; writing "reset" zeroes them. Requests for it are neither
// delayed nor counted, so reading the stats does not change them.
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

namespace slowfs::control {

inline constexpr const char* kName = ".slowfs-stats";

bool is_control(fuse_ino_t parent, const char* name);
void lookup(fuse_req_t req);
void getattr(fuse_req_t req);
void setattr(fuse_req_t req, const struct stat* attr, int to_set);
void open(fuse_req_t req, fuse_file_info* fi);
void read(fuse_req_t req, size_t size, off_t off, fuse_file_info* fi);
void write(fuse_req_t req, const char* buf, size_t size, fuse_file_info* fi);
void release(fuse_req_t req, fuse_file_info* fi);

}  // namespace slowfs::control
