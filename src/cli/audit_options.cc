#include "cli/audit_options.h"

#include "audit/audit_session.h"
#include "cli/exit_status.h"
#include "cli/settings_table.h"
#include "util/diagnostics.h"
#include "util/error.h"

namespace pybcast {

AuditOptions resolve_audit_options(const AuditOptions& flags) {
  SettingFlags given;
  given.set_switch(SettingId::kAudit, flags.audit);
  if (!flags.json.empty()) given.set(SettingId::kAuditJson, flags.json);
  LaunchRequest request;
  for (SettingId id : {SettingId::kAudit, SettingId::kAuditJson})
    setting_row(id).parse(setting_value(id, given.given(id)), request);
  return {request.audit || !request.audit_json.empty(), request.audit_json};
}

std::optional<int> start_audit(const AuditOptions& options, char** argv) {
  try {
    start_audit_if_asked(options.audit, argv);
  } catch (const Error& e) {
    diag::error(e.what());  // before MPI_Init: each rank says it
    return kExitFailure;
  }
  return std::nullopt;
}

}  // namespace pybcast
