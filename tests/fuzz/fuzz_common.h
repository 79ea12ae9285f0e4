#pragma once
// What the fuzz targets and the seed writer share: the input conventions and
// how a violated invariant is reported (abort, so libFuzzer keeps the input).
#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace pybcast::fuzz {

/// fuzz_extract: bundles joined by this line form one input (several bundles merge in order).
constexpr std::string_view kBundleSeparator = "\n=== pybcast-fuzz next bundle ===\n";
constexpr size_t kMaxBundles = 4;
/// The absolute path that the seeds' hostile entries point at; it must stay empty.
constexpr const char* kOutside = "/tmp/pybcast-fuzz-outside";
/// fuzz_member_path: the member name, this byte, then the symlink target.
constexpr char kNameTargetSeparator = '\0';

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "INVARIANT VIOLATED: %s\n", why.c_str());
  std::abort();
}

inline std::string join(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "" : ", ") + item;
  return joined;
}

/// The names in a directory, without "." and "..".
inline std::vector<std::string> names_in(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) die("cannot list " + dir + ": " + std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  ::closedir(d);
  return names;
}

inline void make_outside_dir() {
  if (::mkdir(kOutside, 0755) != 0 && errno != EEXIST)
    die(std::string("mkdir ") + kOutside + ": " + std::strerror(errno));
}

inline void check_outside_dir_empty() {
  std::vector<std::string> names = names_in(kOutside);
  if (!names.empty()) die(std::string("created in ") + kOutside + ": " + join(names));
}

}  // namespace pybcast::fuzz
