#include "doctor/examination.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "cache/stage_cache.h"
#include "cache/user_root.h"
#include "doctor/logind.h"
#include "doctor/package_dirs.h"
#include "launch/mpi_abi.h"
#include "stage/entry_check.h"
#include "stage/image_mount.h"
#include "util/child_process.h"
#include "util/error.h"

namespace pybcast {

namespace {

/// This user's published entries on this node, each re-hashed against the
/// manifests staged in it. Only looks: creates nothing where nothing was staged.
std::vector<CacheEntryCheck> check_cache_entries(const std::string& chroot) {
  std::vector<CacheEntryCheck> checks;
  for (const auto& where : existing_user_roots(chroot)) {
    std::string root = layout::user_root(where);
    std::error_code ec;
    if (!std::filesystem::is_directory(root + "/" + layout::kCacheDir, ec)) continue;
    StageCache cache(open_user_root(where));
    for (const auto& key : cache.list_entries()) {
      if (cache.open_image_entry(key).valid()) continue;  // an image: one hash, checked by --verify-cache
      CacheEntryCheck check;
      check.path = cache.entry_path(key);
      try {
        io::Fd entry = cache.open_entry(key);
        if (!entry.valid()) continue;
        io::Fd mirror = cache.open_bytecode_mirror(key);
        ContentCheck content = check_staged_entry(entry.get(), mirror.get(), check.path);
        check.files = content.files;
        check.differing = content.problem_count;
        check.problems = content.problems;
        check.unverifiable = content.unverifiable;
      } catch (const Error& e) {
        check.error = e.what();
      }
      checks.push_back(std::move(check));
    }
  }
  return checks;
}

/// Whether the mpi4py the python would import was built for the MPI python-mpi runs.
std::optional<std::string> mpi4py_note(const std::vector<std::string>& sys_path) {
  std::optional<Mpi4pyAbi> abi = mpi4py_abi_on_path(sys_path);
  if (!abi) return std::nullopt;
  std::string running = running_mpi_version();
  std::optional<std::string> mismatch = mpi_abi_mismatch(*abi, running);
  return mismatch ? "MPI MISMATCH: " + *mismatch
                  : fmt::format("mpi4py {} needs {} ({}); python-mpi runs {}: they match", abi->extension, abi->library,
                                abi->family, running);
}

}  // namespace

DoctorReport examine(const DoctorRequest& request) {
  std::error_code ec;
  if (request.script && !std::filesystem::exists(*request.script, ec))
    fail("--script {}: no such file", *request.script);
  std::string cwd = std::filesystem::current_path().string();
  DoctorReport report;
  report.python = ask_python(request.python);
  if (!report.python.error.empty() && (request.python_required || request.measure))
    fail("cannot ask the python: {}", report.python.error);
  std::vector<Mount> mounts = read_mounts();
  report.locations = check_locations({::getenv, cwd, request.script.value_or(""), &report.python, mounts});
  if (request.measure) {
    const char* path = std::getenv("PATH");
    std::string strace = find_program("strace", path != nullptr ? path : "");
    report.measure = measure_metadata_ops(request.python, *request.measure, strace, mounts, cwd);
  }
  report.chroot = request.chroot;
  report.cache_entries = check_cache_entries(report.chroot);
  if (std::optional<std::string> note = remove_ipc_note()) report.notes.push_back(*note);
  for (auto& note : package_dir_notes(::getenv)) report.notes.push_back(std::move(note));
  if (std::optional<std::string> note = mpi4py_note(report.python.path)) report.notes.push_back(*note);
  if (std::optional<std::string> why = fuse_unavailable())
    report.notes.push_back("image bundles: this node cannot mount them (" + *why + "); they are extracted instead");
  else
    report.notes.push_back(fmt::format("image bundles: this node can mount them (/dev/fuse, fusermount3, {})",
                                       image_server().empty() ? "squashfuse_ll" : image_server()));
  return report;
}

}  // namespace pybcast
