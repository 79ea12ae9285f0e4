#include "control_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

#include "filesystem.h"

namespace slowfs::control {
namespace {

struct stat attributes(fuse_req_t req) {
  FileSystem& fs = filesystem(req);
  struct stat st {};
  st.st_ino = kControlIno;
  st.st_mode = S_IFREG | 0644;
  st.st_nlink = 1;
  st.st_uid = fuse_req_ctx(req)->uid;
  st.st_gid = fuse_req_ctx(req)->gid;
  // Reads are direct I/O, so the size is informative only.
  st.st_size = static_cast<off_t>(to_json(fs.stats, fs.settings).size());
  st.st_mtime = st.st_ctime = st.st_atime = std::time(nullptr);
  return st;
}

}  // namespace

bool is_control(fuse_ino_t parent, const char* name) { return parent == FUSE_ROOT_ID && std::strcmp(name, kName) == 0; }

void lookup(fuse_req_t req) {
  fuse_entry_param e{};
  e.ino = kControlIno;
  e.attr = attributes(req);
  fuse_reply_entry(req, &e);
}

void getattr(fuse_req_t req) {
  const struct stat st = attributes(req);
  fuse_reply_attr(req, &st, 0);
}

void setattr(fuse_req_t req, const struct stat*, int to_set) {
  // Only the truncation of `echo reset > file` is accepted; it changes nothing.
  if (to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_CTIME |
                 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))
    return (void)fuse_reply_err(req, EPERM);
  getattr(req);
}

void open(fuse_req_t req, fuse_file_info* fi) {
  FileSystem& fs = filesystem(req);
  // A snapshot per open, so a reader sees one consistent JSON document.
  fi->fh = reinterpret_cast<uint64_t>(new std::string(to_json(fs.stats, fs.settings)));
  fi->direct_io = 1;
  fuse_reply_open(req, fi);
}

void read(fuse_req_t req, size_t size, off_t off, fuse_file_info* fi) {
  const auto* text = reinterpret_cast<const std::string*>(fi->fh);
  if (off < 0 || static_cast<size_t>(off) >= text->size()) return (void)fuse_reply_buf(req, nullptr, 0);
  fuse_reply_buf(req, text->data() + off, std::min(size, text->size() - static_cast<size_t>(off)));
}

void write(fuse_req_t req, const char* buf, size_t size, fuse_file_info*) {
  std::string_view command(buf, size);
  while (!command.empty() && (command.back() == '\n' || command.back() == ' ')) command.remove_suffix(1);
  if (command != "reset") return (void)fuse_reply_err(req, EINVAL);
  filesystem(req).stats.reset();
  fuse_reply_write(req, size);
}

void release(fuse_req_t req, fuse_file_info* fi) {
  delete reinterpret_cast<std::string*>(fi->fh);
  fuse_reply_err(req, 0);
}

}  // namespace slowfs::control
