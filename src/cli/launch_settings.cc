#include "cli/launch_settings.h"

namespace pybcast {

LaunchRequest resolve_launch_request(const LaunchFlags& flags) {
  LaunchRequest request;
  resolve_settings(flags.settings, kForRun | kForPythonMpi, request);
  request.python_args = flags.python_args;
  return request;
}

}  // namespace pybcast
