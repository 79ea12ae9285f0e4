#include "doctor/logind.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pybcast {

bool remove_ipc_effective(const std::vector<std::string>& config_texts) {
  bool remove = true;
  for (const auto& text : config_texts) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      line.erase(0, line.find_first_not_of(" \t"));
      if (!line.starts_with("RemoveIPC=")) continue;
      std::string value = line.substr(line.find('=') + 1);
      value.erase(value.find_last_not_of(" \t\r") + 1);
      std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
      if (value == "no" || value == "false" || value == "0" || value == "off") remove = false;
      if (value == "yes" || value == "true" || value == "1" || value == "on") remove = true;
    }
  }
  return remove;
}

std::optional<std::string> remove_ipc_note() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists("/lib/systemd/systemd-logind", ec) && !fs::exists("/usr/lib/systemd/systemd-logind", ec))
    return std::nullopt;
  std::vector<fs::path> files{"/etc/systemd/logind.conf"};
  std::vector<fs::path> dropins;
  for (fs::directory_iterator it("/etc/systemd/logind.conf.d", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".conf") dropins.push_back(it->path());
  std::sort(dropins.begin(), dropins.end());
  files.insert(files.end(), dropins.begin(), dropins.end());
  std::vector<std::string> texts;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    texts.push_back(text.str());
  }
  if (!remove_ipc_effective(texts)) return std::nullopt;
  return "systemd-logind has RemoveIPC=yes (/etc/systemd/logind.conf): when a user's last login session ends, "
         "their /dev/shm files go, staged entries included, even under a running job on a node where jobs hold no "
         "session; ask the administrators to set RemoveIPC=no on compute nodes";
}

}  // namespace pybcast
