// `pybcast gc`: remove node-local cache entries (all, idle for a while, or
// over a size budget) and the leftovers of killed jobs. Runs on one node;
// under a scheduler: `srun --ntasks-per-node=1 pybcast gc --older-than 7d`.
#include <unistd.h>

#include <ctime>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cache/cache_gc.h"
#include "cache/node_layout.h"
#include "cache/user_root.h"
#include "cli/commands.h"
#include "cli/exit_status.h"
#include "cli/stage_settings.h"
#include "util/diagnostics.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/units.h"

namespace pybcast {

namespace {

const char* outcome_word(GcEntry::Outcome o, bool dry_run) {
  switch (o) {
    case GcEntry::Outcome::kRemoved: return dry_run ? "would remove" : "removed";
    case GcEntry::Outcome::kInUse: return "in use, kept";
    case GcEntry::Outcome::kFailed: return "NOT removed";
    case GcEntry::Outcome::kKept: break;
  }
  return "kept";
}

}  // namespace

int run_gc(int argc, char** argv) {
  CLI::App app(
      "Remove node-local cache entries of this user on this node.\n"
      "Entries in use by a running job are never removed.",
      "pybcast gc");
  std::optional<std::string> chroot, older_than, max_size;
  GcPolicy policy;
  add_chroot_flag(app, chroot);
  app.add_flag("--all", policy.all, "remove every entry not in use");
  app.add_option("--older-than", older_than, "remove entries unused for this long (e.g. 12h, 7d)");
  app.add_option("--max-size", max_size, "keep the most recently used entries within this size (e.g. 4G)");
  app.add_flag("-n,--dry-run", policy.dry_run, "only say what would be removed");
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  return run_reporting_errors([&] {
    if (older_than) policy.older_than_seconds = parse_duration(*older_than);
    if (max_size) policy.max_bytes = parse_size(*max_size);
    if (!policy.all && !older_than && !max_size)
      fail("say what to remove: --all, --older-than DURATION or --max-size SIZE");
    std::string root = resolve_chroot(chroot);
    size_t removed = 0, in_use = 0;
    uint64_t freed = 0;
    // One user root, entry or leftover that cannot be removed is reported,
    // and gc carries on with the others.
    std::vector<std::string> errors;
    for (const auto& node_root : existing_user_roots(root)) {
      GcResult result;
      try {
        StageCache cache(open_user_root(node_root));
        result = collect_garbage(cache, policy, static_cast<double>(std::time(nullptr)));
      } catch (const Error& e) {
        errors.push_back(e.what());
        continue;
      }
      for (const auto& e : result.entries) {
        fmt::print("{}/cache/{}  {:>10}  idle {:>8}  {}\n", result.root, e.key,
                   format_bytes(static_cast<double>(e.bytes)), format_seconds(e.idle_seconds),
                   outcome_word(e.outcome, policy.dry_run));
        if (e.outcome == GcEntry::Outcome::kRemoved) ++removed, freed += e.bytes;
        if (e.outcome == GcEntry::Outcome::kInUse) ++in_use;
        if (e.outcome == GcEntry::Outcome::kFailed) errors.push_back(e.error);
      }
      if (result.stale_tmp_removed)
        fmt::print("{}: removed {} leftover tmp directories\n", result.root, result.stale_tmp_removed);
      if (result.stale_mounts_removed)
        fmt::print("{}: removed {} stale image mounts of ended job steps\n", result.root, result.stale_mounts_removed);
      errors.insert(errors.end(), result.errors.begin(), result.errors.end());
    }
    fmt::print("{} {} entries ({}), {} in use kept\n", policy.dry_run ? "would remove" : "removed", removed,
               format_bytes(static_cast<double>(freed)), in_use);
    for (const auto& e : errors) diag::error(e);
    return errors.empty() ? kExitOk : kExitFailure;
  });
}

}  // namespace pybcast
