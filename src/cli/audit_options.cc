#include "cli/audit_options.h"

#include <filesystem>

#include "audit/audit_session.h"
#include "cli/exit_status.h"
#include "util/error.h"
#include "util/settings.h"

namespace pybcast {

AuditOptions resolve_audit_options(const AuditOptions& flags) {
  AuditOptions options;
  options.json = setting(flags.json.empty() ? std::nullopt : std::optional(flags.json), {"PYBCAST_AUDIT_JSON"}, "");
  if (!options.json.empty()) options.json = std::filesystem::absolute(options.json).lexically_normal().string();
  options.audit = flags.audit || !options.json.empty() || truthy(setting(std::nullopt, {"PYBCAST_AUDIT"}, "0"));
  return options;
}

std::optional<int> start_audit(const AuditOptions& options, char** argv) {
  try {
    start_audit_if_asked(options.audit, argv);
  } catch (const Error& e) {
    print_error(e.what());  // before MPI_Init: each rank says it
    return kExitFailure;
  }
  return std::nullopt;
}

}  // namespace pybcast
