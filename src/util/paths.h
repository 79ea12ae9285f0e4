#pragma once
// Lexical path relations and resolution, in one place: "is this path under
// that directory" must mean the same thing to pack, doctor and the launcher.
#include <string>
#include <string_view>

namespace pybcast {

/// True if `path` is `dir` or lies beneath it, comparing whole components
/// ("/a/bc" is not under "/a/b"; everything absolute is under "/"). Both are
/// taken as written: absolute and lexically normal.
bool is_within(std::string_view path, std::string_view dir);

/// True if `path` lies strictly beneath `dir` (is_within, but not `dir` itself).
bool is_beneath(std::string_view path, std::string_view dir);

/// `path` relative to `dir`: "" for `dir` itself. Requires is_within(path, dir).
std::string relative_to(std::string_view path, std::string_view dir);

/// realpath(3) of `path`, or `path` unchanged when it cannot be resolved.
std::string real_path(const std::string& path);

}  // namespace pybcast
