// pybcast-image-server IMAGE MOUNTPOINT: serves an image bundle's squashfs
// read-only at MOUNTPOINT until it is unmounted or sent SIGTERM (issue 29).
// Not a layer: a program of its own, which python-mpi starts in place of
// squashfuse_ll when it is installed beside it (lib/pybcast/).
//
// Why our own server: the tree never changes, so everything the kernel may
// cache, it caches for good, and a later process of the job step asks the
// server almost nothing. squashfuse_ll answers OPEN, RELEASE, OPENDIR,
// READDIR, RELEASEDIR and READLINK for every process (about 2,000 requests
// for `import numpy, torch`, ~10 % of a warm import). Here:
//  - a directory's entries and inodes are read once, at its first lookup
//    (libsquashfs), then kept: a lookup is a binary search in memory, and
//    the mount itself reads only the root (a tree of 31k entries read whole
//    took 0.1 s per mount, squashfuse_ll's mount 8 ms);
//  - OPEN and OPENDIR answer ENOSYS: the kernel then stops sending them and
//    their releases, and keeps page and directory caches across opens;
//  - entries, attributes and negative lookups never expire; symlinks are
//    cached by the kernel; READDIRPLUS is off (Python lists, then stats what
//    it needs, which the entry cache already holds);
//  - reads run on several threads, the decompressing data reader (not
//    thread-safe) behind one mutex: the page cache serves what was read.
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr double kForever = 1e9;  // seconds: the tree never changes while mounted

/// One path of the tree: FUSE node id = index + 1 (the root is FUSE_ROOT_ID).
struct Node {
  sqfs_inode_generic_t* inode;
  fuse_ino_t parent;  ///< the root's is itself
  std::string name;
  bool listed = false;               ///< directories: children read
  std::vector<fuse_ino_t> children;  ///< directories: sorted by name
};

struct Image {
  sqfs_file_t* file = nullptr;
  sqfs_super_t super{};
  /// One per reader: a compressor keeps its decoder's state, and the two readers run on different threads.
  sqfs_compressor_t* dir_compressor = nullptr;
  sqfs_compressor_t* data_compressor = nullptr;
  sqfs_dir_reader_t* dirs = nullptr;
  sqfs_data_reader_t* data = nullptr;
  /// Grows as directories are first looked into (a deque: existing nodes never move).
  std::deque<Node> nodes;
  std::mutex tree_mutex;  ///< the nodes and the directory reader (not thread-safe)
  std::mutex data_mutex;  ///< sqfs_data_reader_t keeps one block cache: one reader at a time
  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
};

Image image;

bool valid(fuse_ino_t ino) { return ino >= 1 && ino <= image.nodes.size(); }

/// Reads directory `ino`'s entries once (tree_mutex held). False if the image is damaged there.
bool list_children(fuse_ino_t ino) {
  if (image.nodes[ino - 1].listed) return true;
  if (sqfs_dir_reader_open_dir(image.dirs, image.nodes[ino - 1].inode, 0) != 0) return false;
  std::vector<fuse_ino_t> children;
  size_t known = image.nodes.size();  // a listing that fails half-way adds nothing
  sqfs_dir_entry_t* entry = nullptr;
  int status;
  while ((status = sqfs_dir_reader_read(image.dirs, &entry)) == 0) {
    sqfs_inode_generic_t* inode = nullptr;
    std::string name(reinterpret_cast<const char*>(entry->name), entry->size + 1u);
    sqfs_free(entry);
    if (sqfs_dir_reader_get_inode(image.dirs, &inode) != 0) break;
    image.nodes.push_back({inode, ino, std::move(name), false, {}});
    children.push_back(image.nodes.size());
  }
  if (status <= 0) {  // positive: the end of the listing; else damaged (or an inode unreadable)
    image.nodes.resize(known);
    return false;
  }
  std::sort(children.begin(), children.end(),
            [](fuse_ino_t a, fuse_ino_t b) { return image.nodes[a - 1].name < image.nodes[b - 1].name; });
  image.nodes[ino - 1].children = std::move(children);
  image.nodes[ino - 1].listed = true;
  return true;
}

mode_t type_bits(const sqfs_inode_generic_t* inode) {
  switch (inode->base.type) {
    case SQFS_INODE_DIR:
    case SQFS_INODE_EXT_DIR: return S_IFDIR;
    case SQFS_INODE_FILE:
    case SQFS_INODE_EXT_FILE: return S_IFREG;
    case SQFS_INODE_SLINK:
    case SQFS_INODE_EXT_SLINK: return S_IFLNK;
    case SQFS_INODE_BDEV:
    case SQFS_INODE_EXT_BDEV: return S_IFBLK;
    case SQFS_INODE_CDEV:
    case SQFS_INODE_EXT_CDEV: return S_IFCHR;
    case SQFS_INODE_FIFO:
    case SQFS_INODE_EXT_FIFO: return S_IFIFO;
    default: return S_IFSOCK;
  }
}

