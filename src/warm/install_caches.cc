#include "warm/install_caches.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include <fmt/format.h>

#include "bundle/manifest.h"
#include "bundle/metadata_layout.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/io.h"

namespace pybcast {

namespace {

std::string marker_name(const std::string& key, const std::string& bundle) {
  std::string id = key + "/" + bundle;
  return ".installed-" + hex64(hash64(std::as_bytes(std::span(id))));
}

std::string temp_name() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format(".pybcast-tmp-{:016x}", random());
}

/// from_dir/name -> to_dir/name, through a temporary file and a rename.
uint64_t copy_file(int from_dir, int to_dir, const std::string& name, const std::string& shown) {
  io::Fd in = io::openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, shown);
  struct stat st = io::fstat(in.get(), shown);
  std::string temp = temp_name();
  mode_t mode = (st.st_mode & S_IXUSR) ? 0700 : 0600;
  io::Fd out = io::openat(to_dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode, shown);
  try {
    uint64_t copied = io::copy_contents(in.get(), out.get(), shown, shown);
    if (::renameat(to_dir, temp.c_str(), to_dir, name.c_str()) != 0) throw_errno("cannot write " + shown, errno);
    return copied;
  } catch (...) {
    ::unlinkat(to_dir, temp.c_str(), 0);
    throw;
  }
}

void copy_tree(int from_dir, int to_dir, const std::string& from_shown, const std::string& to_shown,
               InstalledCache& counts) {
  for (const std::string& name : io::list_dir(from_dir, from_shown)) {
    struct stat st {};
    if (!io::lstatat(from_dir, name, st, from_shown + "/" + name)) continue;
    if (S_ISREG(st.st_mode)) {
      counts.bytes += copy_file(from_dir, to_dir, name, to_shown + "/" + name);
      ++counts.files;
    } else if (S_ISDIR(st.st_mode)) {
      int in = io::open_dir_path_raw(from_dir, {name}, false, 0);
      if (in < 0) throw_errno("cannot read " + from_shown + "/" + name, -in);
      io::Fd from(in);
      int out = io::open_dir_path_raw(to_dir, {name}, true, 0700);
      if (out < 0) throw_errno("cannot create " + to_shown + "/" + name, -out);
      io::Fd to(out);
      copy_tree(from.get(), to.get(), from_shown + "/" + name, to_shown + "/" + name, counts);
    }
  }
}

}  // namespace

InstallResult install_caches(const std::string& prefix, const std::string& key, const std::string& bundle,
                             int caches_fd, const std::string& caches_path, const std::set<std::string>& wanted) {
  InstallResult result;
  std::string marker = marker_name(key, bundle);
  struct stat st {};
  if (io::lstatat(caches_fd, marker, st, caches_path + "/" + marker)) {
    result.already = true;
    return result;
  }
  std::vector<std::string> parts = staged_metadata_dir(bundle);
  std::string source = prefix + "/" + staged_member_path(bundle, kCachesMemberDir);
  io::Fd entry = io::open(prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  parts.push_back(std::string(kCachesMemberDir).substr(std::string_view(kMetadataDir).size() + 1));
  int staged = io::open_dir_path_raw(entry.get(), parts, false, 0);
  if (staged == -ENOENT) return result;  // a caches bundle that holds nothing
  if (staged < 0) throw_errno("cannot read " + source, -staged);
  io::Fd staged_dir(staged);
  for (const std::string& name : io::list_dir(staged_dir.get(), source)) {
    if (!wanted.contains(name)) continue;
    int from = io::open_dir_path_raw(staged_dir.get(), {name}, false, 0);
    if (from < 0) throw_errno("cannot read " + source + "/" + name, -from);
    io::Fd from_dir(from);
    int to = io::open_dir_path_raw(caches_fd, {name}, true, 0700);
    if (to < 0) throw_errno("cannot create " + caches_path + "/" + name, -to);
    io::Fd to_dir(to);
    InstalledCache counts{name, 0, 0};
    copy_tree(from_dir.get(), to_dir.get(), source + "/" + name, caches_path + "/" + name, counts);
    result.caches.push_back(counts);
  }
  io::Fd made =
      io::openat(caches_fd, marker, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600, caches_path + "/" + marker);
  return result;
}

}  // namespace pybcast
