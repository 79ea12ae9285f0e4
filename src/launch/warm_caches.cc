#include "launch/warm_caches.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/ranges.h>

#include "bcast/agreement.h"
#include "bcast/mpi_transport.h"
#include "bcast/node_topology.h"
#include "bundle/manifest.h"
#include "bundle/metadata_layout.h"
#include "cache/user_root.h"
#include "util/diagnostics.h"
#include "util/error.h"
#include "util/units.h"
#include "warm/cache_files.h"
#include "warm/cache_validity.h"
#include "warm/harvest.h"
#include "warm/install_caches.h"

namespace pybcast {

struct WarmCaches::Staged {
  /// cache name -> "12 files, 340 KB from caches.tar.zst" (rank 0's node)
  std::map<std::string, std::string> lines;
};

struct WarmCaches::Snapshot {
  CacheSnapshot files;
};

namespace {

constexpr int kHarvestFailed = 1;

/// A staged bundle's manifest, if it has one.
std::optional<Manifest> staged_manifest(const std::string& prefix, const std::string& bundle) {
  std::string path = staged_manifest_path(prefix, bundle);
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse_manifest(text.str());
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

std::string file_name_of(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string files_and_bytes(uint64_t files, uint64_t bytes) {
  return fmt::format("{} file{} ({})", files, files == 1 ? "" : "s", format_bytes(static_cast<double>(bytes)));
}

}  // namespace

WarmCaches::WarmCaches(MPI_Comm world, const StageRequest& stage, const WarmCachesRequest& request,
                       const StageOutcome& outcome, const std::string& python_version,
                       const std::vector<CacheRedirect>& redirects)
    : request_(request),
      world_(std::make_unique<MpiTransport>(world)),
      topology_(std::make_unique<NodeTopology>(*world_, stage.virtual_nodes)),
      prefix_(outcome.prefix),
      python_version_(python_version),
      node_root_(outcome.node_root),
      staged_(std::make_unique<Staged>()),
      before_(std::make_unique<Snapshot>()) {
  std::string caches_dir = layout::caches_path(layout::user_root(outcome.node_root));
  for (const auto& r : redirects)
    if (std::filesystem::path(r.path).parent_path() == caches_dir) names_.push_back(file_name_of(r.path));
  const bool root = topology_->world_rank() == 0;

  // The --caches files that exist (rank 0 looks: one stat each); a missing one is the first job's.
  std::vector<std::string> present;
  std::string listed;
  if (root)
    for (const auto& file : request_.caches) {
      struct stat st {};
      if (::stat(file.c_str(), &st) == 0 || errno != ENOENT) {
        listed += file + '\n';
      } else {
        diag::note("no caches bundle {} yet: the runtime caches start cold", file);
      }
    }
  listed = bcast_string(*world_, 0, listed);
  for (size_t at = 0; at < listed.size();) {
    size_t end = listed.find('\n', at);
    present.push_back(listed.substr(at, end - at));
    at = end + 1;
  }
  if (!present.empty()) {
    StageRequest own = stage;
    own.bundles = present;
    own.want_report = false;
    own_entry_.emplace(stage_bundles(*world_, own));
  }

  // Which staged bundles are caches bundles, in merge order: the environment's, then --caches'.
  struct Source {
    std::string prefix, key, bundle;
    bool named_as_caches;
  };
  std::vector<Source> sources;
  for (const auto& b : outcome.bundle_names) sources.push_back({outcome.prefix, outcome.key, b, false});
  if (own_entry_)
    for (const auto& b : own_entry_->bundle_names) sources.push_back({own_entry_->prefix, own_entry_->key, b, true});

  bool watch = !request_.save.empty() || request_.report;
  run_agreed(*world_, [&] {
    if (!topology_->leader()) return;
    std::map<std::string, std::string> versions_here;
    bool versions_read = false;
    UserRoot user = open_user_root(node_root_);
    io::Fd caches = open_private_subdir(user.fd.get(), "caches", caches_dir);
    for (const Source& s : sources) {
      std::optional<Manifest> manifest = staged_manifest(s.prefix, s.bundle);
      if (!manifest || manifest->kind != kCachesKind) {
        if (s.named_as_caches)
          fail("{} is not a caches bundle (its manifest's kind is '{}'): --caches takes what --save-caches wrote",
               s.bundle, manifest ? manifest->kind : "none");
        continue;
      }
      if (!versions_read) {
        versions_here = cache_tool_versions(prefix_);
        versions_read = true;
      }
      CachesVerdict verdict = judge_caches(*manifest, python_version_, this_machine(), versions_here);
      std::string name = file_name_of(s.bundle);
      if (!verdict.refused.empty()) {
        if (root) diag::warning("caches bundle {} skipped: {}", name, verdict.refused);
        continue;
      }
      std::set<std::string> wanted;
      for (const auto& cache : manifest->caches ? manifest->caches->kinds : std::vector<ManifestCache>{}) {
        auto skipped = verdict.skipped.find(cache.name);
        if (skipped != verdict.skipped.end()) {
          if (root) diag::warning("caches bundle {}: {} left out: {}", name, cache.name, skipped->second);
        } else if (std::find(names_.begin(), names_.end(), cache.name) == names_.end()) {
          if (root)
            diag::note("caches bundle {}: {} left out: {} is set, not pointed at the node", name, cache.name,
                       cache.variable.empty() ? cache.name : cache.variable);
        } else {
          wanted.insert(cache.name);
        }
      }
      InstallResult installed = install_caches(s.prefix, s.key, s.bundle, caches.get(), caches_dir, wanted);
      std::string member_dir = std::string(kCachesMemberDir) + "/";
      for (const ManifestEntry& e : manifest->entries)
        if (e.path.starts_with(member_dir) && wanted.contains(cache_of(e.path.substr(member_dir.size()))))
          carried_.insert(e.path.substr(member_dir.size()));
      if (!root) continue;
      if (installed.already) {
        for (const auto& w : wanted) staged_->lines[w] = fmt::format("staged from {} by an earlier step", name);
      }
      for (const auto& c : installed.caches)
        staged_->lines[c.name] = fmt::format("staged from {}: {} file{}, {}", name, c.files, c.files == 1 ? "" : "s",
                                             format_bytes(static_cast<double>(c.bytes)));
    }
    if (watch) before_->files = snapshot_caches(caches.get(), caches_dir, names_);
  });
}

WarmCaches::~WarmCaches() {
  // The topology's communicators cannot be freed once MPI is finalized.
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) {
    (void)topology_.release();
    (void)world_.release();
  }
}

void WarmCaches::add_to_report(ReportContext& context) const {
  for (auto& line : context.caches) {
    auto it = staged_->lines.find(file_name_of(line.path));
    if (it != staged_->lines.end()) line.staged = it->second;
  }
}

int WarmCaches::finish(int status) {
  int result = harvest(status);
  topology_.reset();  // before MPI_Finalize frees what is left
  world_.reset();
  return result;
}

int WarmCaches::harvest(int status) {
  if (request_.save.empty() && !request_.report) return status;
  Transport& world = *world_;
  const bool root = topology_->world_rank() == 0;
  if (world.allreduce(status != 0 ? 1 : 0, Reduction::kMax) != 0) {
    if (root && !request_.save.empty()) diag::note("--save-caches: a rank failed; {} is not written", request_.save);
    return status;
  }
  HarvestRequest harvest{request_.save, node_root_, names_, {}, carried_};
  if (root) {
    harvest.base.python.version = python_version_;
    harvest.base.versions = cache_tool_versions(prefix_);
  }
  HarvestSummary summary;
  try {
    summary = harvest_caches(*topology_, before_->files, harvest);
  } catch (const Error& e) {
    diag::error(e.what());
    return status != 0 ? status : kHarvestFailed;
  }
  if (!root) return status;
  if (request_.report)
    for (const auto& c : summary.caches)
      if (c.gained_files > 0 || c.saved_files > 0)
        diag::note(
            "cache {}: gained {} during the job on {} of {} node{}{}", c.name,
            files_and_bytes(c.gained_files, c.gained_bytes), summary.nodes_with_gains, summary.nodes,
            summary.nodes == 1 ? "" : "s",
            request_.save.empty() ? "" : fmt::format(", saved {}", files_and_bytes(c.saved_files, c.saved_bytes)));
  if (!request_.save.empty() && summary.bundle_bytes == 0) {
    diag::note("--save-caches: the runtime caches hold nothing to save; {} is left as it was", request_.save);
  } else if (!request_.save.empty()) {
    std::vector<std::string> parts;
    for (const auto& c : summary.caches)
      if (c.saved_files > 0)
        parts.push_back(fmt::format("{}: {}", c.name, files_and_bytes(c.saved_files, c.saved_bytes)));
    diag::note("saved the runtime caches to {} ({}): {}{}", request_.save,
               format_bytes(static_cast<double>(summary.bundle_bytes)), fmt::join(parts, "; "),
               summary.differing == 0 ? ""
                                      : fmt::format("; {} path{} differed between nodes (the first node's kept)",
                                                    summary.differing, summary.differing == 1 ? "" : "s"));
  }
  return status;
}

}  // namespace pybcast
