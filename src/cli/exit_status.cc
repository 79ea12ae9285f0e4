#include "cli/exit_status.h"

#include <algorithm>

#include <CLI/CLI.hpp>

#include "util/diagnostics.h"
#include "util/error.h"

namespace pybcast {

namespace {

/// An unknown long option before a command's first argument is named first:
/// CLI11 would otherwise say only that a required argument or subcommand is
/// missing, and a prefix command (`pybcast run`) would hand it to Python
/// along with Python's own single-dash flags (-c, -m, -u).
void refuse_unknown_long_options(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "--" || !word.starts_with("--")) return;  // the command's arguments begin
    std::string name(word.substr(0, word.find('=')));
    const CLI::Option* option = app.get_option_no_throw(name);
    if (option == nullptr) throw CLI::ExtrasError({std::string(word)});
    // As CLI11 counts it: an option that needs a value takes the next word (flags take none).
    bool takes_value = std::min(option->get_type_size_min(), option->get_items_expected_min()) > 0;
    if (takes_value && name.size() == word.size()) ++i;
  }
}

}  // namespace

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    refuse_unknown_long_options(app, argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the help or the message; its own codes (106, 109, ...) are not ours.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return std::nullopt;
}

int run_reporting_errors(const std::function<int()>& body, int failure_status) {
  try {
    return body();
  } catch (const Error& e) {
    diag::error(e.what());
    return failure_status;
  } catch (const std::exception& e) {
    diag::error("internal error: {}", e.what());
    return kExitInternal;
  }
}

}  // namespace pybcast
