#pragma once
// What --audit reports: the operations of every rank on paths outside the
// staged tree that lie on a file system that is not node-local (NFS, Lustre,
// GPFS, FUSE, ...: util/fs_probe's classification), merged over the job.
// MPI-free: one rank's tally comes from its record (tally_rank), tallies
// merge (the reduction over MPI is audit_reduce), and rank 0 formats the
// merged one as a screen and as JSON (docs/audit.md).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_record.h"

namespace pybcast {

/// The file system a path lies on, when it is not node-local.
struct OffNode {
  std::string fs;          ///< fs_probe's name: "nfs", "lustre", "fuse", ...
  std::string mount;       ///< its mount point
  std::string mount_type;  ///< as the mount table names it: "nfs4", "fuse.slowfs"
};

/// nullopt for a node-local path (tmpfs, a local disk).
using Classifier = std::function<std::optional<OffNode>(const std::string& path)>;
/// By this node's mount table, each mount point statfs'ed once (util/fs_probe):
/// the paths themselves are not touched again.
Classifier mount_classifier();

struct PathTally {
  OffNode where;
  std::array<uint64_t, PYBCAST_AUDIT_OPS> ops{};
  uint64_t failed = 0;
  uint64_t total() const;
};

struct FsTally {
  OffNode where;
  uint64_t ops = 0;
  uint64_t failed = 0;
  uint64_t max_per_rank = 0;  ///< the most operations one rank made on it
};

struct AuditTally {
  int ranks = 0;                               ///< ranks of the job merged in
  int audited_ranks = 0;                       ///< of those, ranks that ran with the preload library
  uint64_t dropped = 0;                        ///< operations the tables had no room for
  std::map<std::string, PathTally> paths;      ///< by path
  std::map<std::string, FsTally> filesystems;  ///< by mount point

  uint64_t total_ops() const;
  uint64_t total_failed() const;
};

/// One rank's tally: its record without the paths under `staged_prefix` and
/// the node-local ones. `record` nullopt: a rank that was not audited.
AuditTally tally_rank(const std::optional<std::vector<PathOps>>& record, uint64_t dropped,
                      const std::string& staged_prefix, const Classifier& classify);
/// Adds `other` into `into`.
void merge_tally(AuditTally& into, const AuditTally& other);

/// The transport form (also the body of the JSON report).
nlohmann::json tally_to_json(const AuditTally& tally);
AuditTally tally_from_json(const nlohmann::json& j);

/// A place the Python start-up reads from, which a fix line can name.
struct AuditPlace {
  std::string what;    ///< "PYTHONPATH entry", "LD_LIBRARY_PATH entry", "working directory"
  std::string path;    ///< absolute
  std::string advice;  ///< util/shared_fs_advice's text
};
/// The places of this process's environment (PYTHONPATH, LD_LIBRARY_PATH,
/// PYTHONUSERBASE, PYTHONHOME entries, the working directory).
std::vector<AuditPlace> audit_places(const std::function<const char*(const char*)>& getenv, const std::string& cwd);

struct AuditFix {
  std::string what, path, fs;
  uint64_t ops = 0, failed = 0;
  std::string advice;
};
/// One line's worth per place with operations under it; then directories the
/// loader searched that no place covers (an absolute RUNPATH).
std::vector<AuditFix> audit_fixes(const AuditTally& tally, const std::vector<AuditPlace>& places);

/// The report: tally_to_json plus "version", "total_off_node_ops",
/// "failed_off_node_ops", per-rank means, "directories" and "fixes".
nlohmann::json audit_report_json(const AuditTally& tally, const std::vector<AuditFix>& fixes);
/// Rank 0's screen, from "audit: N of M ranks audited: ..." on (the session
/// names the program before it); `top` paths and directories at most.
std::string format_audit_screen(const AuditTally& tally, const std::vector<AuditFix>& fixes, size_t top = 20);

}  // namespace pybcast
