#pragma once
// What the extraction fuzz targets check in an extracted tree, shared:
// the open fd count (nothing leaked) and a listing of the tree, walked
// through fds without following symlinks, whose entries must all be
// directories, regular files or symlinks without setuid/setgid bits.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "archive/stream_extractor.h"
#include "fuzz_common.h"
#include "util/io.h"

namespace pybcast::fuzz {

inline size_t count_open_fds() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

/// One line for a regular file or symlink of the listing: its bytes' hash, or its target.
inline std::string describe(int dir_fd, const char* name, const struct stat& st) {
  std::string line = " " + std::to_string(st.st_mode) + " " + std::to_string(st.st_size);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlinkat(dir_fd, name, target, sizeof target);
    return line + " -> " + std::string(target, n > 0 ? static_cast<size_t>(n) : 0);
  }
  if (!S_ISREG(st.st_mode)) return line;
  int file = ::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW);
  std::string data;
  char buffer[65536];
  ssize_t n;
  while (file >= 0 && (n = ::read(file, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<size_t>(n));
  if (file >= 0) ::close(file);
  return line + " " + std::to_string(std::hash<std::string>{}(data));
}

/// Walks the extracted tree through fds (never following symlinks), checks each
/// entry's type and mode, and lists it ("path mode size hash-or-target", unsorted).
inline void check_tree(int dir_fd, const std::string& shown, std::vector<std::string>& listing) {
  int fd = ::dup(dir_fd);
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) die("fdopendir " + shown);
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    std::string path = shown + "/" + e->d_name;
    struct stat st {};
    if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) die("fstatat " + path);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) die("extracted a special file: " + path);
    if (S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID))) die("setuid/setgid kept: " + path);
    listing.push_back(path + describe(dir_fd, e->d_name, st));
    if (S_ISDIR(st.st_mode)) {
      int child = ::openat(dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (child < 0) {
        // A directory extracted without search permission (mode 0000) cannot be walked; fine.
        if (errno == EACCES) continue;
        die("open " + path + ": " + std::strerror(errno));
      }
      check_tree(child, path, listing);
      ::close(child);
    }
  }
  ::closedir(d);
}

/// Extracts into <scratch>/prefix with `threads` extract threads, checks the
/// invariants (nothing outside the prefix or in the outside directory, a
/// failure names a bundle, removal leaves nothing, no fd leaked), removes the
/// prefix; returns the outcome: "refused", or the sorted listing of the tree.
inline std::string extract_and_check(const std::string& scratch, const std::vector<std::string_view>& bundles,
                                     const std::vector<std::string>& names, size_t chunk, unsigned threads) {
  size_t fds_before = count_open_fds();
  std::string prefix = scratch + "/prefix";
  if (::mkdir(prefix.c_str(), 0700) != 0) die("mkdir " + prefix);
  LocalStatus status;
  std::string outcome = "refused";
  {
    io::Fd root = io::open(prefix, O_RDONLY | O_DIRECTORY);
    ExtractOptions options;
    options.threads = threads;
    StreamExtractor extractor(
        root.get(), names, status, [](std::byte*) {}, options);
    for (size_t i = 0; i < bundles.size(); ++i) {
      auto bytes = std::as_bytes(std::span(bundles[i].data(), bundles[i].size()));
      size_t offset = 0;
      do {
        size_t n = std::min(chunk, bytes.size() - offset);
        extractor.push(StreamChunk{i, bytes.data() + offset, n, offset + n == bytes.size(), nullptr});
        offset += n;
      } while (offset < bytes.size());
    }
    extractor.finish();
    std::vector<std::string> listing;
    check_tree(root.get(), "prefix", listing);
    std::sort(listing.begin(), listing.end());
    if (!status.failed()) outcome = join(listing);
  }

  std::vector<std::string> in_scratch = names_in(scratch);
  if (in_scratch.size() != 1 || in_scratch[0] != "prefix") die("created outside the prefix: " + join(in_scratch));
  check_outside_dir_empty();
  if (status.failed()) {
    std::string message = status.message();
    bool names_bundle = false;
    for (const auto& name : names) names_bundle |= message.find("bundle '" + name + "'") != std::string::npos;
    if (!names_bundle) die("failure does not name the bundle: " + message);
  }
  {
    io::Fd dir = io::open(scratch, O_RDONLY | O_DIRECTORY);
    io::remove_tree_at(dir.get(), "prefix", prefix);
  }
  if (!names_in(scratch).empty()) die("remove_tree_at left: " + join(names_in(scratch)));
  size_t fds_after = count_open_fds();
  if (fds_after != fds_before)
    die("file descriptors leaked: " + std::to_string(fds_before) + " -> " + std::to_string(fds_after));
  return outcome;
}

/// A scratch directory for the extractions ($TMPDIR or /tmp), removed at exit.
/// Also bounds what one input may write (a small bomb expands 1000-fold: the
/// extractor turns the injected ENOSPC into an ordinary refusal) and makes
/// the "outside" directory the seeds' hostile entries point at.
inline const std::string& make_extraction_scratch(const char* target) {
  static std::string scratch;
  ::setenv("PYBCAST_TEST_ENOSPC_AFTER", "8000000", 1);
  make_outside_dir();
  const char* base = std::getenv("TMPDIR");
  scratch = std::string(base && *base ? base : "/tmp") + "/pybcast-" + target + "-XXXXXX";
  if (::mkdtemp(scratch.data()) == nullptr) die("mkdtemp " + scratch);
  std::atexit([] {
    try {
      io::remove_tree_at(AT_FDCWD, scratch, scratch);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", scratch.c_str(), e.what());
    }
  });
  return scratch;
}

}  // namespace pybcast::fuzz
