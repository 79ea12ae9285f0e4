#pragma once
// One rank's side of --audit: the shared table (audit_region.h) the preload
// library counts into. python-mpi creates it before it re-executes itself
// (create), finds it again after (attach), tells it the staged tree once that
// is known, and reads it at exit.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_region.h"

namespace pybcast {

/// Operations on one path, as one rank (or, merged, the job) made them.
struct PathOps {
  std::string path;
  std::array<uint64_t, PYBCAST_AUDIT_OPS> ops{};  ///< by pybcast_audit_op
  uint64_t failed = 0;

  uint64_t total() const;
};

/// "open", "stat", "access", "readdir", "readlink", "search".
const char* audit_op_name(int op);

class AuditRecord {
 public:
  /// A new zeroed table in a memfd the re-executed process inherits (not close-on-exec).
  static AuditRecord create();
  /// The table this process was started with (PYBCAST_AUDIT_FD), or nullopt.
  /// Makes the fd close-on-exec, so Python's children do not inherit it.
  static std::optional<AuditRecord> attach();

  AuditRecord(AuditRecord&& other) noexcept;
  AuditRecord& operator=(AuditRecord&& other) noexcept;
  AuditRecord(const AuditRecord&) = delete;
  AuditRecord& operator=(const AuditRecord&) = delete;
  ~AuditRecord();

  int fd() const { return fd_; }
  /// Paths under `prefix` are not recorded from now on (the staged tree).
  void skip_under(const std::string& prefix);
  /// Stops recording (before the launcher's own look-ups at exit).
  void stop();
  /// Every path recorded so far, after `stop`.
  std::vector<PathOps> snapshot() const;
  /// Operations the table had no room for.
  uint64_t dropped() const;

 private:
  AuditRecord(int fd, void* region) : fd_(fd), region_(region) {}
  pybcast_audit_header* header() const { return static_cast<pybcast_audit_header*>(region_); }
  int fd_ = -1;
  void* region_ = nullptr;
};

}  // namespace pybcast
