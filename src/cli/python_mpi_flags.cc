#include "cli/python_mpi_flags.h"

namespace pybcast {

PythonMpiFlags take_python_mpi_flags(std::vector<std::string>& args) {
  PythonMpiFlags flags;
  const std::string json_eq = "--audit-json=";
  size_t used = 0;
  while (used < args.size()) {
    const std::string& a = args[used];
    if (a == "--audit") {
      flags.audit.audit = true;
    } else if (a == "--audit-json" && used + 1 < args.size()) {
      flags.audit.json = args[++used];
    } else if (a.starts_with(json_eq)) {
      flags.audit.json = a.substr(json_eq.size());
    } else if (a == "--stage-script-dir") {
      flags.stage_script_dir = true;
    } else if (a == "--cleanup") {
      flags.cleanup = true;
    } else if ((a == "--caches" || a == "--save-caches") && used + 1 < args.size()) {
      (a == "--caches" ? flags.caches : flags.save_caches) = args[++used];
    } else if (a.starts_with("--caches=")) {
      flags.caches = a.substr(a.find('=') + 1);
    } else if (a.starts_with("--save-caches=")) {
      flags.save_caches = a.substr(a.find('=') + 1);
    } else {
      break;
    }
    ++used;
  }
  args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(used));
  return flags;
}

}  // namespace pybcast
