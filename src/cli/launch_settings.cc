#include "cli/launch_settings.h"

#include "cli/script_dir_settings.h"
#include "util/settings.h"

namespace pybcast {

LaunchRequest resolve_launch_request(const LaunchFlags& flags) {
  LaunchRequest request;
  StageSettings settings = resolve_stage_settings(flags.stage);
  request.stage = settings.request;
  request.outputs = settings.outputs;
  request.python_args = flags.python_args;
  request.abort_on_error = !flags.no_abort && !truthy(setting(std::nullopt, {"PYBCAST_NO_ABORT"}, "0"));
  request.cleanup = flags.cleanup || truthy(setting(std::nullopt, {"PYBCAST_CLEANUP"}, "0"));
  request.keep_pythonhome = flags.keep_pythonhome || keep_pythonhome_from_env();
  request.audit = flags.audit.audit;
  request.audit_json = flags.audit.json;
  resolve_script_dir(flags.stage_script_dir, request);
  return request;
}

}  // namespace pybcast
