// Archive bytes -> StreamExtractor, as a node leader extracts a bundle, into a
// fresh prefix inside a scratch directory; then io::remove_tree_at removes it,
// as staging removes a failed tmp directory. After every input, whatever the
// outcome, it checks that:
//  - nothing was created outside the prefix: the scratch directory holds only
//    the prefix, and the "outside" directory that the seeds' absolute paths
//    and link targets name (kOutside) is still empty;
//  - the prefix holds only directories, regular files and symlinks, with no
//    setuid/setgid bits;
//  - a failure names the bundle; no file descriptor is leaked;
//  - remove_tree_at leaves nothing behind;
//  - with 8 extract threads (a writer pool, zstd frames on a decoding pool)
//    the outcome is the same as with 1: refused, or extracted into the same
//    tree (paths, types, modes, sizes, bytes, symlink targets). Not always the
//    same message: a sized zstd frame is decoded whole on the pool and streamed
//    with 1 thread, and for some corrupt frames libzstd names the fault
//    differently in the two modes ("Destination buffer is too small" against
//    "Corrupted block detected").
// The input is one bundle, or several joined by kBundleSeparator (later
// bundles merge over earlier ones, as in `pybcast stage a b`). It is pushed in
// chunks whose size derives from the input length, so splits vary.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/stream_extractor.h"
#include "fuzz_common.h"
#include "util/io.h"

namespace {

using namespace pybcast;

std::string g_scratch;  ///< holds only "prefix" while an input is extracted

size_t count_open_fds() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

/// One line for a regular file or symlink of the listing: its bytes' hash, or its target.
std::string describe(int dir_fd, const char* name, const struct stat& st) {
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
void check_tree(int dir_fd, const std::string& shown, std::vector<std::string>& listing) {
  int fd = ::dup(dir_fd);
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) fuzz::die("fdopendir " + shown);
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    std::string path = shown + "/" + e->d_name;
    struct stat st {};
    if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) fuzz::die("fstatat " + path);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
      fuzz::die("extracted a special file: " + path);
    if (S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID))) fuzz::die("setuid/setgid kept: " + path);
    listing.push_back(path + describe(dir_fd, e->d_name, st));
    if (S_ISDIR(st.st_mode)) {
      int child = ::openat(dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (child < 0) {
        // A directory extracted without search permission (mode 0000) cannot be walked; fine.
        if (errno == EACCES) continue;
        fuzz::die("open " + path + ": " + std::strerror(errno));
      }
      check_tree(child, path, listing);
      ::close(child);
    }
  }
  ::closedir(d);
}

std::vector<std::string_view> split_bundles(std::string_view input) {
  std::vector<std::string_view> bundles;
  for (;;) {
    size_t at = input.find(fuzz::kBundleSeparator);
    if (at == std::string_view::npos || bundles.size() + 1 == fuzz::kMaxBundles) break;
    bundles.push_back(input.substr(0, at));
    input.remove_prefix(at + fuzz::kBundleSeparator.size());
  }
  bundles.push_back(input);
  return bundles;
}

/// Extracts with `threads` extract threads, checks the invariants, removes the
/// prefix; returns the outcome: "refused", or the sorted listing of the tree.
std::string extract_and_check(const std::vector<std::string_view>& bundles, const std::vector<std::string>& names,
                              size_t chunk, unsigned threads) {
  size_t fds_before = count_open_fds();
  std::string prefix = g_scratch + "/prefix";
  if (::mkdir(prefix.c_str(), 0700) != 0) fuzz::die("mkdir " + prefix);
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
    if (!status.failed()) outcome = fuzz::join(listing);
  }

  std::vector<std::string> in_scratch = fuzz::names_in(g_scratch);
  if (in_scratch.size() != 1 || in_scratch[0] != "prefix")
    fuzz::die("created outside the prefix: " + fuzz::join(in_scratch));
  fuzz::check_outside_dir_empty();
  if (status.failed()) {
    std::string message = status.message();
    bool names_bundle = false;
    for (const auto& name : names) names_bundle |= message.find("bundle '" + name + "'") != std::string::npos;
    if (!names_bundle) fuzz::die("failure does not name the bundle: " + message);
  }
  {
    io::Fd scratch = io::open(g_scratch, O_RDONLY | O_DIRECTORY);
    io::remove_tree_at(scratch.get(), "prefix", prefix);
  }
  if (!fuzz::names_in(g_scratch).empty()) fuzz::die("remove_tree_at left: " + fuzz::join(fuzz::names_in(g_scratch)));
  size_t fds_after = count_open_fds();
  if (fds_after != fds_before)
    fuzz::die("file descriptors leaked: " + std::to_string(fds_before) + " -> " + std::to_string(fds_after));
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Bound what one input may write (a small bomb expands 1000-fold); the
  // extractor turns the injected ENOSPC into an ordinary refusal.
  ::setenv("PYBCAST_TEST_ENOSPC_AFTER", "8000000", 1);
  // Deep trees keep one fd per directory level open.
  rlimit fds{};
  if (::getrlimit(RLIMIT_NOFILE, &fds) == 0) {
    fds.rlim_cur = fds.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }
  fuzz::make_outside_dir();
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/pybcast-fuzz-extract-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) fuzz::die("mkdtemp " + pattern);
  g_scratch = pattern;
  std::atexit([] {
    try {
      io::remove_tree_at(AT_FDCWD, g_scratch, g_scratch);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz_extract: %s\n", e.what());
    }
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> bundles = split_bundles(input);
  std::vector<std::string> names;
  for (size_t i = 0; i < bundles.size(); ++i) names.push_back("fuzz" + std::to_string(i) + ".tar");
  size_t chunk = 1 + (size * 2654435761u) % 9000;

  std::string outcomes[2];
  for (int pass = 0; pass < 2; ++pass) outcomes[pass] = extract_and_check(bundles, names, chunk, pass == 0 ? 1 : 8);
  if (outcomes[0] != outcomes[1])
    fuzz::die("1 and 8 extract threads disagree: '" + outcomes[0].substr(0, 2000) + "' vs '" +
              outcomes[1].substr(0, 2000) + "'");
  return 0;
}
