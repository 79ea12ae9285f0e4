#include "doctor/package_dirs.h"

#include <ftw.h>
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "util/settings.h"
#include "util/timer.h"
#include "util/units.h"

namespace pybcast {

namespace {

thread_local uint64_t walked = 0;

int count_entry(const char*, const struct stat*, int, struct FTW*) {
  ++walked;
  return 0;
}

}  // namespace

std::vector<std::string> package_dir_notes(const std::function<const char*(const char*)>& getenv,
                                           uint64_t suggest_pack_above) {
  std::vector<std::string> notes;
  const char* packages = getenv("PYTHON_MPI_PACKAGES");
  const char* pkgroot = getenv("PYTHON_MPI_PKGROOT");
  if (packages == nullptr) return notes;
  for (const auto& name : split_list(packages)) {
    std::filesystem::path path(name);
    if (path.is_relative()) path = std::filesystem::path(pkgroot != nullptr ? pkgroot : ".") / path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    Stopwatch clock;
    walked = 0;
    // The staging walk's shape: one lstat per entry, one opendir per directory.
    if (::nftw(path.c_str(), count_entry, 64, FTW_PHYS) != 0) continue;
    double seconds = clock.seconds();
    uint64_t entries = walked > 0 ? walked - 1 : 0;
    double per_entry = entries ? seconds / static_cast<double>(entries) : 0;
    std::string note = fmt::format(
        "PYTHON_MPI_PACKAGES names the directory {}: {} entries, walked here in {} ({:.1f} us per entry), which rank "
        "0 repeats at every job step, warm or cold",
        path.string(), entries, format_seconds(seconds), per_entry * 1e6);
    if (entries > suggest_pack_above)
      note += fmt::format(
          "; more than {} entries: pack it once (`pybcast pack env {}` for a venv or conda env, `pybcast pack dir` "
          "otherwise) and name the bundle instead, unless it changes more often than you start jobs",
          suggest_pack_above, path.string());
    notes.push_back(std::move(note));
  }
  return notes;
}

}  // namespace pybcast