struct stat attributes(fuse_ino_t ino) {
  const sqfs_inode_generic_t* inode = image.nodes[ino - 1].inode;
  struct stat st {};
  st.st_ino = inode->base.inode_number;
  st.st_mode = type_bits(inode) | (inode->base.mode & 07777);
  // Owned by the user who mounts, as an extracted entry is (pack writes owner 0): with
  // default_permissions the kernel then grants what it grants in the extracted tree.
  st.st_uid = image.uid;
  st.st_gid = image.gid;
  st.st_mtim.tv_sec = inode->base.mod_time;
  st.st_ctim = st.st_atim = st.st_mtim;
  st.st_nlink = 1;
  switch (inode->base.type) {
    case SQFS_INODE_DIR:
      st.st_nlink = inode->data.dir.nlink;
      st.st_size = inode->data.dir.size;
      break;
    case SQFS_INODE_EXT_DIR:
      st.st_nlink = inode->data.dir_ext.nlink;
      st.st_size = inode->data.dir_ext.size;
      break;
    case SQFS_INODE_FILE:
    case SQFS_INODE_EXT_FILE: {
      sqfs_u64 size = 0;
      sqfs_inode_get_file_size(inode, &size);
      st.st_size = static_cast<off_t>(size);
      if (inode->base.type == SQFS_INODE_EXT_FILE) st.st_nlink = inode->data.file_ext.nlink;
      break;
    }
    case SQFS_INODE_SLINK:
      st.st_nlink = inode->data.slink.nlink;
      st.st_size = inode->data.slink.target_size;
      break;
    case SQFS_INODE_EXT_SLINK:
      st.st_nlink = inode->data.slink_ext.nlink;
      st.st_size = inode->data.slink_ext.target_size;
      break;
    case SQFS_INODE_CDEV:
    case SQFS_INODE_BDEV: st.st_rdev = inode->data.dev.devno; break;
    default: break;
  }
  st.st_blksize = static_cast<blksize_t>(image.super.block_size);
  st.st_blocks = (st.st_size + 511) / 512;
  return st;
}

void op_init(void*, fuse_conn_info* conn) {
  for (unsigned cap : {FUSE_CAP_NO_OPEN_SUPPORT, FUSE_CAP_NO_OPENDIR_SUPPORT, FUSE_CAP_CACHE_SYMLINKS,
                       FUSE_CAP_SPLICE_WRITE, FUSE_CAP_SPLICE_MOVE, FUSE_CAP_PARALLEL_DIROPS, FUSE_CAP_ASYNC_READ})
    if (conn->capable & cap) conn->want |= cap;
  conn->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
}

/// The directory `ino`, listed (tree_mutex held); null with `error` set when it is none or cannot be read.
const Node* listed_dir(fuse_ino_t ino, int& error) {
  error = ENOENT;
  if (!valid(ino)) return nullptr;
  error = ENOTDIR;
  if (!S_ISDIR(type_bits(image.nodes[ino - 1].inode))) return nullptr;
  error = EIO;
  if (!list_children(ino)) return nullptr;
  return &image.nodes[ino - 1];
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  std::unique_lock<std::mutex> lock(image.tree_mutex);
  int error = 0;
  const Node* dir = listed_dir(parent, error);
  if (dir == nullptr) return void(fuse_reply_err(req, error));
  auto it = std::lower_bound(dir->children.begin(), dir->children.end(), std::string_view(name),
                             [](fuse_ino_t a, std::string_view n) { return image.nodes[a - 1].name < n; });
  fuse_entry_param entry{};
  entry.entry_timeout = kForever;
  entry.attr_timeout = kForever;
  if (it != dir->children.end() && image.nodes[*it - 1].name == name) {
    entry.ino = *it;
    entry.attr = attributes(*it);
  }  // else ino 0: a negative entry, cached as long
  lock.unlock();
  fuse_reply_entry(req, &entry);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  std::unique_lock<std::mutex> lock(image.tree_mutex);
  if (!valid(ino)) return lock.unlock(), void(fuse_reply_err(req, ENOENT));
  struct stat st = attributes(ino);
  lock.unlock();
  fuse_reply_attr(req, &st, kForever);
}

/// The inode of `ino` (never freed nor moved once read), or null.
const sqfs_inode_generic_t* inode_of(fuse_ino_t ino) {
  std::lock_guard<std::mutex> lock(image.tree_mutex);
  return valid(ino) ? image.nodes[ino - 1].inode : nullptr;
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  const sqfs_inode_generic_t* inode = inode_of(ino);
  if (inode == nullptr) return void(fuse_reply_err(req, ENOENT));
  if (type_bits(inode) != S_IFLNK) return void(fuse_reply_err(req, EINVAL));
  sqfs_u32 size =
      inode->base.type == SQFS_INODE_SLINK ? inode->data.slink.target_size : inode->data.slink_ext.target_size;
  std::string target(reinterpret_cast<const char*>(inode->extra), size);
  fuse_reply_readlink(req, target.c_str());
}

