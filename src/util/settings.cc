#include "util/settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace pybcast {

std::string setting(const std::optional<std::string>& flag, std::initializer_list<const char*> env,
                    const std::string& fallback) {
  if (flag) return *flag;
  for (const char* name : env)
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  return fallback;
}

bool truthy(const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "1" || v == "yes" || v == "true" || v == "on";
}

std::vector<std::string> split_list(const std::string& text, char separator) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

}  // namespace pybcast
