#include "audit/audit_session.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "audit/audit_reduce.h"
#include "audit/audit_tally.h"
#include "util/diagnostics.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {

// The user's own LD_PRELOAD/LD_AUDIT, kept across the re-exec to be put back.
constexpr const char* kUserPreload = "PYBCAST_AUDIT_USER_LD_PRELOAD";
constexpr const char* kUserAudit = "PYBCAST_AUDIT_USER_LD_AUDIT";

void set_env(const char* name, const std::string& value) {
  if (::setenv(name, value.c_str(), 1) != 0) throw_errno(fmt::format("--audit: setenv {}", name), errno);
}

/// LD_PRELOAD=library[:user's] with the user's value saved in `saved`.
void prepend_library(const char* variable, const char* saved, const std::string& library) {
  const char* user = std::getenv(variable);
  if (user != nullptr && *user != '\0') set_env(saved, user);
  set_env(variable, user != nullptr && *user != '\0' ? library + ":" + user : library);
}

void restore(const char* variable, const char* saved) {
  if (const char* user = std::getenv(saved)) {
    set_env(variable, user);
    ::unsetenv(saved);
  } else {
    ::unsetenv(variable);
  }
}

}  // namespace

std::string audit_library_path() {
  if (const char* forced = std::getenv("PYBCAST_AUDIT_LIBRARY"); forced != nullptr && *forced != '\0') return forced;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) fail("--audit: cannot find this executable (/proc/self/exe): {}", ec.message());
  return (exe.parent_path().parent_path() / "lib" / "pybcast" / "libpybcast_audit.so").lexically_normal().string();
}

void start_audit_if_asked(bool asked, char** argv) {
  if (!asked || std::getenv(PYBCAST_AUDIT_FD_ENV) != nullptr) return;
  std::string library = audit_library_path();
  if (::access(library.c_str(), R_OK) != 0)
    throw_errno(fmt::format("--audit: the preload library {} (installed with pybcast under lib/pybcast/)", library),
                errno);
  AuditRecord record = AuditRecord::create();
  set_env(PYBCAST_AUDIT_FD_ENV, std::to_string(record.fd()));
  prepend_library("LD_PRELOAD", kUserPreload, library);
  prepend_library("LD_AUDIT", kUserAudit, library);
  ::execv("/proc/self/exe", argv);
  throw_errno("--audit: re-executing /proc/self/exe", errno);
}

std::optional<AuditRecord> take_audit_record() {
  if (std::getenv(PYBCAST_AUDIT_FD_ENV) == nullptr) return std::nullopt;
  std::optional<AuditRecord> record = AuditRecord::attach();
  ::unsetenv(PYBCAST_AUDIT_FD_ENV);
  restore("LD_PRELOAD", kUserPreload);
  restore("LD_AUDIT", kUserAudit);
  return record;
}

void finish_audit(MPI_Comm world, std::optional<AuditRecord>& record, const std::string& staged_prefix,
                  const AuditOutputs& outputs) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  std::optional<std::vector<PathOps>> ops;
  uint64_t dropped = 0;
  if (record) {
    record->stop();  // our own look-ups from here on are not the job's
    ops = record->snapshot();
    dropped = record->dropped();
  }
  AuditTally tally = reduce_audit(world, tally_rank(ops, dropped, staged_prefix, mount_classifier()));
  if (rank != 0) return;
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  std::vector<AuditFix> fixes = audit_fixes(tally, audit_places(std::getenv, cwd));
  diag::write_raw(fmt::format("{}: {}", diag::program(), format_audit_screen(tally, fixes)));
  if (!outputs.json_path.empty()) {
    try {
      io::write_file_atomically(outputs.json_path, audit_report_json(tally, fixes).dump(2) + "\n");
    } catch (const Error& e) {
      diag::error("--audit-json: {}", e.what());
    }
  }
}

}  // namespace pybcast
