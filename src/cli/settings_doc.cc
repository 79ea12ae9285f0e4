#include "cli/settings_doc.h"

#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "cli/settings_table.h"

namespace pybcast {

namespace {

using Kind = Setting::Kind;

std::string scopes(const Setting& row) {
  std::vector<std::string> names;
  if (row.applies_to(kForStage)) names.push_back("stage");
  if (row.applies_to(kForRun)) names.push_back("run");
  if (row.applies_to(kForPythonMpi)) names.push_back("python-mpi");
  if (*row.also != '\0') names.push_back(row.also);
  return fmt::format("{}", fmt::join(names, ", "));
}

/// The variable as users set it: a switch's with "=1".
std::string variable(const Setting& row, const char* name) {
  return row.kind == Kind::kSwitch ? fmt::format("{}=1", name) : std::string(name);
}

/// Roff text: a hyphen in a flag or a command name is a minus sign (`\-`), as
/// man pages write them to be copied; a leading dot is not a request.
std::string roff(std::string_view text) {
  std::string out;
  bool in_flag = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool word_start = i == 0 || text[i - 1] == ' ' || text[i - 1] == '(';
    if (c == '-' && word_start && i + 1 < text.size() && text[i + 1] == '-') in_flag = true;
    if (in_flag && !(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) in_flag = false;
    if (c == '\\') out += "\\e";
    else if (c == '-' && (in_flag || text.substr(i > 6 ? i - 6 : 0, 6).ends_with("python"))) out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string sentence(std::string_view text) {
  std::string s(text);
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string markdown_cell(std::string text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

/// The variables each rank reads on its own (not agreed), for the closing sentence.
std::vector<std::string> own_variables(bool markdown) {
  std::vector<std::string> names;
  for (const Setting& row : settings_table())
    if (!row.agreed)
      for (const char* name : row.env)
        names.push_back(markdown ? fmt::format("`{}`", name) : fmt::format("\\fB\\%{}\\fR", name));
  return names;
}

}  // namespace

std::string settings_markdown() {
  std::string out =
      "| setting | flag | environment | default | for |\n"
      "|---|---|---|---|---|\n";
  for (const Setting& row : settings_table()) {
    std::string flag = *row.flag ? fmt::format("`{}`", row.flag_usage()) : "";
    if (row.python_mpi_flag) flag += " (python-mpi's too)";
    std::vector<std::string> env;
    for (const char* name : row.env) env.push_back(fmt::format("`{}`", variable(row, name)));
    if (row.kind != Kind::kSwitch && *row.flag == '\0')
      env.back() = fmt::format("`{}={}`", row.env.back(), row.value_name);
    out += fmt::format("| {} | {} | {} | {} | {} |\n", markdown_cell(row.what), markdown_cell(flag),
                       markdown_cell(fmt::format("{}", fmt::join(env, ", "))), markdown_cell(row.shown_default),
                       scopes(row));
  }
  out += fmt::format(
      "\nPrecedence: the flag, then the first variable set (`PYBCAST_*` before the seed's `PYTHON_MPI_*`), then the "
      "default. Every rank uses rank 0's values (rank 0 warns, naming the settings that differed on another rank), "
      "except {}, which each rank reads for itself.\n",
      fmt::join(own_variables(true), " and "));
  return out;
}

std::string settings_man_table() {
  std::string out = fmt::format(
      "Precedence: the flag, then the first variable set\n"
      ".RB ( PYBCAST_*\nbefore the seed's\n.BR PYTHON_MPI_* ),\nthen the default.\n"
      "Every rank uses rank 0's values (rank 0 warns, naming the settings that differed on\n"
      "another rank), except\n{},\nwhich each rank reads for itself.\n",
      fmt::join(own_variables(false), " and "));
  // Three columns fit 80: a second variable goes on a line of its own.
  out += ".TS\ntab(@);\nlB lB lB\nl l lx.\nflag@environment@default\n";
  for (const Setting& row : settings_table()) {
    std::string shown = roff(row.shown_default);
    if (shown.size() > 10) shown = fmt::format("T{{\n.ad l\n.nh\n{}\nT}}", shown);  // ragged: a narrow column
    out += fmt::format("{}@{}@{}\n", roff(row.flag_usage()), row.env.empty() ? "" : row.env[0], shown);
    for (size_t i = 1; i < row.env.size(); ++i) out += fmt::format("@{}@\n", row.env[i]);
  }
  out += ".TE\n";
  return out;
}

std::string settings_man_environment(bool python_mpi) {
  std::string out;
  for (const Setting& row : settings_table()) {
    if (row.env.empty() || (python_mpi && !row.applies_to(kForPythonMpi))) continue;
    out += ".TP\n";
    if (row.env.size() == 1) {
      out += fmt::format(".B {}\n", row.env[0]);
    } else {
      std::vector<std::string> quoted;
      for (const char* name : row.env) quoted.push_back(name);
      out += fmt::format(".BR {}\n", fmt::join(quoted, " \", \" "));
    }
    std::string text = row.kind == Kind::kSwitch ? "1, yes, true or on: " + std::string(row.help) : sentence(row.help);
    std::vector<std::string> notes;
    if (*row.flag != '\0' && (!python_mpi || row.python_mpi_flag)) notes.push_back(fmt::format("as {}", row.flag));
    if (row.kind != Kind::kSwitch) notes.push_back(fmt::format("default {}", row.shown_default));
    if (!python_mpi) notes.push_back(scopes(row));
    out += roff(sentence(text)) + (notes.empty() ? "" : " (" + roff(fmt::format("{}", fmt::join(notes, "; "))) + ")") +
           ".\n";
  }
  return out;
}

std::optional<std::string> settings_doc(std::string_view format) {
  if (format == "markdown") return settings_markdown();
  if (format == "man-table") return settings_man_table();
  if (format == "man-env") return settings_man_environment(false);
  if (format == "man-env-python-mpi") return settings_man_environment(true);
  return std::nullopt;
}

}  // namespace pybcast
