#include "tree/live_venv.h"

#include <fstream>
#include <regex>
#include <sstream>

#include "bundle/metadata_layout.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {

std::string trimmed(std::string t) {
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t\r") + 1);
  return t;
}

std::string key_of(const std::string& line) {
  size_t eq = line.find('=');
  if (eq == std::string::npos) return "";
  std::string key = trimmed(line.substr(0, eq));
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::string value_of(const std::string& line) { return trimmed(line.substr(line.find('=') + 1)); }

}  // namespace

bool includes_system_site(const std::string& venv_dir) {
  std::ifstream in(venv_dir + "/pyvenv.cfg");
  std::string line;
  while (std::getline(in, line)) {
    if (key_of(line) != "include-system-site-packages") continue;
    std::string v = value_of(line);
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v == "true";
  }
  return true;  // site.py's default when the key is absent
}

std::string staged_venv_config(const std::string& original) {
  std::istringstream in(original);
  std::string out, line;
  bool system_site = false;
  while (std::getline(in, line)) {
    std::string key = key_of(line);
    if (key == "home") continue;
    if (key == "include-system-site-packages") {
      line = "include-system-site-packages = true";
      system_site = true;
    }
    out += line + "\n";
  }
  if (!system_site) out += "include-system-site-packages = true\n";
  return out;
}

void stage_as_venv(PackSource& venv, const std::string& venv_dir, const std::string& base_executable,
                   const TempDir& scratch) {
  if (base_executable.empty()) fail("{}: its base interpreter's executable was not found among its files", venv_dir);
  static const std::regex kPython(R"(bin/python(3(\.\d+)?)?)");
  std::string link = "../../" + base_executable;
  std::vector<std::string> names{"bin/python", "bin/python3"};
  for (const auto& e : venv.files.entries())
    if (std::regex_match(e.member, kPython) && e.type != EntryType::directory) names.push_back(e.member);
  for (const auto& name : names) venv.files.put_symlink(name, link);

  std::string config = scratch.path() + "/pyvenv.cfg";
  std::ifstream in(venv_dir + "/pyvenv.cfg");
  if (!in) throw_errno(venv_dir + "/pyvenv.cfg", errno);
  std::stringstream original;
  original << in.rdbuf();
  io::write_file_atomically(config, staged_venv_config(original.str()));
  venv.files.put_file(config, "pyvenv.cfg");
  venv.manifest.layout.executable = std::string(kStagedVenvDir) + "/bin/python3";
}

}  // namespace pybcast