void op_open(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, ENOSYS); }

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info*) {
  const sqfs_inode_generic_t* inode = inode_of(ino);
  if (inode == nullptr) return void(fuse_reply_err(req, ENOENT));
  if (type_bits(inode) != S_IFREG) return void(fuse_reply_err(req, EISDIR));
  std::vector<char> buffer(size);
  sqfs_s32 got;
  {
    std::lock_guard<std::mutex> lock(image.data_mutex);
    got = sqfs_data_reader_read(image.data, inode, static_cast<sqfs_u64>(offset), buffer.data(),
                                static_cast<sqfs_u32>(size));
  }
  if (got < 0) return void(fuse_reply_err(req, EIO));
  fuse_reply_buf(req, buffer.data(), static_cast<size_t>(got));
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info*) {
  std::unique_lock<std::mutex> lock(image.tree_mutex);
  int error = 0;
  const Node* dir = listed_dir(ino, error);
  if (dir == nullptr) return lock.unlock(), void(fuse_reply_err(req, error));
  std::vector<char> buffer(size);
  size_t used = 0;
  // Offsets: 1 ".", 2 "..", 3 + i the i-th child.
  for (off_t at = offset; at < static_cast<off_t>(dir->children.size()) + 2; ++at) {
    fuse_ino_t entry = at == 0 ? ino : at == 1 ? dir->parent : dir->children[static_cast<size_t>(at - 2)];
    const std::string& name = at == 0 ? std::string(".") : at == 1 ? std::string("..") : image.nodes[entry - 1].name;
    struct stat st {};
    st.st_ino = entry;
    st.st_mode = type_bits(image.nodes[entry - 1].inode);
    size_t need = fuse_add_direntry(req, buffer.data() + used, size - used, name.c_str(), &st, at + 1);
    if (need > size - used) break;
    used += need;
  }
  lock.unlock();
  fuse_reply_buf(req, buffer.data(), used);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  struct statvfs st {};
  st.f_bsize = image.super.block_size;
  st.f_frsize = image.super.block_size;
  st.f_blocks = (image.super.bytes_used + image.super.block_size - 1) / image.super.block_size;
  st.f_files = image.super.inode_count;
  st.f_namemax = 256;
  fuse_reply_statfs(req, &st);
}

int open_image(const char* path) {
  image.file = sqfs_open_file(path, SQFS_FILE_OPEN_READ_ONLY);
  if (image.file == nullptr) return std::fprintf(stderr, "cannot open %s\n", path), -1;
  if (sqfs_super_read(&image.super, image.file) != 0)
    return std::fprintf(stderr, "%s: not a squashfs 4.0 image\n", path), -1;
  sqfs_compressor_config_t config;
  if (sqfs_compressor_config_init(&config, static_cast<SQFS_COMPRESSOR>(image.super.compression_id),
                                  image.super.block_size, SQFS_COMP_FLAG_UNCOMPRESS) != 0 ||
      sqfs_compressor_create(&config, &image.dir_compressor) != 0 ||
      sqfs_compressor_create(&config, &image.data_compressor) != 0)
    return std::fprintf(stderr, "%s: unsupported compressor %u\n", path, image.super.compression_id), -1;
  image.dirs = sqfs_dir_reader_create(&image.super, image.dir_compressor, image.file, 0);
  image.data = sqfs_data_reader_create(image.file, image.super.block_size, image.data_compressor, 0);
  sqfs_inode_generic_t* root = nullptr;
  if (image.dirs == nullptr || image.data == nullptr ||
      sqfs_data_reader_load_fragment_table(image.data, &image.super) != 0 ||
      sqfs_dir_reader_get_root_inode(image.dirs, &root) != 0 || root == nullptr)
    return std::fprintf(stderr, "%s: cannot read its tables (damaged?)\n", path), -1;
  image.nodes.push_back({root, FUSE_ROOT_ID, "", false, {}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IMAGE MOUNTPOINT (serves IMAGE read-only until unmounted)\n", argv[0]);
    return 2;
  }
  if (open_image(argv[1]) != 0) return 1;
  std::string options = "ro,default_permissions,auto_unmount,subtype=pybcast,fsname=" + std::string(argv[1]);
  // fsname is shown in /proc/mounts: commas would split the option list.
  std::replace(options.begin() + static_cast<long>(options.find("fsname=")), options.end(), ',', '_');
  char* args[] = {argv[0], const_cast<char*>("-o"), options.data(), nullptr};
  fuse_args fuse_arguments = FUSE_ARGS_INIT(3, args);
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.readlink = op_readlink;
  ops.open = op_open;
  ops.opendir = op_open;
  ops.read = op_read;
  ops.readdir = op_readdir;
  ops.statfs = op_statfs;
  fuse_session* session = fuse_session_new(&fuse_arguments, &ops, sizeof ops, nullptr);
  if (session == nullptr) return 1;
  int status = 1;
  if (fuse_set_signal_handlers(session) == 0) {
    if (fuse_session_mount(session, argv[2]) == 0) {
      fuse_loop_config* config = fuse_loop_cfg_create();
      fuse_loop_cfg_set_max_threads(config, 4);
      status = fuse_session_loop_mt(session, config) == 0 ? 0 : 1;
      fuse_loop_cfg_destroy(config);
      fuse_session_unmount(session);
    }
    fuse_remove_signal_handlers(session);
  }
  fuse_session_destroy(session);
  return status;
}
