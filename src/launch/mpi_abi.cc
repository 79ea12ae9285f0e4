#include "launch/mpi_abi.h"

#include <mpi.h>

#include <filesystem>

#include <fmt/format.h>

#include "bundle/metadata_layout.h"
#include "util/elf_deps.h"

namespace fs = std::filesystem;

namespace pybcast {

std::optional<std::string> mpi_family_of_library(std::string_view soname) {
  if (soname.starts_with("libmpi.so.40")) return "Open MPI";
  if (soname.starts_with("libmpich.so.12") || soname.starts_with("libmpi.so.12")) return "MPICH";
  return std::nullopt;
}

std::optional<std::string> mpi_family_of_version(std::string_view version) {
  if (version.find("Open MPI") != std::string_view::npos) return "Open MPI";
  for (std::string_view mpich : {"MPICH", "Intel(R) MPI", "MVAPICH"})
    if (version.find(mpich) != std::string_view::npos) return "MPICH";
  return std::nullopt;
}

namespace {

/// mpi4py/ in the usual site directories of a prefix: lib*/python3*/{site,dist}-packages
/// (Debian: lib/python3/dist-packages), local/lib/... (pip's on Debian) and a
/// staged venv's (venv/lib/...).
std::vector<fs::path> mpi4py_dirs(const fs::path& prefix) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::path& base : {prefix, prefix / "local", prefix / kStagedVenvDir})
    for (fs::directory_iterator lib(base, ec), end; !ec && lib != end; lib.increment(ec)) {
      if (!lib->path().filename().string().starts_with("lib")) continue;
      std::error_code inner;
      for (fs::directory_iterator py(lib->path(), inner); !inner && py != end; py.increment(inner)) {
        if (!py->path().filename().string().starts_with("python3")) continue;
        for (const char* site : {"site-packages", "dist-packages"})
          if (fs::is_directory(py->path() / site / "mpi4py", inner)) out.push_back(py->path() / site / "mpi4py");
      }
    }
  return out;
}

std::optional<Mpi4pyAbi> abi_of(const std::vector<fs::path>& mpi4py_dirs) {
  std::error_code ec;
  for (const auto& dir : mpi4py_dirs)
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!name.starts_with("MPI.") || !name.ends_with(".so")) continue;
      std::optional<ElfDynamic> elf = read_elf_dynamic(it->path().string());
      if (!elf) continue;
      for (const auto& needed : elf->needed)
        if (std::optional<std::string> family = mpi_family_of_library(needed))
          return Mpi4pyAbi{it->path().string(), needed, *family};
    }
  return std::nullopt;
}

}  // namespace

std::optional<Mpi4pyAbi> staged_mpi4py_abi(const std::string& prefix) { return abi_of(mpi4py_dirs(prefix)); }

std::optional<Mpi4pyAbi> mpi4py_abi_on_path(const std::vector<std::string>& dirs) {
  std::error_code ec;
  for (const auto& dir : dirs)
    if (!dir.empty() && fs::is_directory(fs::path(dir) / "mpi4py", ec)) return abi_of({fs::path(dir) / "mpi4py"});
  return std::nullopt;
}

std::string running_mpi_version() {
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string text(version, static_cast<size_t>(std::max(length, 0)));
  text = text.substr(0, text.find_first_of(std::string("\r\n\0", 3)));  // Open MPI counts the terminator
  text.erase(text.find_last_not_of(' ') + 1);
  return text;
}

std::optional<std::string> mpi_abi_mismatch(const Mpi4pyAbi& staged, const std::string& running_version) {
  std::optional<std::string> running = mpi_family_of_version(running_version);
  if (!running || *running == staged.family) return std::nullopt;
  return fmt::format(
      "mpi4py ({}) is built against {} ({}), but this job runs {} ({}): it would crash at "
      "`from mpi4py import MPI`; pack mpi4py from a Python whose mpi4py uses {}, or launch with the python-mpi "
      "built for {}",
      staged.extension, staged.library, staged.family, *running, running_version, *running, staged.family);
}

}  // namespace pybcast
