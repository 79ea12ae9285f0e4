#include "stage/bundle_set.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "archive/squashfs_image.h"
#include "tree/live_tree.h"
#include "util/error.h"
#include "util/interrupt.h"
#include "util/test_seams.h"

namespace pybcast {

namespace {

int64_t nanoseconds(const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

/// Throws unless `st` is the file `id` was made from, as it was then (the
/// device is not compared: a network file system may number it anew).
void check_unchanged(const struct stat& st, const BundleIdentity& id, const std::string& name) {
  if (st.st_ino != id.inode || !S_ISREG(st.st_mode))
    fail("bundle '{}' changed while being read (replaced by another file); stage again once it is stable", name);
  if (static_cast<uint64_t>(st.st_size) != id.size)
    fail("bundle '{}' changed while being read (size {} -> {} bytes); stage again once it is stable", name, id.size,
         st.st_size);
  if (nanoseconds(st.st_mtim) != id.mtime_ns || nanoseconds(st.st_ctim) != id.ctime_ns)
    fail("bundle '{}' changed while being read (modified during the read); stage again once it is stable", name);
}

/// A tar bundle's name (pack's outputs and tar's own): never probed for the image magic.
bool named_as_tar(std::string_view name) {
  for (std::string_view ext : {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.zstd"})
    if (name.ends_with(ext)) return true;
  return false;
}

}  // namespace

std::string BundleSet::resolve(const std::string& pkgroot, const std::string& name) {
  std::filesystem::path path(name);
  if (path.is_relative()) path = std::filesystem::path(pkgroot) / path;
  return std::filesystem::absolute(path).lexically_normal().string();
}

BundleSet::BundleSet(const std::string& pkgroot, const std::vector<std::string>& names, const LiveTreeOptions& trees,
                     size_t max_open)
    : names_(names) {
  if (names.empty()) fail("no bundles to stage: give bundle names, --packages, or set PYTHON_MPI_PACKAGES");
  // All kept if they fit; else one fd is left for the others' turns.
  max_open = std::max<size_t>(max_open, 1);
  size_t keep = names.size() <= max_open ? names.size() : max_open - 1;
  std::vector<std::string> problems;
  for (const auto& name : names) {
    std::string path = resolve(pkgroot, name);
    try {
      struct stat st {};
      io::Fd fd = io::open_without_blocking(path, O_RDONLY, st);  // a FIFO must not block rank 0
      std::unique_ptr<LiveTree> tree;
      if (S_ISDIR(st.st_mode)) tree = std::make_unique<LiveTree>(path, name, trees);
      else if (!S_ISREG(st.st_mode))
        fail("{} is {}: neither a bundle file nor a directory", path, io::type_name(st.st_mode));
      else ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
      BundleIdentity id{path,
                        tree ? 0 : static_cast<uint64_t>(st.st_size),
                        nanoseconds(st.st_mtim),
                        st.st_ino,
                        nanoseconds(st.st_ctim),
                        ""};
      if (tree) id.tree = tree->digest();
      // By content, as compressions are: the squashfs magic. Not for a file named
      // as a tar bundle: a warm run reads no byte of those (mpi_cache_reuse).
      std::byte head[4] = {};
      bool image = !tree && !named_as_tar(name) && ::pread(fd.get(), head, sizeof head, 0) == 4 && is_squashfs(head);
      identities_.push_back(std::move(id));
      // A directory is read through its walk, never through this fd.
      if (tree || keep == 0) fd.reset();
      else --keep;
      files_.push_back(std::move(fd));
      trees_.push_back(std::move(tree));
      images_.push_back(image);
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      problems.push_back(fmt::format("'{}' ({})", name, e.what()));
    }
  }
  if (!problems.empty())
    fail("cannot open {} of {} bundles: {}", problems.size(), names.size(), fmt::join(problems, "; "));
}

BundleSet::~BundleSet() = default;

std::vector<uint64_t> BundleSet::sizes() const {
  std::vector<uint64_t> sizes;
  for (const auto& id : identities_) sizes.push_back(id.size);
  return sizes;
}

std::vector<bool> BundleSet::trees() const {
  std::vector<bool> trees;
  for (const auto& t : trees_) trees.push_back(t != nullptr);
  return trees;
}

void BundleSet::prepare_trees(const std::string& scratch_parent) {
  for (size_t i = 0; i < trees_.size(); ++i) {
    if (!trees_[i]) continue;
    try {
      identities_[i].size = trees_[i]->stream(scratch_parent).size();
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      throw e.with_context(fmt::format("directory '{}'", names_[i]));
    }
  }
}

std::vector<TreeWalkReport> BundleSet::tree_walks() const {
  std::vector<TreeWalkReport> walks;
  for (size_t i = 0; i < trees_.size(); ++i) {
    if (!trees_[i]) continue;
    const LiveTreeWalk& w = trees_[i]->walk();
    const RunpathReport& r = trees_[i]->runpaths();
    walks.push_back({names_[i], w.seconds, w.entries, w.metadata_calls, trees_[i]->files_opened(), r.rewritten,
                     r.by_patchelf, r.seconds});
  }
  return walks;
}

std::vector<std::string> BundleSet::tree_warnings() const {
  std::vector<std::string> warnings;
  for (size_t i = 0; i < trees_.size(); ++i)
    if (trees_[i])
      for (const auto& w : trees_[i]->warnings()) warnings.push_back(fmt::format("directory '{}': {}", names_[i], w));
  return warnings;
}

int BundleSet::file_for(size_t bundle) {
  if (files_[bundle].valid()) return files_[bundle].get();
  if (reopened_ != SIZE_MAX) files_[reopened_].reset();  // a turn that ended early (the stream stopped)
  const BundleIdentity& id = identities_[bundle];
  try {
    files_[bundle] = io::open(id.path, O_RDONLY);
  } catch (const Error& e) {
    fail("bundle '{}' changed while being read (cannot open it again: {}); stage again once it is stable",
         names_[bundle], e.what());
  }
  reopened_ = bundle;
  check_unchanged(io::fstat(files_[bundle].get(), id.path), id, names_[bundle]);
  ::posix_fadvise(files_[bundle].get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return files_[bundle].get();
}

void BundleSet::read(const ChunkSpec& spec, std::span<std::byte> out) {
  const BundleIdentity& id = identities_[spec.bundle];
  if (uint64_t delay = test_seams::read_delay_ms()) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  if (LiveTree* tree = trees_[spec.bundle].get()) {
    try {
      tree->stream().read(spec.offset, out);
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      throw e.with_context(fmt::format("directory '{}'", names_[spec.bundle]));
    }
    return;
  }
  int fd = file_for(spec.bundle);
  size_t got = 0;
  try {
    got = io::pread_full(fd, out, static_cast<off_t>(spec.offset), id.path);
  } catch (const Interrupted&) {
    throw;
  } catch (const Error& e) {
    fail("bundle '{}': read failed: {}", names_[spec.bundle], e.what());
  }
  if (got < out.size())
    fail("bundle '{}' was truncated while being read ({} bytes expected, file ends at {})", names_[spec.bundle],
         id.size, spec.offset + got);
  if (spec.last) {
    check_unchanged(io::fstat(fd, id.path), id, names_[spec.bundle]);
    if (reopened_ == spec.bundle) {
      files_[spec.bundle].reset();
      reopened_ = SIZE_MAX;
    }
  }
}

}  // namespace pybcast
