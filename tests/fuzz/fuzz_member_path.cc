// Member names and symlink targets -> split_member_path and symlink_escapes,
// checked against a second, deliberately naive reading of the same policy.
// Input: the member name, kNameTargetSeparator, then the link target (which
// may itself contain that byte). The whole input is also tried as a name.
//
// Invariants: a name is refused exactly when the policy says so (NUL byte,
// PATH_MAX, leading '/', a ".." component, a component over NAME_MAX); the
// refusal is a pybcast::Error; accepted parts are non-empty, never "." or
// "..", hold no '/' or NUL, and split(join(parts)) gives them back; a link
// "escapes" exactly when resolving its target lexically from its directory
// climbs above the prefix, or the target is absolute.
#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "archive/safe_path.h"
#include "fuzz_common.h"
#include "util/error.h"

namespace {

using namespace pybcast;

std::vector<std::string> naive_components(std::string_view path) {
  std::vector<std::string> out;
  std::string current;
  for (char c : std::string(path) + "/") {
    if (c != '/') {
      current += c;
      continue;
    }
    if (!current.empty() && current != ".") out.push_back(current);
    current.clear();
  }
  return out;
}

/// Why the policy refuses `name`, or "" if it accepts it.
std::string naive_refusal(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return "NUL";
  if (name.size() >= PATH_MAX) return "PATH_MAX";
  if (!name.empty() && name[0] == '/') return "absolute";
  for (const auto& part : naive_components(name)) {
    if (part == "..") return "dotdot";
    if (part.size() > NAME_MAX) return "NAME_MAX";
  }
  return "";
}

bool naive_escapes(const PathParts& link, std::string_view target) {
  if (target.empty()) return false;
  if (target[0] == '/') return true;
  std::vector<std::string> where(link.begin(), link.end() - (link.empty() ? 0 : 1));
  for (const auto& part : naive_components(target)) {
    if (part != "..") {
      where.push_back(part);
    } else if (where.empty()) {
      return true;
    } else {
      where.pop_back();
    }
  }
  return false;
}

/// Splits `name`, checks the outcome against the naive policy; returns the parts (empty if refused).
PathParts check_split(std::string_view name) {
  std::string expected = naive_refusal(name);
  PathParts parts;
  try {
    parts = split_member_path(name);
  } catch (const Error& e) {
    if (expected.empty()) fuzz::die("refused an acceptable name: " + std::string(e.what()));
    return {};
  }
  if (!expected.empty()) fuzz::die("accepted a name the policy refuses (" + expected + ")");
  for (const auto& part : parts) {
    if (part.empty() || part == "." || part == ".." || part.find('/') != std::string::npos ||
        part.find('\0') != std::string::npos || part.size() > NAME_MAX)
      fuzz::die("bad component accepted: '" + part + "'");
  }
  std::string joined = join_parts(parts);
  if (joined.size() > name.size()) fuzz::die("joined path grew");
  if (split_member_path(joined) != parts) fuzz::die("split(join(parts)) != parts for '" + joined + "'");
  if (parts != naive_components(name)) fuzz::die("components differ from the naive split");
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_split(input);
  size_t at = input.find(fuzz::kNameTargetSeparator);
  if (at == std::string_view::npos) return 0;
  std::string_view name = input.substr(0, at), target = input.substr(at + 1);
  PathParts link = check_split(name);
  if (link.empty()) return 0;  // refused, or the prefix itself: never a symlink
  if (symlink_escapes(link, target) != naive_escapes(link, target))
    fuzz::die("symlink_escapes disagrees for '" + join_parts(link) + "' -> '" + std::string(target) + "'");
  return 0;
}
