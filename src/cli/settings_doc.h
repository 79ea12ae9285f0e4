#pragma once
// The documented option tables, written from the settings table
// (cli/settings_table): README.md's and the man pages' regions between
// "settings-table"/"settings-env" markers are these texts, rewritten by
// scripts/update-option-tables.sh and checked by a test, so they cannot drift.
#include <optional>
#include <string>
#include <string_view>

namespace pybcast {

/// README.md: a Markdown table of every setting, then precedence and agreement.
std::string settings_markdown();
/// pybcast(1), CONFIGURATION: precedence and agreement, then a tbl table of every setting
/// (flag, variables, default; ENVIRONMENT says what each does).
std::string settings_man_table();
/// pybcast(1) (`python_mpi` false) or python-mpi(1) (true), ENVIRONMENT: a
/// tagged paragraph per setting's variables; python-mpi(1) names only
/// the flags python-mpi takes.
std::string settings_man_environment(bool python_mpi);

/// The text of a format by name ("markdown", "man-table", "man-env",
/// "man-env-python-mpi"); nullopt for an unknown one.
std::optional<std::string> settings_doc(std::string_view format);

}  // namespace pybcast
