#include "cli/stage_settings.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "util/settings.h"

namespace pybcast {

namespace {

/// "PYBCAST_CHROOT or PYTHON_MPI_CHROOT"; a switch's as "PYBCAST_REPORT=1".
std::string env_text(const Setting& row) {
  std::vector<std::string> names;
  for (const char* name : row.env)
    names.push_back(row.kind == Setting::Kind::kSwitch ? fmt::format("{}=1", name) : name);
  return fmt::format("{}", fmt::join(names, " or "));
}

}  // namespace

void add_chroot_flag(CLI::App& app, std::optional<std::string>& chroot) {
  const Setting& row = setting_row(SettingId::kChroot);
  app.add_option(row.flag, chroot, flag_help(row))->type_name(row.value_name);
}

std::string resolve_chroot(const std::optional<std::string>& flag) {
  LaunchRequest request;
  setting_row(SettingId::kChroot).parse(setting_value(SettingId::kChroot, flag), request);
  return request.stage.chroot;
}

bool keep_pythonhome_from_env() { return truthy(setting_value(SettingId::kKeepPythonhome)); }

std::string flag_help(const Setting& row) {
  std::vector<std::string> notes;
  if (!row.env.empty() && *row.flag != '\0') notes.push_back("env " + env_text(row));
  if (row.kind != Setting::Kind::kSwitch && !row.shown_default.empty() && row.shown_default != "none")
    notes.push_back("default " + row.shown_default);
  if (notes.empty()) return row.help;
  return fmt::format("{} [{}]", row.help, fmt::join(notes, ", "));
}

void add_setting_flags(CLI::App& app, SettingFlags& flags, unsigned scope) {
  std::vector<std::string> env_only;
  for (const Setting& row : settings_table()) {
    if (!row.applies_to(scope)) continue;
    size_t i = static_cast<size_t>(row.id);
    std::string help = flag_help(row);
    if (*row.flag == '\0') {
      env_only.push_back(fmt::format("  {}={}: {}", row.env.front(), row.value_name, help));
      continue;
    }
    switch (row.kind) {
      case Setting::Kind::kSwitch: app.add_flag(row.flag, flags.switches[i], help); break;
      case Setting::Kind::kValue: app.add_option(row.flag, flags.values[i], help)->type_name(row.value_name); break;
      case Setting::Kind::kNumber:
        app.add_option(row.flag, flags.values[i], help)->check(CLI::Number)->type_name(row.value_name);
        break;
    }
  }
  if (!env_only.empty()) app.footer(fmt::format("Set by the environment alone:\n{}", fmt::join(env_only, "\n")));
}

StageSettings resolve_stage_settings(const SettingFlags& flags) {
  LaunchRequest request;
  resolve_settings(flags, kForStage, request);
  return {request.stage, request.outputs};
}

}  // namespace pybcast
