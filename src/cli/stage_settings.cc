#include "cli/stage_settings.h"

#include <climits>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "util/error.h"
#include "util/settings.h"
#include "util/units.h"

namespace pybcast {

void add_chroot_flag(CLI::App& app, std::optional<std::string>& chroot) {
  app.add_option("--chroot", chroot,
                 fmt::format("node-local root [env PYTHON_MPI_CHROOT, default {}]", layout::kDefaultChroot));
}

std::string resolve_chroot(const std::optional<std::string>& flag) {
  // Lexically normal, as the user root's path is (cache/trusted_dir): "a/../b" is "b" for gc and doctor too.
  std::string chroot = setting(flag, {"PYBCAST_CHROOT", "PYTHON_MPI_CHROOT"}, layout::kDefaultChroot);
  return chroot.empty() ? chroot : std::filesystem::path(chroot).lexically_normal().string();
}

bool keep_pythonhome_from_env() { return truthy(setting(std::nullopt, {"PYBCAST_KEEP_PYTHONHOME"}, "0")); }

void add_stage_flags(CLI::App& app, StageFlags& f) {
  app.add_option("--packages", f.packages,
                 "colon-separated bundles (files, or directories staged as they are) [env PYTHON_MPI_PACKAGES]");
  add_chroot_flag(app, f.chroot);
  app.add_option("--pkgroot", f.pkgroot, "where bundles live [env PYTHON_MPI_PKGROOT, default .]");
  app.add_flag("--report", f.report, "print a timing report on rank 0 (stderr) [env PYBCAST_REPORT=1]");
  app.add_option("--trace", f.trace, "write a Chrome trace JSON of the phases [env PYBCAST_TRACE]");
  app.add_option("--virtual-nodes", f.virtual_nodes,
                 "split ranks into K pretend nodes (testing) [env PYBCAST_VIRTUAL_NODES]");
  app.add_option("--chunk-size", f.chunk_size,
                 fmt::format("broadcast chunk size, e.g. 8M [env PYBCAST_CHUNK_SIZE, default {}]", kDefaultChunkSize));
  app.add_option("--extract-threads", f.extract_threads,
                 "threads writing files, and decoding zstd frames, on each node leader; 1: the tar parser "
                 "writes them itself, one decoder streams [env PYBCAST_EXTRACT_THREADS, default: the cores "
                 "available, at most 16]");
  app.add_flag("--verify-cache", f.verify_cache,
               "on a cache hit, re-hash the staged files against the bundles' manifests, check the bytecode "
               "mirror is the entry's own, and stage again if anything changed [env PYBCAST_VERIFY_CACHE=1]");
  app.add_option("--cache-max", f.cache_max,
                 "after staging, remove idle entries of this node's cache, least recently used first, until it fits "
                 "in SIZE (e.g. 8G; entries in use are kept) [env PYBCAST_CACHE_MAX]");
  app.add_option("--lock-timeout", f.lock_timeout, "seconds to wait for another job extracting the same bundles")
      ->capture_default_str();
}

StageSettings resolve_stage_settings(const StageFlags& f) {
  StageSettings s;
  StageRequest& r = s.request;
  r.chroot = resolve_chroot(f.chroot);
  r.pkgroot = setting(f.pkgroot, {"PYBCAST_PKGROOT", "PYTHON_MPI_PKGROOT"}, ".");
  r.bundles = f.bundles;
  if (r.bundles.empty()) r.bundles = split_list(setting(f.packages, {"PYBCAST_PACKAGES", "PYTHON_MPI_PACKAGES"}, ""));
  std::string vnodes = setting(f.virtual_nodes, {"PYBCAST_VIRTUAL_NODES"}, "0");
  std::optional<uint64_t> nodes = parse_count(vnodes);
  if (!nodes || *nodes > static_cast<uint64_t>(INT_MAX)) fail("invalid number of virtual nodes '{}'", vnodes);
  r.virtual_nodes = static_cast<int>(*nodes);
  r.chunk_size = parse_size(setting(f.chunk_size, {"PYBCAST_CHUNK_SIZE"}, kDefaultChunkSize));
  std::string threads = setting(f.extract_threads, {"PYBCAST_EXTRACT_THREADS"}, "0");
  std::optional<uint64_t> n = parse_count(threads);
  if (!n || *n > static_cast<uint64_t>(kMaxExtractThreads))
    fail("invalid number of extract threads '{}' (1 to {}, or 0 for the cores available)", threads, kMaxExtractThreads);
  r.extract_threads = static_cast<unsigned>(*n);
  r.lock_timeout = f.lock_timeout;
  r.verify_cache = f.verify_cache || truthy(setting(std::nullopt, {"PYBCAST_VERIFY_CACHE"}, "0"));
  if (std::string max = setting(f.cache_max, {"PYBCAST_CACHE_MAX"}, ""); !max.empty()) r.cache_max = parse_size(max);
  s.outputs.report = f.report || truthy(setting(std::nullopt, {"PYBCAST_REPORT"}, "0"));
  s.outputs.trace = setting(f.trace, {"PYBCAST_TRACE"}, "");
  r.want_report = s.outputs.report || !s.outputs.trace.empty();
  return s;
}

}  // namespace pybcast
